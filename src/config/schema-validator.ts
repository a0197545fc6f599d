import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import type { ErrorObject, Options } from "ajv";

/** A compiled JSON Schema check: true when valid; otherwise `errors` says why. */
export interface SchemaValidator {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}

const OPTIONS: Options = { allErrors: true, strict: true, allowUnionTypes: true, verbose: true };
const CACHE_DIR = path.join(__dirname, "..", "..", "node_modules", ".cache", "whcsites-schemas");

/**
 * Compiles a JSON Schema file with Ajv. The generated validation code is cached by the schema's content and the Ajv
 * version, so later runs load a small module instead of Ajv's compiler (about 60 ms of every synthesis).
 *
 * @param schemaPath the schema file
 * @param useCache read and write the cache @default true
 */
export function compileSchemaFile(schemaPath: string, useCache = true): SchemaValidator {
  const text = fs.readFileSync(schemaPath, "utf8");
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- only the version string is needed
  const ajvVersion = (require("ajv/package.json") as { version: string }).version;
  const key = crypto.createHash("sha256").update(`${ajvVersion}:${JSON.stringify(OPTIONS)}:`).update(text).digest("hex");
  const cached = path.join(CACHE_DIR, `${key}.js`);
  if (useCache && fs.existsSync(cached)) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- generated code, path known only at run time
    return require(cached) as SchemaValidator;
  }
  // Loaded only on a cache miss: the compiler is the expensive part.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { default: Ajv } = require("ajv") as typeof import("ajv");
  const standaloneCode = (require("ajv/dist/standalone") as typeof import("ajv/dist/standalone")).default;
  /* eslint-enable @typescript-eslint/no-require-imports */
  const ajv = new Ajv({ ...OPTIONS, code: { source: true } });
  const validate = ajv.compile(JSON.parse(text));
  if (useCache) {
    try {
      fs.mkdirSync(CACHE_DIR, { recursive: true });
      const temporary = `${cached}.${process.pid}`;
      fs.writeFileSync(temporary, standaloneCode(ajv, validate));
      fs.renameSync(temporary, cached); // atomic: parallel runs never read half a file
    } catch {
      // a read-only checkout still works, just without the cache
    }
  }
  return validate as SchemaValidator;
}
