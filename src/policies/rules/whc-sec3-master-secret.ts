import { PolicyRule } from "../framework";
import { checkEachContainer } from "../container-definitions";
import { list } from "../values";

/** The tag (key and value) that marks the database master user's connection secret (the constructs set it). */
const MASTER_SECRET_TAG = { key: "whcsites:role", value: "database-master" } as const;

/**
 * WHC.SEC3 (ours): no container reads the database master user's secret (the secret tagged
 * `whcsites:role = database-master`); the application and its migrations log in with roles of their own. The one
 * task that creates those roles acknowledges the rule, with its reason.
 */
export const whcMasterSecretUnread: PolicyRule = {
  id: "WHC.SEC3",
  title: "No task reads the database master secret, except the acknowledged role bootstrap",
  productionOnly: false,
  resourceTypes: ["aws_ecs_task_definition"],
  check(resource, context) {
    const masters = context
      .resourcesOfType("aws_secretsmanager_secret")
      .filter((secret) => (secret.config.tags as Record<string, unknown> | undefined)?.[MASTER_SECRET_TAG.key] === MASTER_SECRET_TAG.value)
      .map((secret) => `\${${secret.address}.arn}`);
    if (masters.length === 0) return [];
    return checkEachContainer(resource.config, (container, name) => {
      const secrets = list(container.secrets);
      if (!Array.isArray(secrets)) return [];
      const read = secrets
        .map((s) => (s as { name?: unknown; valueFrom?: unknown }))
        .filter((s) => typeof s.valueFrom === "string" && masters.some((arn) => (s.valueFrom as string).startsWith(arn)))
        .map((s) => String(s.name));
      return read.length === 0
        ? []
        : [{ problem: `${name} reads the database master secret (${read.join(", ")})`, fix: "give it a database role's secret instead (database-app or database-migrator)" }];
    });
  },
};
