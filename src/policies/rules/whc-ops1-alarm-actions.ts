import { PolicyRule, Violation } from "../framework";
import { UNKNOWN, asBool, isToken, list } from "../values";
import { show } from "./common";

/** What a list of actions is: its entries, or why it cannot count as an action. */
function actionsProblem(value: unknown, setting: string): string | undefined {
  const actions = list(value);
  if (actions === UNKNOWN) return `${setting} is ${show(value)}, a whole list known only at apply, which cannot be verified`;
  if (actions.length === 0) return `${setting} is empty, so nobody learns that it ${setting === "alarm_actions" ? "fired" : "is over"}`;
  const blank = actions.filter((a) => typeof a !== "string" || (a.trim() === "" && !isToken(a)));
  return blank.length > 0 ? `${setting} holds ${blank.length} blank entr${blank.length === 1 ? "y" : "ies"}` : undefined;
}

/**
 * WHC.OPS1 (ours): every alarm notifies someone when it fires (`alarm_actions`) and when it is over (`ok_actions`),
 * with actions enabled. A non-production environment may choose no notification; that choice is acknowledged.
 */
export const whcAlarmActions: PolicyRule = {
  id: "WHC.OPS1",
  title: "Alarms notify when they fire and when they are over (alarm_actions and ok_actions)",
  productionOnly: false,
  resourceTypes: ["aws_cloudwatch_metric_alarm", "aws_cloudwatch_composite_alarm"],
  check(resource) {
    const fix = "set alarm_actions and ok_actions to the environment's alert topic ARN (or, outside production, acknowledge WHC.OPS1 with the reason nobody is notified)";
    const violations: Violation[] = [];
    if (asBool(resource.config.actions_enabled) === false) violations.push({ problem: "actions_enabled is false, so the alarm notifies nobody", fix: "set actions_enabled to true" });
    for (const setting of ["alarm_actions", "ok_actions"]) {
      const problem = actionsProblem(resource.config[setting], setting);
      if (problem !== undefined) violations.push({ problem, fix });
    }
    return violations;
  },
};
