/*
 * IAM policy documents as the delivery constructs write them: typed statements, serialized without whitespace (the
 * size IAM counts for a managed policy's limit).
 */

// ── limits ──

/** The largest managed policy IAM accepts, in characters without whitespace. */
export const MANAGED_POLICY_MAX_CHARACTERS = 6144;

// ── documents ──

/** One IAM policy statement. */
export interface PolicyStatementJson {
  readonly Sid: string;
  readonly Effect: "Allow" | "Deny";
  /** Actions (exactly one of Action and NotAction). */
  readonly Action?: readonly string[];
  /** Every action but these (used in Deny statements only: an Allow with NotAction fails IAM.1). */
  readonly NotAction?: readonly string[];
  readonly Resource: string | readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

/** A policy document with the statements in order; the size limits count it without whitespace, as written here. */
export function policyJson(statements: readonly PolicyStatementJson[]): string {
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}
