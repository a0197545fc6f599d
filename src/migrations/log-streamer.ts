import { CloudWatchLogsClient, GetLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";

/**
 * Resolves after `ms`, or as soon as `signal` aborts (never rejects), so loops can be woken up to finish early.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve();
      return;
    }
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** Where a {@link LogStreamer} reads and what it does with each line. */
export interface LogStreamerOptions {
  /** CloudWatch Logs client. */
  readonly logs: CloudWatchLogsClient;
  /** Log group of the container. */
  readonly logGroup: string;
  /** Log stream of the task: `<prefix>/<container>/<task id>`. */
  readonly logStream: string;
  /** Called with each log line, in order. */
  readonly onLine: (line: string) => void;
  /** Called once if reading fails for another reason than "the stream does not exist yet". */
  readonly onWarning: (message: string) => void;
  /** Pause between two reads while the task runs. @default 2000 */
  readonly pollIntervalMs?: number;
}

/** Upper bound of pages read in one go, so a misbehaving token can never spin forever. */
const MAX_PAGES_PER_DRAIN = 50;

/**
 * Follows one CloudWatch log stream from its start, printing lines as they arrive, until {@link LogStreamer.finish}
 * is called; then it reads once more so the last lines written before the task stopped are not lost.
 *
 * Polls GetLogEvents with the forward token (CloudWatch Logs has no push API usable here). Log streaming is
 * best effort: a read error is reported once and never fails the migration.
 */
export class LogStreamer {
  private token: string | undefined;
  private finished = false;
  private warned = false;
  private readonly wake = new AbortController();
  private linesSeen = 0;

  /** @param options where to read and where lines go */
  public constructor(private readonly options: LogStreamerOptions) {}

  /** Number of lines printed so far. */
  public get lineCount(): number {
    return this.linesSeen;
  }

  /** Reads until {@link finish} is called, then drains what is left. Never rejects. */
  public async run(): Promise<void> {
    for (;;) {
      const last = this.finished;
      await this.drain();
      if (last) return;
      await sleep(this.options.pollIntervalMs ?? 2_000, this.wake.signal);
    }
  }

  /** Asks {@link run} to do a last read and return. */
  public finish(): void {
    this.finished = true;
    this.wake.abort();
  }

  private async drain(): Promise<void> {
    const { logs, logGroup, logStream, onLine, onWarning } = this.options;
    for (let page = 0; page < MAX_PAGES_PER_DRAIN; page++) {
      let out;
      try {
        out = await logs.send(
          new GetLogEventsCommand({ logGroupName: logGroup, logStreamName: logStream, startFromHead: true, nextToken: this.token }),
        );
      } catch (error) {
        // The stream appears only once the container starts writing.
        if ((error as Error).name === "ResourceNotFoundException") return;
        if (!this.warned) {
          this.warned = true;
          onWarning(`cannot read the task's logs from ${logGroup} ${logStream} (${(error as Error).name}: ${(error as Error).message}); the migration continues`);
        }
        return;
      }
      for (const event of out.events ?? []) {
        for (const line of (event.message ?? "").replace(/\r?\n$/, "").split(/\r?\n/)) {
          this.linesSeen++;
          onLine(line);
        }
      }
      // GetLogEvents returns the token it was given once the end of the stream is reached.
      const next = out.nextForwardToken;
      if (next === undefined || next === this.token) return;
      this.token = next;
    }
  }
}
