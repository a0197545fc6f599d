/*
 * A container's own time limit: the command runs under `timeout`, so that a one-off task ends even when nothing is left
 * to stop it. One-off tasks of every kind use it (the migration, scheduled jobs).
 */

// ── time limit ──

/** Seconds `timeout` waits after its SIGTERM (the release shuts down, a transaction rolls back) before SIGKILL. */
export const CONTAINER_KILL_AFTER_SECONDS = 30;

/**
 * `command` under `timeout -k 30 <limitSeconds>`: SIGTERM after `limitSeconds`, SIGKILL 30 seconds later; the exit code
 * is 124 when the limit ended it. Wrapped in the command, not the entry point, so that an image's own ENTRYPOINT (an
 * `exec "$@"` script) still runs first. The image needs a `timeout` with `-k`: GNU coreutils (every Debian or Ubuntu
 * image, such as the release image `mix phx.gen.release --docker` builds) or BusyBox 1.36 and later.
 *
 * @param command the exec-form command
 * @param limitSeconds seconds the command may run, a positive integer
 */
export function timeLimitedCommand(command: readonly string[], limitSeconds: number): string[] {
  if (!Number.isInteger(limitSeconds) || limitSeconds < 1) throw new Error(`timeLimitedCommand: limitSeconds got ${limitSeconds}; allowed: a positive integer`);
  return ["timeout", "-k", String(CONTAINER_KILL_AFTER_SECONDS), String(limitSeconds), ...command];
}
