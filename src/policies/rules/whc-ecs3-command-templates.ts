import { checkEachContainer } from "../container-definitions";
import { PolicyRule, Violation } from "../framework";

/**
 * Whether `text` holds a Terraform template sequence (`${` or `%{`) that is not escaped (`$${`, `%%{`): Terraform
 * would evaluate it instead of passing it to the container as written.
 */
export function hasTemplateSequence(text: string): boolean {
  let i = 0;
  while (i < text.length) {
    if (text.startsWith("$${", i) || text.startsWith("%%{", i)) {
      i += 3;
    } else if (text.startsWith("${", i) || text.startsWith("%{", i)) {
      return true;
    } else {
      i += 1;
    }
  }
  return false;
}

/**
 * WHC.ECS3 (ours): a container's command and entry point hold no Terraform template sequence: a `${HOME}` meant for a
 * shell would be evaluated by Terraform (an error, or worse, another value), so every `${` must be written `$${`.
 */
export const whcCommandTemplates: PolicyRule = {
  id: "WHC.ECS3",
  title: "ECS container commands hold no unescaped Terraform template sequence (${ or %{)",
  productionOnly: false,
  resourceTypes: ["aws_ecs_task_definition"],
  check(resource) {
    return checkEachContainer(resource.config, (container, name): Violation[] =>
      (["command", "entryPoint"] as const).flatMap((key) => {
        const args = Array.isArray(container[key]) ? (container[key] as unknown[]) : [];
        const evaluated = args.filter((arg): arg is string => typeof arg === "string" && hasTemplateSequence(arg));
        return evaluated.length === 0
          ? []
          : [{
              problem: `${name} ${key} holds ${evaluated.map((a) => JSON.stringify(a)).join(", ")}, which Terraform evaluates as a template`,
              fix: "escape it as $${ and %%{ (the container definition helper does this for literal text)",
            }];
      }),
    );
  },
};
