import { PolicyRule } from "../framework";
import { UNKNOWN, asString, list } from "../values";

/** The log types each engine family must export. */
function requiredExports(engine: string | undefined): readonly string[] {
  if (engine?.startsWith("postgres")) return ["postgresql"];
  if (engine === "mysql" || engine === "mariadb") return ["error", "general", "slowquery"];
  return [];
}

/** RDS.9: RDS instances publish their database logs to CloudWatch Logs. */
export const rdsLogExports: PolicyRule = {
  id: "RDS.9",
  title: "RDS instances publish their database logs to CloudWatch Logs",
  productionOnly: false,
  resourceTypes: ["aws_db_instance"],
  check(resource) {
    const engineValue = asString(resource.config.engine);
    const engine = engineValue === UNKNOWN ? undefined : engineValue;
    const exported = list(resource.config.enabled_cloudwatch_logs_exports);
    const fix = `set enabled_cloudwatch_logs_exports to ${JSON.stringify(requiredExports(engine).length > 0 ? requiredExports(engine) : ["<engine log types>"])}`;
    if (exported === UNKNOWN) return [{ problem: "enabled_cloudwatch_logs_exports is known only at apply", fix }];
    const missing = requiredExports(engine).filter((type) => !exported.includes(type));
    if (exported.length === 0) return [{ problem: "enabled_cloudwatch_logs_exports is empty", fix }];
    return missing.length === 0 ? [] : [{ problem: `enabled_cloudwatch_logs_exports lacks ${missing.join(", ")}`, fix }];
  },
};
