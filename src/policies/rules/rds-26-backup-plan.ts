import { ElementView, PolicyContext, PolicyRule, refersTo } from "../framework";
import { list } from "../values";

/**
 * The backup selections of the stack that name `database` (by a reference to its ARN, or every resource with `*`)
 * and belong to a backup plan of the stack.
 */
export function selectionsOf(database: ElementView, context: PolicyContext): ElementView[] {
  const plans = context.resourcesOfType("aws_backup_plan");
  return context.resourcesOfType("aws_backup_selection").filter((selection) => {
    const resources = list(selection.config.resources);
    const names = typeof resources !== "symbol" && resources.some((r) => r === "*" || refersTo(r, database, ["arn"]));
    return names && plans.some((plan) => refersTo(selection.config.plan_id, plan, ["id"]));
  });
}

/**
 * RDS.26 (production): RDS DB instances are protected by a backup plan: a backup selection of a plan in the same stack
 * names the instance.
 */
export const rdsBackupPlan: PolicyRule = {
  id: "RDS.26",
  title: "RDS instances are protected by a backup plan (production)",
  productionOnly: true,
  resourceTypes: ["aws_db_instance"],
  check(resource, context) {
    if (selectionsOf(resource, context).length > 0) return [];
    return [{
      problem: "no backup plan protects the database: no aws_backup_selection of a plan in this stack names its ARN, so its only backups are its own and are lost with it",
      fix: 'protect it with a BackupPlan (plan.protect(database); "dr" in the environment file)',
    }];
  },
};
