/**
 * A cross-process lock made of a directory: `mkdir` is atomic, so only one process creates it.
 *
 * Used around each stack's working copy (a Jest run and `npm run tf:check` may overlap), around the provider probe's
 * throwaway config, and around a whole Jest run's shared plans (two runs in one checkout wait for each other).
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** Options for {@link withDirLock}. */
export interface LockOptions {
  /**
   * Give up waiting after this many milliseconds.
   * @default 600000 (10 minutes)
   */
  readonly timeoutMs?: number;
  /**
   * Poll interval while waiting, in milliseconds.
   * @default 150
   */
  readonly pollMs?: number;
}

function holderIsGone(lockDir: string): boolean {
  try {
    const pid = Number(fs.readFileSync(path.join(lockDir, "pid"), "utf8"));
    if (!Number.isInteger(pid) || pid <= 0) return false;
    process.kill(pid, 0);
    return false;
  } catch (error) {
    // ESRCH: the process that took the lock has died without releasing it.
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}

/**
 * Take the lock directory `lockDir`, waiting while another live process holds it. Resolves with the function that
 * releases it.
 */
export async function acquireDirLock(lockDir: string, options: LockOptions = {}): Promise<() => void> {
  const deadline = Date.now() + (options.timeoutMs ?? 600_000);
  fs.mkdirSync(path.dirname(lockDir), { recursive: true });
  for (;;) {
    try {
      fs.mkdirSync(lockDir);
      fs.writeFileSync(path.join(lockDir, "pid"), String(process.pid));
      return () => fs.rmSync(lockDir, { recursive: true, force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      if (holderIsGone(lockDir)) {
        fs.rmSync(lockDir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`Timed out waiting for the lock ${lockDir}; remove it if no check is running.`);
      await new Promise((r) => setTimeout(r, options.pollMs ?? 150));
    }
  }
}

/** Run `fn` while holding the lock directory `lockDir`; waits while another process holds it. */
export async function withDirLock<T>(lockDir: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const release = await acquireDirLock(lockDir, options);
  try {
    return await fn();
  } finally {
    release();
  }
}
