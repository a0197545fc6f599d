import { IConstruct } from "constructs";
import {
  Annotations,
  Aspects,
  DefaultTokenResolver,
  IAspect,
  StringConcat,
  TerraformDataSource,
  TerraformElement,
  TerraformResource,
  TerraformStack,
  Tokenization,
} from "cdktf";
import { Acknowledgement, acknowledgementsOn, findAcknowledgement } from "../core/acknowledge";
import { Config } from "./values";

/**
 * Hands over, once per synthesis, each element's `toTerraform()` as the stack's preparation resolved it (undefined
 * when the stack was not prepared). The stack supplies it, so that the guard reads configurations without resolving
 * every resource again and without depending on the stack class.
 */
export type ResolvedAtPreparation = () => ReadonlyMap<TerraformElement, unknown> | undefined;

/** What is wrong with one resource, and how to fix it. Both are phrases without a final period. */
export interface Violation {
  /** What is wrong, for example `listener on port 80 forwards plain HTTP`. */
  readonly problem: string;
  /** How to fix it, for example `make the default action a redirect to HTTPS`. */
  readonly fix: string;
}

/** One resource or data source as a rule sees it: its synthesized JSON, its address and its construct path. */
export interface ElementView {
  /** Terraform type, for example `aws_lb`. */
  readonly type: string;
  /** Terraform address, for example `aws_lb.alb` or `data.aws_iam_policy_document.bucket`. */
  readonly address: string;
  /** Construct path, for example `whcsites-prod/alb/Resource`. */
  readonly path: string;
  /** The resolved configuration (overrides and `lifecycle` included), snake_case keys as in the Terraform JSON. */
  readonly config: Config;
}

/** What a rule can look at besides the resource under check. */
export interface PolicyContext {
  /** Whether the stack is production: production-only rules run only then. */
  readonly production: boolean;
  /** The stack being checked. */
  readonly stack: TerraformStack;
  /** Every resource of the given Terraform types in the stack. */
  resourcesOfType(...types: string[]): readonly ElementView[];
  /** The data source at `data.<type>.<name>` in the stack, if any. */
  dataSource(type: string, name: string): ElementView | undefined;
}

/** A policy rule: the checks of one control on the resource types it covers. */
export interface PolicyRule {
  /** Control id, for example `ELB.1` (FSBP) or `WHC.LOG1` (ours). */
  readonly id: string;
  /** One line: what the rule requires. */
  readonly title: string;
  /** When true the rule runs only in production stacks. */
  readonly productionOnly: boolean;
  /** Terraform resource types the rule checks, for example `["aws_lb", "aws_alb"]`. */
  readonly resourceTypes: readonly string[];
  /** The violations of one resource of a covered type; empty when it complies. */
  check(resource: ElementView, context: PolicyContext): readonly Violation[];
}

/** A violation as reported: rule, resource and the full message. */
export interface PolicyFinding {
  /** Rule id. */
  readonly ruleId: string;
  /** Construct path of the resource. */
  readonly path: string;
  /** Terraform address of the resource. */
  readonly address: string;
  /** `[ELB.1] <path>: <problem>. Fix: <fix>.` */
  readonly message: string;
}

/** A resource whose violations were acknowledged. */
export interface AcknowledgedFinding extends PolicyFinding {
  /** The acknowledgement that covers the resource. */
  readonly acknowledgement: Acknowledgement;
}

/** The outcome of one rule in one stack. */
export interface RuleResult {
  /** Rule id. */
  readonly id: string;
  /** What the rule requires. */
  readonly title: string;
  /** Whether the rule runs only in production. */
  readonly productionOnly: boolean;
  /** Addresses of the resources the rule checked. */
  readonly checked: readonly string[];
  /** Addresses of the checked resources that comply. */
  readonly passed: readonly string[];
  /** Unacknowledged violations: each fails synthesis. */
  readonly violations: readonly PolicyFinding[];
  /** Acknowledged violations, with their reasons. */
  readonly acknowledged: readonly AcknowledgedFinding[];
}

/** The policy outcome of one stack's latest synthesis. */
export interface StackPolicyReport {
  /** Stack id. */
  readonly stack: string;
  /** Whether production-only rules were applied. */
  readonly production: boolean;
  /** One result per applied rule, in the order they were applied. */
  readonly rules: readonly RuleResult[];
}

/** Formats the message of a violation: `[ELB.1] <path>: <problem>. Fix: <fix>.` */
export function violationMessage(ruleId: string, path: string, violation: Violation): string {
  const strip = (s: string) => s.trim().replace(/\.+$/, "");
  return `[${ruleId}] ${path}: ${strip(violation.problem)}. Fix: ${strip(violation.fix)}.`;
}

interface MutableRuleResult {
  readonly rule: PolicyRule;
  readonly checked: Map<string, Violation[]>;
  readonly violations: Map<string, PolicyFinding>;
  readonly acknowledged: Map<string, AcknowledgedFinding>;
}

const RESOLVER = new DefaultTokenResolver(new StringConcat());
const ERROR = "@cdktf/error";
const INFO = "@cdktf/info";

/**
 * The policy state of one stack: which rules apply, the resolved configurations of the current synthesis and
 * the results. Aspects run again on every synthesis, so results are reset when the walk starts at the stack.
 */
export class PolicyRun implements PolicyContext {
  private readonly results = new Map<string, MutableRuleResult>();
  private views = new Map<TerraformElement, ElementView | null>();
  private byType: Map<string, TerraformResource[]> | undefined;
  private prepared: ReadonlyMap<TerraformElement, unknown> | undefined;

  public constructor(
    public readonly stack: TerraformStack,
    public readonly production: boolean,
    public readonly rules: readonly PolicyRule[],
    private readonly resolvedAtPreparation?: ResolvedAtPreparation,
  ) {
    for (const rule of rules) this.results.set(rule.id, { rule, checked: new Map(), violations: new Map(), acknowledged: new Map() });
  }

  /** Starts a new synthesis: forget the configurations and results of the previous one. */
  public begin(): void {
    this.views = new Map();
    this.byType = undefined;
    // The configurations resolved when the stack was prepared are current unless an aspect (aspects run after the
    // preparation) may have changed an element: reuse them only when the guard's own aspect, which only reads, is the
    // stack's only one.
    const prepared = this.resolvedAtPreparation?.();
    this.prepared = prepared !== undefined && onlyPolicyAspects(this.stack) ? prepared : undefined;
    for (const result of this.results.values()) {
      result.checked.clear();
      result.violations.clear();
      result.acknowledged.clear();
    }
  }

  /** The resolved view of a resource or data source; undefined for anything else. */
  public view(construct: IConstruct): ElementView | undefined {
    if (!TerraformElement.isTerraformElement(construct)) return undefined;
    const cached = this.views.get(construct);
    if (cached !== undefined) return cached ?? undefined;
    const view = this.read(construct);
    this.views.set(construct, view ?? null);
    return view;
  }

  public resourcesOfType(...types: string[]): readonly ElementView[] {
    if (this.byType === undefined) {
      // Group by type without resolving: only the types a rule asks for are resolved (resolving is the costly part).
      const byType = new Map<string, TerraformResource[]>();
      for (const construct of this.stack.node.findAll()) {
        if (!TerraformResource.isTerraformResource(construct)) continue;
        const type = construct.terraformResourceType;
        byType.set(type, [...(byType.get(type) ?? []), construct]);
      }
      this.byType = byType;
    }
    return types.flatMap((type) => (this.byType?.get(type) ?? []).map((r) => this.view(r)).filter((v): v is ElementView => v !== undefined));
  }

  public dataSource(type: string, name: string): ElementView | undefined {
    for (const construct of this.stack.node.findAll()) {
      if (!TerraformDataSource.isTerraformDataSource(construct) || construct.terraformResourceType !== type) continue;
      const view = this.view(construct);
      if (view?.address === `data.${type}.${name}`) return view;
    }
    return undefined;
  }

  /** Runs `rule` on `construct` if it is a resource of a covered type, and records the outcome. */
  public check(rule: PolicyRule, construct: IConstruct): void {
    if (!TerraformResource.isTerraformResource(construct)) return;
    if (!rule.resourceTypes.includes(construct.terraformResourceType)) return;
    const view = this.view(construct);
    if (view === undefined) return;
    const result = this.results.get(rule.id);
    if (result === undefined) return;
    const found = rule.check(view, this);
    result.checked.set(view.address, [...found]);
    if (found.length === 0) return;

    const acknowledgement = findAcknowledgement(construct, rule.id);
    for (const violation of found) {
      const message = violationMessage(rule.id, view.path, violation);
      const key = `${view.address}|${message}`;
      if (acknowledgement === undefined) {
        result.violations.set(key, { ruleId: rule.id, path: view.path, address: view.address, message });
        addOnce(construct, ERROR, message);
      } else {
        result.acknowledged.set(key, { ruleId: rule.id, path: view.path, address: view.address, message, acknowledgement });
        // One short line: the rule, where, and why it is acceptable (the full finding is in `npm run policy`). The
        // guard only records it: the app's entry point prints the info annotations (src/synth.ts), the cdktf CLI its own.
        addOnce(construct, INFO, `[${rule.id}] ${view.path}: acknowledged: ${acknowledgement.reason}`);
      }
    }
  }

  /** The results of the latest synthesis. */
  public report(): StackPolicyReport {
    return {
      stack: this.stack.node.id,
      production: this.production,
      rules: [...this.results.values()].map(({ rule, checked, violations, acknowledged }) => ({
        id: rule.id,
        title: rule.title,
        productionOnly: rule.productionOnly,
        checked: [...checked.keys()],
        passed: [...checked.entries()].filter(([, found]) => found.length === 0).map(([address]) => address),
        violations: [...violations.values()],
        acknowledged: [...acknowledged.values()],
      })),
    };
  }

  private read(element: TerraformElement): ElementView | undefined {
    const isResource = TerraformResource.isTerraformResource(element);
    if (!isResource && !TerraformDataSource.isTerraformDataSource(element)) return undefined;
    const type = element.terraformResourceType;
    const resolved = (this.prepared?.get(element) ??
      Tokenization.resolve(element.toTerraform(), { scope: this.stack, preparing: false, resolver: RESOLVER })) as {
      resource?: Record<string, Record<string, Record<string, unknown>>>;
      data?: Record<string, Record<string, Record<string, unknown>>>;
    };
    const blocks = (isResource ? resolved.resource : resolved.data)?.[type];
    if (blocks === undefined) return undefined; // a moved resource synthesizes no block
    const [name, body] = Object.entries(blocks)[0] ?? [];
    if (name === undefined || body === undefined) return undefined;
    const config: Record<string, unknown> = { ...body };
    delete config["//"];
    return {
      type,
      address: isResource ? `${type}.${name}` : `data.${type}.${name}`,
      path: element.node.path,
      config,
    };
  }
}

// Aspects run again on every synthesis; an annotation already present is not added twice.
function addOnce(construct: IConstruct, level: string, message: string): void {
  if (construct.node.metadata.some((entry) => entry.type === level && entry.data === message)) return;
  if (level === ERROR) Annotations.of(construct).addError(message);
  else Annotations.of(construct).addInfo(message);
}

function onlyPolicyAspects(stack: TerraformStack): boolean {
  return stack.node.findAll().every((construct) => Aspects.of(construct).all.every((aspect) => aspect instanceof PolicyPackAspect));
}

/**
 * The aspect of a guarded stack: starts a new synthesis when the walk reaches the stack, then checks each resource
 * against the rules that cover its type and records violations as error annotations. An acknowledgement of an unknown
 * rule id is an error too: a misspelt id would silence nothing.
 *
 * One aspect for the whole pack, not one per rule: cdktf's aspect walk costs per aspect and node (it recomputes the
 * node's path for each), which made 40 rule aspects about a quarter of the policy guard's time.
 */
export class PolicyPackAspect implements IAspect {
  private readonly rulesByType = new Map<string, PolicyRule[]>();

  public constructor(
    /** The rules applied, in order. */
    public readonly rules: readonly PolicyRule[],
    private readonly run: PolicyRun,
    /** Every rule id an acknowledgement may name. */
    private readonly knownRuleIds: ReadonlySet<string>,
  ) {
    for (const rule of rules) {
      for (const type of new Set(rule.resourceTypes)) this.rulesByType.set(type, [...(this.rulesByType.get(type) ?? []), rule]);
    }
  }

  public visit(node: IConstruct): void {
    if (node === this.run.stack) this.run.begin();
    for (const acknowledgement of acknowledgementsOn(node)) {
      if (this.knownRuleIds.has(acknowledgement.ruleId)) continue;
      const message = `[POLICY] ${node.node.path}: acknowledges unknown rule "${acknowledgement.ruleId}". Fix: use one of ${[...this.knownRuleIds].join(", ")}.`;
      addOnce(node, ERROR, message);
    }
    if (!TerraformResource.isTerraformResource(node)) return;
    for (const rule of this.rulesByType.get(node.terraformResourceType) ?? []) this.run.check(rule, node);
  }
}

/** True when `value` is a reference to an attribute of `target`: `${<address>.<attr>}` for one of `attributes`. */
export function refersTo(value: unknown, target: ElementView, attributes: readonly string[]): boolean {
  return typeof value === "string" && attributes.some((attribute) => value === `\${${target.address}.${attribute}}`);
}
