/**
 * Address stability: the committed list of resource addresses per stack (addresses/<stack>.json) against the
 * synthesized stack.
 *
 * A resource whose address disappears is destroyed by Terraform and created again under the new address. For a
 * stateful resource that loses data (a database, a bucket, a secret, a key), so such a change must come with a
 * move (`moveTo` in cdktf, or a `moved` block) instead.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_ROOT } from "../terraform/check-stacks";
import { movedAddresses, resourceAddresses, type StackJson } from "./stack-json";

/** Resource types whose destruction loses data or breaks what depends on them. */
export const STATEFUL_TYPES: readonly string[] = [
  "aws_db_instance",
  "aws_secretsmanager_secret",
  "aws_s3_bucket",
  "aws_dynamodb_table",
  "aws_kms_key",
  "aws_cloudwatch_log_group",
];

/** Where the committed lists live. */
export const ADDRESSES_DIR = path.join(PROJECT_ROOT, "addresses");

/**
 * The command that rewrites the committed lists on purpose: `npm run refresh`, which rewrites everything generated
 * (its first step is `npm run addresses:update`, this module's writer).
 */
export const UPDATE_COMMAND = "npm run refresh";

/** Contents of addresses/<stack>.json. */
export interface AddressFile {
  readonly "//": string;
  readonly stack: string;
  readonly addresses: readonly string[];
}

/** Outcome of {@link compareAddresses}. */
export interface AddressComparison {
  readonly stack: string;
  /** True when the synthesized addresses are exactly the committed ones. */
  readonly ok: boolean;
  /** Committed stateful addresses that are gone from the synth with no `moved` block: Terraform would destroy them. */
  readonly statefulRemoved: readonly string[];
  /** Other committed addresses that are gone (including stateful ones carried by a `moved` block). */
  readonly removed: readonly string[];
  /** Synthesized addresses not in the committed list. */
  readonly added: readonly string[];
  /** What to do, for a test failure message; empty when ok. */
  readonly message: string;
}

/** `aws_db_instance.database` -> `aws_db_instance`. */
export function resourceType(address: string): string {
  return address.slice(0, address.indexOf("."));
}

/** Whether the address is of a type in {@link STATEFUL_TYPES}. */
export function isStateful(address: string): boolean {
  return STATEFUL_TYPES.includes(resourceType(address));
}

/** Path of the committed list of a stack. */
export function addressFilePath(stack: string, dir: string = ADDRESSES_DIR): string {
  return path.join(dir, `${stack}.json`);
}

/** The committed addresses of a stack, or undefined when it has no list yet. */
export function readCommittedAddresses(stack: string, dir: string = ADDRESSES_DIR): string[] | undefined {
  const file = addressFilePath(stack, dir);
  if (!fs.existsSync(file)) return undefined;
  return [...(JSON.parse(fs.readFileSync(file, "utf8")) as AddressFile).addresses];
}

/** Write the committed list of a stack (sorted, one address per line). */
export function writeAddressFile(stack: string, addresses: readonly string[], dir: string = ADDRESSES_DIR): string {
  const file = addressFilePath(stack, dir);
  const content: AddressFile = {
    "//": `Every resource address of the ${stack} stack. Written by \`${UPDATE_COMMAND}\`; checked by __tests__/terraform/addresses.test.ts.`,
    stack,
    addresses: [...addresses].sort(),
  };
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(content, null, 2)}\n`);
  return file;
}

/** Compare a stack's committed addresses with its synthesized JSON. */
export function compareAddresses(stack: string, committed: readonly string[], synthesized: StackJson): AddressComparison {
  const current = new Set(resourceAddresses(synthesized));
  const moved = movedAddresses(synthesized);
  const committedSet = new Set(committed);
  const gone = committed.filter((a) => !current.has(a));
  const carried = (a: string): boolean => current.has(moved.get(a) ?? "");
  const statefulRemoved = gone.filter((a) => isStateful(a) && !carried(a)).sort();
  const removed = gone.filter((a) => !statefulRemoved.includes(a)).sort();
  const added = [...current].filter((a) => !committedSet.has(a)).sort();

  const parts: string[] = [];
  if (statefulRemoved.length > 0) {
    // A new address of the same type suggests a rename; none, that the resource is simply gone.
    const successors = (a: string): string[] => added.filter((b) => resourceType(b) === resourceType(a));
    const renamed = statefulRemoved.filter((a) => successors(a).length > 0);
    const dropped = statefulRemoved.filter((a) => successors(a).length === 0);
    if (renamed.length > 0) {
      parts.push(
        `${stack}: stateful resource(s) would be DESTROYED and recreated, losing their data ` +
          `(in addresses/${stack}.json, missing from the synthesized stack): ${renamed.map((a) => `${a} (new: ${successors(a).join(", ")})`).join(", ")}.\n` +
          "If you renamed or moved the construct, keep the resource under its new address with a move: " +
          "`resource.moveTo(...)` / `moveFromId(...)` in cdktf, or a `moved { from = <old address> to = <new address> }` block, " +
          "instead of letting Terraform destroy and recreate it. " +
          `Only if destroying it is really intended, run \`${UPDATE_COMMAND}\` and say so in the review.`,
      );
    }
    if (dropped.length > 0) {
      parts.push(
        `${stack}: stateful resource(s) were REMOVED: in addresses/${stack}.json, gone from the synthesized stack with no move and nothing ` +
          `of their type in their place, so Terraform would DESTROY them with their data: ${dropped.join(", ")}.\n` +
          "A setting that created them was turned off (for example secrets.customerManagedKey, which removes the KMS key), or their " +
          "construct was deleted. To keep them, keep the setting (or the construct). To destroy them on purpose, run " +
          `\`${UPDATE_COMMAND}\` and say so in the review. To stop managing one but keep the real resource, run ` +
          `\`terraform state rm <address>\` in cdktf.out/stacks/${stack} before the deploy (and delete it by hand once nothing needs it).`,
      );
    }
  }
  if (removed.length > 0 || added.length > 0) {
    const lines = [
      ...removed.map((a) => `  - ${a}${moved.has(a) ? ` (moved to ${moved.get(a)})` : ""}`),
      ...added.map((a) => `  + ${a}`),
    ];
    parts.push(
      `${stack}: resource addresses differ from addresses/${stack}.json:\n${lines.join("\n")}\n` +
        `If this change is intended, run \`${UPDATE_COMMAND}\` deliberately and commit the updated list.`,
    );
  }
  return { stack, ok: parts.length === 0, statefulRemoved, removed, added, message: parts.join("\n\n") };
}
