/**
 * The one naming context of a deployment: the application and the environment.
 *
 * Every physical AWS name comes from {@link Naming.name} so that names are predictable, unique per
 * environment and within AWS length limits. Tags do not come from here: the provider's `default_tags` set them.
 */
export class Naming {
  /**
   * @param app short application name, lower-case letters, digits and hyphens (for example `whcsites`)
   * @param environment environment name, lower-case letters, digits and hyphens (for example `staging`)
   */
  public constructor(
    /** Application name. */
    public readonly app: string,
    /** Environment name. */
    public readonly environment: string,
  ) {
    for (const [prop, value] of Object.entries({ app, environment })) {
      if (!/^[a-z][a-z0-9-]*$/.test(value)) {
        throw new Error(`Naming: ${prop} must be lower-case letters, digits and hyphens, starting with a letter; got ${JSON.stringify(value)}`);
      }
    }
  }

  /** `<app>-<environment>`, the prefix of every physical name. */
  public get prefix(): string {
    return `${this.app}-${this.environment}`;
  }

  /**
   * A physical name: `<app>-<environment>-<parts...>`.
   *
   * @param parts further name parts, joined with `-`
   * @param maxLength AWS limit for this kind of name; a longer name is an error, never silently truncated
   * @default maxLength 255
   */
  public name(parts: string | readonly string[] = [], maxLength = 255): string {
    const list = typeof parts === "string" ? [parts] : parts;
    const name = [this.prefix, ...list].filter((p) => p.length > 0).join("-");
    if (name.length > maxLength) {
      throw new Error(`Naming: "${name}" is ${name.length} characters; this kind of AWS name allows ${maxLength}. Use a shorter app, environment or part name.`);
    }
    return name;
  }

  /** A name with `/` separators, for CloudWatch log groups and Secrets Manager secrets: `/<app>/<environment>/<parts...>`. */
  public path(...parts: string[]): string {
    return ["", this.app, this.environment, ...parts].join("/");
  }
}
