import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

/**
 * Which of two files is the newer one, so that a clash between two environment files (a forgotten copy, a second
 * `"oidcProvider": "create"` in one account) is reported on the file just added, not on the one that is deployed.
 *
 * Git first: a file that git reports as untracked (or ignored) or as added to the index and not yet committed is
 * newer than a committed one, whatever the clocks say (a checkout or a `cp -p` sets modification times at will, but
 * a file that is not in the history yet is the new one). Between two files git cannot tell apart (both committed,
 * both new, or no git), the later modification time wins, and a tie goes to the later name. Git runs only when there
 * is a clash to report, once per folder.
 */
export class FileNewness {
  /**
   * Reads what git and the file system know about `files` (paths as the messages show them, relative to the working
   * directory, or absolute).
   */
  public static of(files: readonly string[]): FileNewness {
    const uncommitted = new Map<string, string>();
    const byDir = new Map<string, string[]>();
    for (const file of files) {
      const dir = path.dirname(path.resolve(file));
      byDir.set(dir, [...(byDir.get(dir) ?? []), file]);
    }
    for (const [dir, inDir] of byDir) {
      for (const [name, state] of gitStates(dir)) {
        const file = inDir.find((f) => path.basename(f) === name);
        if (file !== undefined) uncommitted.set(file, state);
      }
    }
    const modifiedMs = new Map(files.map((f) => [f, fs.statSync(f).mtimeMs]));
    return new FileNewness(uncommitted, modifiedMs);
  }

  private constructor(
    private readonly uncommitted: ReadonlyMap<string, string>,
    private readonly modifiedMs: ReadonlyMap<string, number>,
  ) {}

  /** The newer of two files. */
  public newer(a: string, b: string): string {
    const newA = this.uncommitted.has(a);
    const newB = this.uncommitted.has(b);
    if (newA !== newB) return newA ? a : b;
    const [ma, mb] = [this.modifiedMs.get(a) ?? 0, this.modifiedMs.get(b) ?? 0];
    if (ma !== mb) return ma > mb ? a : b;
    return a > b ? a : b;
  }

  /** The files from oldest to newest. */
  public oldestFirst(files: readonly string[]): string[] {
    return [...files].sort((a, b) => (a === b ? 0 : this.newer(a, b) === a ? 1 : -1));
  }

  /** Why `newer` counts as newer than `older`, in words for a message. */
  public why(newer: string, older: string): string {
    const state = this.uncommitted.get(newer);
    if (state !== undefined && !this.uncommitted.has(older)) return `${state} in git, where ${older} is committed`;
    return `modified after ${older}`;
  }
}

/** Files of `dir` that git knows as not yet committed, by name: untracked (or ignored), or added to the index. */
function gitStates(dir: string): Map<string, string> {
  const run = (args: string[]): string[] | undefined => {
    const result = spawnSync("git", ["-C", dir, ...args], { encoding: "utf8", timeout: 10_000 });
    return result.status === 0 ? result.stdout.split("\0").filter((line) => line.length > 0) : undefined;
  };
  const states = new Map<string, string>();
  // Outside a work tree (or without git) both commands fail: modification times decide.
  for (const name of run(["ls-files", "-z", "--others", "--", "."]) ?? []) {
    if (!name.includes("/")) states.set(name, "untracked");
  }
  for (const name of run(["diff", "--cached", "--name-only", "--relative", "--diff-filter=A", "-z", "--", "."]) ?? []) {
    if (!name.includes("/")) states.set(name, "added but not committed");
  }
  return states;
}
