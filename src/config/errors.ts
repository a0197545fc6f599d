/** One problem in a configuration file: the file, the field path, and what is wrong with it. */
export interface ConfigProblem {
  /** The file, relative to the working directory. */
  readonly file: string;
  /** Field path in dotted form (`services.api.memoryMiB`), or `(file)` for the whole file. */
  readonly field: string;
  /** What was given and what is allowed. */
  readonly message: string;
}

/** Thrown when one or more configuration files are invalid; `message` lists every problem, one per line. */
export class ConfigError extends Error {
  /** @param problems every problem found, so that one run shows all there is to fix */
  public constructor(public readonly problems: readonly ConfigProblem[]) {
    super(problems.map(formatProblem).join("\n"));
    this.name = "ConfigError";
  }
}

/** `<file>: <field>: <message>`, the one-line form of a problem or a warning. */
export function formatProblem(problem: ConfigProblem): string {
  return `${problem.file}: ${problem.field}: ${problem.message}`;
}
