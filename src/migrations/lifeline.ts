/**
 * Notices when the migration runner has lost whoever started it, so that it stops its task instead of running on
 * unattended.
 *
 * Terraform's local-exec runs `/bin/sh -c "node ..."` and, when Terraform is interrupted, kills that shell with
 * SIGKILL: no signal reaches the runner, which is handed to init (or a subreaper) and keeps running after Terraform
 * has released the state lock. Its parent process id changes then, which is what this watches. When Terraform exits,
 * the pipe that carried the runner's output has no reader left: the next write fails with EPIPE, the other thing
 * watched here. (When the runner itself is the one killed, see `watchdog.ts`.)
 */

/** Why the runner lost its caller. */
export type LostReason = "parent-exited" | "output-closed";

/** Options of {@link watchLifeline}. */
export interface LifelineOptions {
  /** Called once, on the first sign. */
  readonly onLost: (reason: LostReason, detail: string) => void;
  /** How often to compare the parent process id. @default 1000 */
  readonly pollIntervalMs?: number;
  /** The outputs whose breaking counts. @default [process.stdout, process.stderr] */
  readonly streams?: readonly NodeJS.WritableStream[];
  /** The current parent process id. @default () => process.ppid (read from the OS at each call) */
  readonly parentPid?: () => number;
}

/**
 * Starts watching; returns a function that stops watching.
 *
 * A runner whose parent is already init (pid 1) when this starts has nobody to lose, so only its outputs are watched.
 */
export function watchLifeline(options: LifelineOptions): () => void {
  const parentPid = options.parentPid ?? (() => process.ppid);
  const streams: readonly NodeJS.EventEmitter[] = options.streams ?? [process.stdout, process.stderr];
  let lost = false;
  const lose = (reason: LostReason, detail: string): void => {
    if (lost) return;
    lost = true;
    options.onLost(reason, detail);
  };

  const initialParent = parentPid();
  const timer = setInterval(() => {
    const now = parentPid();
    if (now !== initialParent) lose("parent-exited", `parent process ${initialParent} is gone (the runner now belongs to ${now})`);
  }, options.pollIntervalMs ?? 1_000);
  timer.unref();

  // A listener also keeps a broken pipe from becoming an uncaught exception; console.log ignores write errors.
  const onError = (error: NodeJS.ErrnoException): void => lose("output-closed", `writing the output failed (${error.code ?? error.message})`);
  for (const stream of streams) stream.on("error", onError);

  return () => {
    clearInterval(timer);
    for (const stream of streams) stream.removeListener("error", onError);
  };
}
