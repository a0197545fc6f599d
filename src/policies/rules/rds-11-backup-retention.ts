import { PolicyRule } from "../framework";
import { UNKNOWN, asNumber } from "../values";
import { show } from "./common";

/** The shortest backup retention RDS.11 accepts, in days. */
export const MIN_BACKUP_RETENTION_DAYS = 7;

/** RDS.11: RDS instances keep automatic backups for at least 7 days. */
export const rdsBackupRetention: PolicyRule = {
  id: "RDS.11",
  title: "RDS instances keep automatic backups for at least 7 days",
  productionOnly: false,
  resourceTypes: ["aws_db_instance"],
  check(resource) {
    const days = asNumber(resource.config.backup_retention_period);
    if (typeof days === "number" && days >= MIN_BACKUP_RETENTION_DAYS) return [];
    return [{
      problem:
        days === undefined
          ? "backup_retention_period is not set"
          : days === UNKNOWN
            ? `backup_retention_period is ${show(resource.config.backup_retention_period)}, known only at apply`
            : `backup_retention_period is ${days} day(s)`,
      fix: `set backup_retention_period to at least ${MIN_BACKUP_RETENTION_DAYS}`,
    }];
  },
};
