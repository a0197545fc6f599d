import { EventEmitter } from "node:events";
import { LostReason, watchLifeline } from "../../src/migrations/lifeline";

function epipe(): NodeJS.ErrnoException {
  return Object.assign(new Error("write EPIPE"), { code: "EPIPE" });
}

describe("watchLifeline", () => {
  it("reports the parent's exit once the parent process id changes", async () => {
    // GIVEN a runner whose parent is 4000, then init
    let parent = 4000;
    const lost: Array<[LostReason, string]> = [];
    const stop = watchLifeline({ onLost: (r, d) => lost.push([r, d]), parentPid: () => parent, pollIntervalMs: 5, streams: [] });

    // WHEN
    await new Promise((r) => setTimeout(r, 20));
    const before = lost.length;
    parent = 1;
    await new Promise((r) => setTimeout(r, 30));
    stop();

    // THEN
    expect(before).toBe(0);
    expect(lost).toEqual([["parent-exited", "parent process 4000 is gone (the runner now belongs to 1)"]]);
  });

  it("reports a broken output (EPIPE on stdout or stderr), once", () => {
    // GIVEN
    const stdout = new EventEmitter();
    const stderr = new EventEmitter();
    const lost: LostReason[] = [];
    const stop = watchLifeline({ onLost: (r) => lost.push(r), parentPid: () => 4000, streams: [stdout, stderr] as never });

    // WHEN both outputs break
    stdout.emit("error", epipe());
    stderr.emit("error", epipe());
    stop();

    // THEN
    expect(lost).toEqual(["output-closed"]);
  });

  it("stops listening when stopped: a later error is no longer its business", () => {
    // GIVEN
    const stdout = new EventEmitter();
    const lost: LostReason[] = [];
    const stop = watchLifeline({ onLost: (r) => lost.push(r), parentPid: () => 4000, streams: [stdout] as never });

    // WHEN
    stop();

    // THEN
    expect(stdout.listenerCount("error")).toBe(0);
    expect(lost).toEqual([]);
  });
});
