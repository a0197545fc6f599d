/** Where the saved-plan scripts find a stack and its state role. */
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_ROOT } from "../terraform/check-stacks";

/** The synthesized folder of `stack`: `--dir`, else cdktf.out/stacks/<stack>. @throws Error naming what to run first */
export function stackDir(stack: string, dir: string | undefined): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(stack)) throw new Error(`--stack got ${JSON.stringify(stack)}; allowed: a stack name such as whcsites-production`);
  const resolved = path.resolve(dir ?? path.join(PROJECT_ROOT, "cdktf.out", "stacks", stack));
  if (!fs.existsSync(path.join(resolved, "cdk.tf.json"))) throw new Error(`${resolved}: no cdk.tf.json; run npm run synth first`);
  return resolved;
}

/** The read-write state role the synthesized backend assumes (the state stack's `whcsites-tfstate-<env>`). */
export function stateRoleOf(dir: string): string {
  const json = JSON.parse(fs.readFileSync(path.join(dir, "cdk.tf.json"), "utf8")) as { terraform?: { backend?: { s3?: { assume_role?: { role_arn?: unknown } } } } };
  const role = json.terraform?.backend?.s3?.assume_role?.role_arn;
  if (typeof role !== "string") throw new Error(`${dir}/cdk.tf.json: its S3 backend assumes no role; a saved plan is for the environment stacks`);
  return role;
}
