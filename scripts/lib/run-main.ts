/**
 * Runs a script's `main` and sets the process's exit code from it. An error thrown on the way becomes one line on
 * stderr, `<what>: <message>`, and exit code 1: no stack trace for the operator.
 *
 * `describe` turns the error into that message (by default its own message), for a script that adds a hint.
 */
export function runMain(what: string, main: () => Promise<number>, describe: (error: unknown) => string = errorMessage): void {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(`${what}: ${describe(error)}`);
      process.exitCode = 1;
    },
  );
}

/** The message of an Error, or the thrown value as text. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
