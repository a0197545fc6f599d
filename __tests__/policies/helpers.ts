import { App, Testing, TerraformStack } from "cdktf";
import { applyPolicies } from "../../src/policies/apply";
import { PolicyRule, RuleResult } from "../../src/policies/framework";
import { policyReportOf } from "../../src/policies/apply";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { ReadableStack } from "../../src/stacks/readable-stack";

/** A stack of the given class with the AWS provider that full synthesis validates for. */
export function newStack(id = "test", app: App = Testing.app()): ReadableStack {
  const stack = new ReadableStack(app, id);
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  return stack;
}

/** A stack named "test" (construct paths "test/<id>") guarded by `rules` only, so each test sees one rule. */
export function guardedStack(rules: readonly PolicyRule[], production = false): TerraformStack {
  const stack = newStack();
  applyPolicies(stack, { production, rules });
  return stack;
}

/** Synthesizes the stack for real (aspects, validations, error annotations); gives the error message or undefined. */
export function synthError(stack: TerraformStack): string | undefined {
  try {
    Testing.fullSynth(stack);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** The rule's result in the stack's latest synthesis. */
export function resultOf(stack: TerraformStack, ruleId: string): RuleResult {
  const result = policyReportOf(stack)?.rules.find((r) => r.id === ruleId);
  if (result === undefined) throw new Error(`rule ${ruleId} was not applied to ${stack.node.path}`);
  return result;
}

/**
 * Asserts that synthesis passes and that the rule really checked (and passed) the given addresses: a compliant
 * case that the rule never looked at would prove nothing.
 */
export function expectPasses(stack: TerraformStack, ruleId: string, addresses: readonly string[]): void {
  expect(synthError(stack)).toBeUndefined();
  const result = resultOf(stack, ruleId);
  expect(result.violations).toEqual([]);
  expect([...result.passed].sort()).toEqual([...addresses].sort());
}

/** Asserts that synthesis fails with `[<ruleId>] test/<path>: <message>` and gives the error. */
export function expectFails(stack: TerraformStack, ruleId: string, path: string, message: RegExp): string {
  const error = synthError(stack);
  expect(error).toBeDefined();
  const escaped = ruleId.replace(/\./g, "\\.");
  expect(error).toMatch(new RegExp(`\\[${escaped}\\] test/${path}: `));
  expect(error).toMatch(message);
  expect(error).toMatch(/Fix: /);
  return error as string;
}
