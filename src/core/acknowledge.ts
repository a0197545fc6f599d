import { IConstruct } from "constructs";

/** An acknowledged exception: the rule it silences, why, and the construct it was recorded on. */
export interface Acknowledgement {
  /** The rule id, for example `ELB.1`. */
  readonly ruleId: string;
  /** Why the exception is acceptable. */
  readonly reason: string;
  /** Path of the construct the acknowledgement was recorded on (it covers that construct and its children). */
  readonly scopePath: string;
}

const RULE_ID = /^[A-Za-z0-9]+\.[A-Za-z0-9]+$/;
const MIN_REASON_LENGTH = 10;

// Kept beside the tree instead of in node metadata: metadata is append-only and cdktf would print it as-is.
const acknowledgements = new WeakMap<IConstruct, Map<string, Acknowledgement>>();

/**
 * Records an exception to a policy rule for `scope` and everything below it. The rule then skips those resources;
 * synthesis and the policy report still list them with the reason.
 *
 * @param scope The construct (a resource, or a construct that contains resources).
 * @param ruleId The rule id, for example `"ELB.1"`.
 * @param reason Why the exception is acceptable (at least 10 characters): it is printed in every report.
 * @throws Error when the rule id is malformed, the reason is too short, or the rule is already acknowledged here.
 */
export function acknowledge(scope: IConstruct, ruleId: string, reason: string): void {
  if (!RULE_ID.test(ruleId)) {
    throw new Error(`acknowledge: ruleId "${ruleId}" is not a rule id; use the id printed in the violation, for example "ELB.1" or "WHC.LOG1".`);
  }
  const trimmed = reason.trim();
  if (trimmed.length < MIN_REASON_LENGTH) {
    throw new Error(
      `acknowledge: reason "${reason}" for ${ruleId} on ${scope.node.path} is too short; write why the exception is acceptable (at least ${MIN_REASON_LENGTH} characters).`,
    );
  }
  let forScope = acknowledgements.get(scope);
  if (forScope === undefined) {
    forScope = new Map();
    acknowledgements.set(scope, forScope);
  }
  if (forScope.has(ruleId)) {
    throw new Error(`acknowledge: ${ruleId} is already acknowledged on ${scope.node.path}; keep one acknowledgement with one reason.`);
  }
  forScope.set(ruleId, { ruleId, reason: trimmed, scopePath: scope.node.path });
}

/** The acknowledgement of `ruleId` that covers `construct`: recorded on it or on the nearest ancestor. */
export function findAcknowledgement(construct: IConstruct, ruleId: string): Acknowledgement | undefined {
  const scopes = construct.node.scopes;
  for (let i = scopes.length - 1; i >= 0; i--) {
    const found = acknowledgements.get(scopes[i])?.get(ruleId);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The acknowledgements recorded directly on `construct` (not inherited). */
export function acknowledgementsOn(construct: IConstruct): readonly Acknowledgement[] {
  return [...(acknowledgements.get(construct)?.values() ?? [])];
}
