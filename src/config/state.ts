import * as fs from "fs";
import * as path from "path";
import { ConfigError, ConfigProblem } from "./environment";
import { compileSchemaFile } from "./schema-validator";

/** The Terraform state backend every environment stack uses, as `state.json` sets it. */
export interface StateConfig {
  /** The file it was read from, for messages. */
  readonly file: string;
  /** Account holding the bucket and the table. */
  readonly accountId: string;
  /** Region of the bucket and the table. */
  readonly region: string;
  /** S3 bucket of every environment's state. */
  readonly bucketName: string;
  /** DynamoDB lock table (deprecated by S3 native locking; see README). */
  readonly lockTableName: string;
  /** How long old state versions are kept. */
  readonly noncurrentVersionRetentionDays: number;
}

/** Reads and validates `state.json`. Throws {@link ConfigError} naming the field. */
export function loadStateConfig(file: string): StateConfig {
  const shown = path.relative(process.cwd(), file) || file;
  const problems: ConfigProblem[] = [];
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (error) {
    throw new ConfigError([{ file: shown, field: "(file)", message: `cannot be read as JSON: ${(error as Error).message}` }]);
  }
  const validate = compileSchemaFile(path.join(path.dirname(file), "state.schema.json"));
  if (!validate(raw)) {
    for (const e of validate.errors ?? []) {
      const params = e.params as Record<string, unknown>;
      const field = e.instancePath.slice(1).replace(/\//g, ".") || String(params.additionalProperty ?? params.missingProperty ?? "(top level)");
      const given = e.instancePath ? ` got ${JSON.stringify(raw[e.instancePath.slice(1)])};` : "";
      problems.push({ file: shown, field, message: `${given} ${e.message ?? "is invalid"}`.trim() });
    }
    throw new ConfigError(problems);
  }
  const accountId = String(raw.accountId);
  const region = String(raw.region);
  return {
    file: shown,
    accountId,
    region,
    bucketName: (raw.bucketName as string | undefined) ?? `whcsites-tfstate-${accountId}-${region}`,
    lockTableName: (raw.lockTableName as string | undefined) ?? "whcsites-tfstate-lock",
    noncurrentVersionRetentionDays: (raw.noncurrentVersionRetentionDays as number | undefined) ?? 90,
  };
}
