import { timeLimitedCommand } from "../ecs-service";

// ── job shell ──

/**
 * The shell around a job's command: it runs the command (under its time limit) as a child, forwards SIGTERM and SIGINT
 * to it (an operator's `aws ecs stop-task`), waits for it, then prints one JSON line with the job's name, exit code and
 * duration, and exits with the command's code. The line is how the job's duration reaches its dashboard (a metric
 * filter); the exit code is what the failure rule reads. `$0` is the job's name, `"$@"` the command, never re-parsed.
 */
export const JOB_SHELL = [
  "started=$(date +%s)",
  '"$@" &',
  "child=$!",
  "trap 'kill -TERM \"$child\" 2>/dev/null' TERM INT",
  'wait "$child"',
  "code=$?",
  // A trapped signal ends the first wait early (code > 128): wait until the command itself has ended.
  'while kill -0 "$child" 2>/dev/null; do wait "$child"; code=$?; done',
  "printf '{\"whcsites_job\":\"%s\",\"exit_code\":%d,\"duration_seconds\":%d}\\n' \"$0\" \"$code\" \"$(( $(date +%s) - started ))\"",
  'exit "$code"',
].join("\n");

/** The field of the job's last line that names it (see {@link JOB_SHELL}). */
export const JOB_LINE_NAME_FIELD = "whcsites_job";

// ── command ──

/**
 * What a job's container runs: {@link JOB_SHELL} around `command` under `timeout` (the container's own time limit, as
 * the migration has it), so that a job that runs too long is stopped after `timeoutMinutes` with exit code 124. The
 * image needs `sh`, `date` and a `timeout` with `-k` (GNU coreutils or BusyBox 1.36+, as in Debian-based release
 * images).
 *
 * @param name the job's name, printed in its last line
 * @param command the job's exec-form command
 * @param timeoutMinutes minutes the command may run
 */
export function jobContainerCommand(name: string, command: readonly string[], timeoutMinutes: number): string[] {
  return ["sh", "-c", JOB_SHELL, name, ...timeLimitedCommand(command, timeoutMinutes * 60)];
}
