import { checkEachContainer, UNREADABLE_CONTAINERS } from "../container-definitions";
import { PolicyRule, Violation } from "../framework";
import { UNKNOWN, block, list } from "../values";

/** Environment variable names that hold secrets: they belong in `secrets` (Secrets Manager), not `environment`. */
export const SECRET_NAME = /PASSWORD|PASSWD|SECRET|KEY|TOKEN|CREDENTIAL|DATABASE_URL|ECS_ENGINE_AUTH_DATA/i;

/** ECS.8: no secret is passed as a plain environment variable. */
export const ecsNoSecretsInEnvironment: PolicyRule = {
  id: "ECS.8",
  title: "ECS containers take secrets from `secrets`, never from plain `environment` variables",
  productionOnly: false,
  resourceTypes: ["aws_ecs_task_definition"],
  check(resource) {
    return checkEachContainer(resource.config, (container, name): Violation[] => {
      const environment = list(container.environment);
      if (environment === UNKNOWN) return [UNREADABLE_CONTAINERS];
      const names = environment
        .map((entry) => block(entry)?.name)
        .filter((name): name is string => typeof name === "string" && SECRET_NAME.test(name));
      return names.length === 0
        ? []
        : [{
            problem: `${name} passes ${names.join(", ")} as plain environment variable(s)`,
            fix: "move them to `secrets` with valueFrom = the Secrets Manager secret ARN (with :json-key:: for one key)",
          }];
    });
  },
};
