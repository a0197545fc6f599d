/**
 * The Terraform warnings the project accepts, each with the reason. Any other warning fails `npm run tf:check` and
 * the plan-level tests: a new warning is either fixed or written down here with its reason.
 */
import type { TerraformDiagnostic } from "./terraform-cli";

/** One accepted warning. */
export interface AllowedWarning {
  /** Matches the diagnostic's summary. */
  readonly summary: RegExp;
  /**
   * Matches the diagnostic's detail.
   * @default any detail
   */
  readonly detail?: RegExp;
  /** Why the warning is accepted. */
  readonly reason: string;
}

/** The accepted warnings. */
export const ALLOWED_WARNINGS: readonly AllowedWarning[] = [
  {
    summary: /Deprecated Parameter/i,
    detail: /dynamodb_table/,
    reason:
      "The S3 backend keeps `dynamodb_table` next to `use_lockfile` while state moves from DynamoDB locking to S3 " +
      "lock files: both lock during the migration. Terraform only reports it at backend init, which the offline " +
      "working copy skips (its backend is removed), so it is listed for the real `terraform init` too.",
  },
];

/** The allow-list entry that accepts this warning, if any. */
export function allowedBy(warning: TerraformDiagnostic, allowed: readonly AllowedWarning[] = ALLOWED_WARNINGS): AllowedWarning | undefined {
  return allowed.find((a) => a.summary.test(warning.summary) && (a.detail === undefined || a.detail.test(warning.detail)));
}

/** Warnings that no allow-list entry accepts. */
export function unexpectedWarnings(
  warnings: readonly TerraformDiagnostic[],
  allowed: readonly AllowedWarning[] = ALLOWED_WARNINGS,
): TerraformDiagnostic[] {
  return warnings.filter((w) => allowedBy(w, allowed) === undefined);
}
