import { ConfigError, ConfigProblem } from "../config/errors";
import { PropError } from "../constructs/shared";

/**
 * Where a construct's props came from in the environment file: prop name (or dotted prefix) to field path. A path
 * starting with `/` is from the file's top level; any other is below the construct's own section. A prop without an
 * entry keeps its name below the section.
 */
export type FieldMap = Readonly<Record<string, string>>;

/**
 * Builds a construct from an environment file's values. When the construct refuses its props (a {@link PropError}),
 * its problems become the file's: each prop is mapped to the field it came from, so that the rule is written once,
 * in the construct, and still reported as `<file>: <field>: got ...; allowed: ...`.
 *
 * @param file the environment file, as shown in messages
 * @param section the file section the construct is built from (`services.api`, `database`); empty for the top level
 * @param fields props whose field is not `<section>.<prop>`
 * @throws ConfigError for a PropError; any other error unchanged
 */
export function fromFile<T>(file: string, section: string, fields: FieldMap, build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (!(error instanceof PropError)) throw error;
    const problems: ConfigProblem[] = error.problems.map((p) => ({ file, field: fieldOf(p.prop, section, fields), message: p.detail }));
    throw new ConfigError(problems);
  }
}

/** The file field of a prop: the longest mapped prefix wins. */
export function fieldOf(prop: string, section: string, fields: FieldMap): string {
  let mapped: string | undefined;
  let rest = "";
  for (const [key, field] of Object.entries(fields)) {
    const matches = prop === key || prop.startsWith(`${key}.`) || prop.startsWith(`${key}[`);
    if (matches && (mapped === undefined || key.length > prop.length - rest.length)) {
      mapped = field;
      rest = prop.slice(key.length);
    }
  }
  const path = mapped === undefined ? prop : `${mapped}${rest}`;
  if (path.startsWith("/")) return path.slice(1);
  return section === "" ? path : `${section}.${path}`;
}
