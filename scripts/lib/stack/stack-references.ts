/**
 * Reading a synthesized stack (cdk.tf.json) as a set of resources and the references between them, for the
 * architecture diagram and the cost estimate.
 */
import type { StackJson } from "./stack-json";
import { templateParts } from "./templates";

/** A managed resource of a stack. */
export interface StackResource {
  /** `type.name`, as Terraform addresses it. */
  readonly address: string;
  readonly type: string;
  readonly name: string;
  readonly body: Readonly<Record<string, unknown>>;
}

const REFERENCE = /\b((?:aws|random|terraform|time|tls)_[a-z0-9_]+|terraform_data)\.([A-Za-z_][\w-]*)/g;

/** Addresses (`type.name`) of the resources referenced in the `${...}` sequences of every string inside `value`. */
export function referencesIn(value: unknown): string[] {
  const found = new Set<string>();
  const visit = (v: unknown): void => {
    if (typeof v === "string") {
      for (const part of templateParts(v)) {
        if (part.kind !== "sequence") continue;
        for (const match of part.text.matchAll(REFERENCE)) found.add(`${match[1]}.${match[2]}`);
      }
    } else if (Array.isArray(v)) v.forEach(visit);
    else if (v !== null && typeof v === "object") Object.values(v).forEach(visit);
  };
  visit(value);
  return [...found];
}

/** The single address referenced by `value` (for example a `${aws_subnet.x.id}` attribute), if exactly one. */
export function referenceIn(value: unknown): string | undefined {
  const refs = referencesIn(value);
  return refs.length === 1 ? refs[0] : undefined;
}

/** The resources of a stack, by type and by address. */
export class StackResources {
  private readonly byAddress = new Map<string, StackResource>();

  public constructor(public readonly stack: StackJson) {
    for (const [type, byName] of Object.entries(stack.resource ?? {})) {
      for (const [name, body] of Object.entries(byName)) {
        this.byAddress.set(`${type}.${name}`, { address: `${type}.${name}`, type, name, body });
      }
    }
  }

  /** Resources of one type, sorted by address. */
  public ofType(type: string): StackResource[] {
    return [...this.byAddress.values()].filter((r) => r.type === type).sort((a, b) => (a.address < b.address ? -1 : 1));
  }

  public get(address: string | undefined): StackResource | undefined {
    return address === undefined ? undefined : this.byAddress.get(address);
  }

  /** Every resource, sorted by address. */
  public all(): StackResource[] {
    return [...this.byAddress.values()].sort((a, b) => (a.address < b.address ? -1 : 1));
  }

  /** The AWS provider's region (the first provider block that names one). */
  public region(): string | undefined {
    const aws = this.stack.provider?.aws;
    const blocks = Array.isArray(aws) ? aws : aws !== undefined ? [aws] : [];
    const named = blocks.find((b) => typeof b.region === "string");
    return named?.region as string | undefined;
  }
}

/** A list attribute as a list (cdktf writes a single nested block as an object). */
export function asList(value: unknown): Record<string, unknown>[] {
  if (Array.isArray(value)) return value as Record<string, unknown>[];
  return value !== undefined && value !== null ? [value as Record<string, unknown>] : [];
}

/** A JSON document held in a string attribute (a policy, container definitions); undefined when it is no JSON. */
export function parseJsonAttribute(value: unknown): unknown {
  if (typeof value !== "string") return undefined;
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}
