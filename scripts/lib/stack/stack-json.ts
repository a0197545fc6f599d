/**
 * Reading and rewriting synthesized cdktf stacks (`cdk.tf.json`) for the offline Terraform check.
 *
 * Everything here is pure: it takes parsed JSON and returns new JSON, so the working copy can differ from
 * cdktf.out without ever touching it.
 */

/** One provider block; cdktf writes each provider as a list of blocks (one per alias). */
export type ProviderBlock = Record<string, unknown>;

/** A synthesized cdktf stack. Only the parts the check reads or rewrites are typed. */
export interface StackJson {
  readonly terraform?: {
    readonly backend?: Record<string, unknown>;
    readonly required_providers?: Record<string, { readonly source?: string; readonly version?: string } | string>;
    readonly [key: string]: unknown;
  };
  readonly provider?: Record<string, ProviderBlock[] | ProviderBlock>;
  readonly resource?: Record<string, Record<string, Record<string, unknown>>>;
  readonly data?: Record<string, Record<string, Record<string, unknown>>>;
  readonly ephemeral?: Record<string, Record<string, Record<string, unknown>>>;
  readonly moved?: ReadonlyArray<{ readonly from: string; readonly to: string }>;
  readonly [key: string]: unknown;
}

/** A provider a stack requires, with its fully qualified source address. */
export interface RequiredProvider {
  /** Local name in `required_providers` (for example `aws`). */
  readonly localName: string;
  /** Fully qualified source, for example `registry.terraform.io/hashicorp/random`. */
  readonly source: string;
  /** Version constraint as synthesized, if any. */
  readonly version?: string;
}

/** One `random_*` resource or ephemeral block replaced by a `terraform_data` stand-in in the working copy. */
export interface RandomSwap {
  /**
   * Address in the synthesized stack, for example `random_password.database_master` or
   * `ephemeral.aws_secretsmanager_random_password.secrets_database_password`.
   */
  readonly from: string;
  /** Address of the stand-in in the working copy, for example `terraform_data.random_password_database_master`. */
  readonly to: string;
  /** Whether references are wrapped in `sensitive(...)` (random_password results are sensitive). */
  readonly sensitive: boolean;
}

/** What {@link prepareStackJson} changed, so the check can say it plainly. */
export interface PreparedStack {
  readonly json: StackJson;
  /** Backend type that was removed (`s3`, ...), if the stack had one. */
  readonly droppedBackend?: string;
  /** Provider arguments removed from aws provider blocks (for example `allowed_account_ids`). */
  readonly droppedProviderArguments: readonly string[];
  readonly swappedRandom: readonly RandomSwap[];
  /** Ephemeral blocks replaced by stand-ins (see {@link PrepareOptions.swapEphemeral}). */
  readonly swappedEphemeral: readonly RandomSwap[];
}

/** Options for {@link prepareStackJson}. */
export interface PrepareOptions {
  /**
   * Replace every `random_*` resource with a `terraform_data` stand-in and drop the random provider.
   * @default false
   */
  readonly swapRandom?: boolean;
  /**
   * Replace every ephemeral block with a sensitive `terraform_data` stand-in. Terraform opens ephemeral blocks during
   * the plan, and `aws_secretsmanager_random_password` calls Secrets Manager: offline there is no API to call.
   * @default false
   */
  readonly swapEphemeral?: boolean;
}

/** Placeholder credentials: never valid, only there so the provider configures without looking for real ones. */
export const PLACEHOLDER_CREDENTIALS = {
  access_key: "tf-check-placeholder-access-key",
  secret_key: "tf-check-placeholder-secret-key",
  skip_credentials_validation: true,
  skip_requesting_account_id: true,
  skip_metadata_api_check: true,
} as const;

/**
 * Provider arguments that need a real account or a credential source. With placeholder credentials and no
 * account id they cannot work offline, so the working copy drops them (the synthesized stack keeps them).
 */
const ACCOUNT_BOUND_AWS_ARGUMENTS = [
  "allowed_account_ids",
  "forbidden_account_ids",
  "assume_role",
  "assume_role_with_web_identity",
  "profile",
  "shared_config_files",
  "shared_credentials_files",
  "token",
] as const;

/** Result attributes of random_password are sensitive in the random provider; their stand-in must stay so. */
const SENSITIVE_RANDOM_TYPES = new Set(["random_password"]);

/** `aws` -> `registry.terraform.io/hashicorp/aws`, `hashicorp/random` -> `registry.terraform.io/hashicorp/random`. */
export function qualifySource(source: string): string {
  const parts = source.toLowerCase().split("/");
  if (parts.length === 1) return `registry.terraform.io/hashicorp/${parts[0]}`;
  if (parts.length === 2) return `registry.terraform.io/${parts[0]}/${parts[1]}`;
  return parts.join("/");
}

/** Providers listed in `terraform.required_providers`. */
export function requiredProviders(stack: StackJson): RequiredProvider[] {
  const required = stack.terraform?.required_providers ?? {};
  return Object.entries(required).map(([localName, spec]) => {
    const source = typeof spec === "string" ? localName : (spec.source ?? localName);
    const version = typeof spec === "string" ? spec : spec.version;
    return { localName, source: qualifySource(source), ...(version !== undefined ? { version } : {}) };
  });
}

/** Addresses (`type.name`) of every managed resource in the stack, sorted. */
export function resourceAddresses(stack: StackJson): string[] {
  const addresses: string[] = [];
  for (const [type, byName] of Object.entries(stack.resource ?? {})) {
    for (const name of Object.keys(byName)) addresses.push(`${type}.${name}`);
  }
  return addresses.sort();
}

/** `moved` blocks of the stack as from -> to. */
export function movedAddresses(stack: StackJson): Map<string, string> {
  return new Map((stack.moved ?? []).map((m) => [m.from, m.to]));
}

function providerBlocks(value: ProviderBlock[] | ProviderBlock): ProviderBlock[] {
  return Array.isArray(value) ? value : [value];
}

function standInName(from: string, taken: ReadonlySet<string>): string {
  const base = from.replace(".", "_");
  let name = base;
  for (let i = 2; taken.has(name); i++) name = `${base}_${i}`;
  return name;
}

/**
 * Rewrite references to swapped resources inside one string. `${random_password.db.result}` becomes
 * `${sensitive(terraform_data.random_password_db.output)}`; a bare address (as in `depends_on`) becomes the
 * stand-in's address.
 */
function rewriteReferences(value: string, swaps: ReadonlyMap<string, RandomSwap>): string {
  const bare = swaps.get(value);
  if (bare !== undefined) return bare.to;
  if (!value.includes("${")) return value;
  value = value.replace(/ephemeral\.([a-z0-9_]+)\.([A-Za-z_][\w-]*)\.([A-Za-z_]\w*)/g, (match, type: string, name: string) => {
    const swap = swaps.get(`ephemeral.${type}.${name}`);
    return swap === undefined ? match : `sensitive(${swap.to}.output)`;
  });
  return value.replace(
    /(?<![\w.-])(random_[a-z0-9_]+)\.([A-Za-z_][\w-]*)((?:\[[^\]]*\])?)(?:\.([A-Za-z_]\w*))?/g,
    (match, type: string, name: string, index: string, attribute: string | undefined) => {
      const swap = swaps.get(`${type}.${name}`);
      if (swap === undefined) return match;
      if (attribute === undefined) return `${swap.to}${index}`;
      const output = `${swap.to}${index}.output`;
      return swap.sensitive ? `sensitive(${output})` : output;
    },
  );
}

function rewriteDeep(value: unknown, swaps: ReadonlyMap<string, RandomSwap>): unknown {
  if (typeof value === "string") return rewriteReferences(value, swaps);
  if (Array.isArray(value)) return value.map((v) => rewriteDeep(v, swaps));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rewriteDeep(v, swaps)]));
  }
  return value;
}

/**
 * The working copy of a stack for an offline check: no backend (local state), aws provider blocks with
 * placeholder credentials and without account-bound arguments, and, when asked, `random_*` resources and ephemeral
 * blocks swapped for `terraform_data` stand-ins whose output is unknown at plan time, like a random result.
 */
export function prepareStackJson(stack: StackJson, options: PrepareOptions = {}): PreparedStack {
  const json = structuredClone(stack) as Record<string, unknown> & StackJson;

  let droppedBackend: string | undefined;
  const terraformBlock = json.terraform as Record<string, unknown> | undefined;
  if (terraformBlock?.backend !== undefined) {
    droppedBackend = Object.keys(terraformBlock.backend as object).join(", ");
    delete terraformBlock.backend;
  }
  // A cloud block would need a token and the network just as a backend would.
  if (terraformBlock?.cloud !== undefined) delete terraformBlock.cloud;

  const awsLocalNames = requiredProviders(stack)
    .filter((p) => p.source === "registry.terraform.io/hashicorp/aws")
    .map((p) => p.localName);
  const dropped = new Set<string>();
  const providers = (json.provider ?? {}) as Record<string, ProviderBlock[] | ProviderBlock>;
  for (const localName of new Set([...awsLocalNames, "aws"])) {
    const value = providers[localName];
    if (value === undefined) continue;
    const blocks = providerBlocks(value).map((block) => {
      const copy: ProviderBlock = { ...block };
      for (const argument of ACCOUNT_BOUND_AWS_ARGUMENTS) {
        if (argument in copy) {
          dropped.add(argument);
          delete copy[argument];
        }
      }
      return { ...copy, ...PLACEHOLDER_CREDENTIALS };
    });
    providers[localName] = blocks;
  }

  const swappedRandom: RandomSwap[] = [];
  const swappedEphemeral: RandomSwap[] = [];
  const resources = (json.resource ?? {}) as Record<string, Record<string, Record<string, unknown>>>;
  const standIns: Record<string, Record<string, unknown>> = { ...(resources.terraform_data ?? {}) };
  const taken = new Set(Object.keys(standIns));
  if (options.swapEphemeral === true) {
    // Referenced as `ephemeral.<type>.<name>.<attribute>`; the rewrite keeps them sensitive, as ephemeral values are.
    const ephemeral = (json.ephemeral ?? {}) as Record<string, Record<string, Record<string, unknown>>>;
    for (const type of Object.keys(ephemeral)) {
      for (const name of Object.keys(ephemeral[type])) {
        const standIn = standInName(`ephemeral_${type}.${name}`, taken);
        taken.add(standIn);
        standIns[standIn] = { input: "${timestamp()}" };
        swappedEphemeral.push({ from: `ephemeral.${type}.${name}`, to: `terraform_data.${standIn}`, sensitive: true });
      }
    }
    delete (json as Record<string, unknown>).ephemeral;
  }
  let result: Record<string, unknown> = json;
  if (options.swapRandom === true) {
    for (const type of Object.keys(resources).filter((t) => t.startsWith("random_"))) {
      for (const [name, body] of Object.entries(resources[type])) {
        const standIn = standInName(`${type}.${name}`, taken);
        taken.add(standIn);
        // timestamp() is unknown until apply, so the stand-in's output is "known after apply" like a random result.
        standIns[standIn] = {
          input: "${timestamp()}",
          ...(body.count !== undefined ? { count: body.count } : {}),
          ...(body.for_each !== undefined ? { for_each: body.for_each } : {}),
        };
        swappedRandom.push({ from: `${type}.${name}`, to: `terraform_data.${standIn}`, sensitive: SENSITIVE_RANDOM_TYPES.has(type) });
      }
      delete resources[type];
    }

    const randomLocalNames = requiredProviders(stack)
      .filter((p) => p.source === "registry.terraform.io/hashicorp/random")
      .map((p) => p.localName);
    const required = terraformBlock?.required_providers as Record<string, unknown> | undefined;
    for (const localName of randomLocalNames) {
      if (required !== undefined) delete required[localName];
      delete providers[localName];
    }
  }
  if (swappedRandom.length + swappedEphemeral.length > 0) {
    (json as Record<string, unknown>).resource = { ...resources, terraform_data: standIns };
    const swaps = new Map([...swappedRandom, ...swappedEphemeral].map((s) => [s.from, s]));
    const { "//": metadata, ...rest } = json;
    result = { ...(metadata !== undefined ? { "//": metadata } : {}), ...(rewriteDeep(rest, swaps) as Record<string, unknown>) };
  }

  return {
    json: result as StackJson,
    ...(droppedBackend !== undefined ? { droppedBackend } : {}),
    droppedProviderArguments: [...dropped].sort(),
    swappedRandom,
    swappedEphemeral,
  };
}
