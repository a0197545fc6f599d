import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";

/** Hash of every file under `dir` (paths and contents), to prove a run did not write there. */
export function hashTree(dir: string): string {
  const hash = createHash("sha256");
  const walk = (d: string): void => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, entry.name);
      hash.update(p);
      if (entry.isDirectory()) walk(p);
      else hash.update(fs.readFileSync(p));
    }
  };
  walk(dir);
  return hash.digest("hex");
}
