/**
 * One access key per stack and phase of an emulator apply: the emulator's request recorder writes the key each request
 * was signed with, and this mapping (which only the harness holds) tells which stack and phase made it.
 *
 * moto runs every access key it was not given by its own IAM in its default account, so the key changes nothing but
 * the record (the harness checks that every recorded key is one it handed out, or its own).
 */

/** What a key stands for. */
export interface Caller {
  /** `<app>/<stack>`, for example `environments/whcsites-staging`. */
  readonly stackId: string;
  /** The phase of the emulator apply: `apply`, `ci-plan`, `plan`, `failed-migration`, `teardown`, `destroy`. */
  readonly phase: string;
}

/** Hands out a key per stack and phase, and looks them up. */
export class CallerKeys {
  private readonly byKey = new Map<string, Caller>();
  private readonly byCaller = new Map<string, string>();

  /** The key of a stack's phase (the same one every time it is asked for). */
  public keyFor(stackId: string, phase: string): string {
    const id = `${stackId}\u0000${phase}`;
    let key = this.byCaller.get(id);
    if (key === undefined) {
      // 20 characters like an AWS access key id; the counter keeps them apart.
      key = `AKIAWHCS${String(this.byCaller.size + 1).padStart(12, "0")}`;
      this.byCaller.set(id, key);
      this.byKey.set(key, { stackId, phase });
    }
    return key;
  }

  /** Every key handed out, with its caller. */
  public entries(): Array<[string, Caller]> {
    return [...this.byKey];
  }

  /** Who signed with `key`; undefined for a key this run never handed out (the harness's own requests). */
  public callerOf(key: string): Caller | undefined {
    return this.byKey.get(key);
  }
}
