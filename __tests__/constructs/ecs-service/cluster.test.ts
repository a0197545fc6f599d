import { DefaultTokenResolver, StringConcat, Testing, Tokenization } from "cdktf";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { EcsCluster } from "@cdktf/provider-aws/lib/ecs-cluster";
import { EcsClusterCapacityProviders } from "@cdktf/provider-aws/lib/ecs-cluster-capacity-providers";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { Cluster, ClusterProps } from "../../../src/constructs/ecs-service/cluster";
import { PropError } from "../../../src/constructs/shared/validation";
import { Naming } from "../../../src/core/naming";
import { ReadableStack } from "../../../src/stacks/readable-stack";
import { KMS_KEY_ADMINISTRATION_ACTIONS } from "../../../src/domain/kms";

type Resources = Record<string, Record<string, Record<string, unknown>>>;

interface Built {
  readonly stack: ReadableStack;
  readonly cluster: Cluster;
  readonly synth: string;
  readonly resources: Resources;
}

/** A stack with only the cluster, construct id "service" as in the environment stack. */
function build(props: Partial<Omit<ClusterProps, "naming">> = {}, environment = "staging"): Built {
  const stack = new ReadableStack(Testing.app(), "test");
  const cluster = new Cluster(stack, "service", { naming: new Naming("whcsites", environment), ...props });
  const synth = Testing.synth(stack);
  return { stack, cluster, synth, resources: JSON.parse(synth).resource as Resources };
}

/** What a token stands for in the synthesized JSON. */
function resolve(stack: ReadableStack, value: unknown): unknown {
  return Tokenization.resolve(value, { scope: stack, preparing: false, resolver: new DefaultTokenResolver(new StringConcat()) });
}

describe("Cluster by default", () => {
  // GIVEN no options
  // WHEN synthesized
  const { stack, cluster, synth, resources } = build();

  test("THEN it is named <app>-<environment>-<id>, with Container Insights on (AWS FSBP ECS.12)", () => {
    expect(synth).toHaveResourceWithProperties(EcsCluster, {
      name: "whcsites-staging-service",
      setting: [{ name: "containerInsights", value: "enabled" }],
    });
    expect(Object.keys(resources.aws_ecs_cluster)).toEqual(["service_cluster"]);
  });

  test("THEN both Fargate capacity providers are associated, FARGATE by default", () => {
    expect(synth).toHaveResourceWithProperties(EcsClusterCapacityProviders, {
      cluster_name: "${aws_ecs_cluster.service_cluster.name}",
      capacity_providers: ["FARGATE", "FARGATE_SPOT"],
      default_capacity_provider_strategy: [{ capacity_provider: "FARGATE", weight: 1, base: 0 }],
    });
  });

  test("THEN there is no ECS Exec log group and no exec configuration", () => {
    expect(resources.aws_cloudwatch_log_group).toBeUndefined();
    expect(resources.aws_ecs_cluster.service_cluster.configuration).toBeUndefined();
    expect(cluster.executeCommandLogGroupName).toBeUndefined();
    expect(cluster.executeCommandLogGroupArn).toBeUndefined();
  });

  test("THEN it exposes its name and ARN", () => {
    expect(resolve(stack, [cluster.clusterName, cluster.clusterArn])).toEqual(["${aws_ecs_cluster.service_cluster.name}", "${aws_ecs_cluster.service_cluster.arn}"]);
  });
});

describe("Cluster with enhanced Container Insights", () => {
  test("GIVEN enhanced WHEN synthesized THEN the setting says so", () => {
    const synth = Testing.synthScope((scope) => {
      new Cluster(scope, "service", { naming: new Naming("whcsites", "staging"), containerInsights: "enhanced" });
    });
    expect(synth).toHaveResourceWithProperties(EcsCluster, { setting: [{ name: "containerInsights", value: "enhanced" }] });
  });
});

describe("Cluster.capacityProviders", () => {
  test("GIVEN a resource that depends on it WHEN synthesized THEN it waits for the capacity provider association", () => {
    // GIVEN
    const stack = new ReadableStack(Testing.app(), "test");
    const cluster = new Cluster(stack, "service", { naming: new Naming("whcsites", "staging") });
    // WHEN
    new S3Bucket(stack, "probe", { bucket: "probe", dependsOn: [cluster.capacityProviders] });
    // THEN
    const resources = JSON.parse(Testing.synth(stack)).resource as Resources;
    expect(resources.aws_s3_bucket.probe.depends_on).toEqual(["aws_ecs_cluster_capacity_providers.service_cluster_capacity_providers"]);
  });
});

describe("Cluster with ECS Exec logging", () => {
  test("GIVEN executeCommandLogging WHEN synthesized THEN sessions go to the cluster's own log group, overriding the default", () => {
    // GIVEN / WHEN
    const { stack, cluster, synth, resources } = build({ executeCommandLogging: true });
    // THEN
    expect(synth).toHaveResourceWithProperties(CloudwatchLogGroup, { name: "/whcsites/staging/ecs/service/exec", retention_in_days: 30 });
    expect(Object.keys(resources.aws_cloudwatch_log_group)).toEqual(["service_exec_log_group"]);
    expect(resources.aws_ecs_cluster.service_cluster.configuration).toEqual({
      execute_command_configuration: {
        logging: "OVERRIDE",
        log_configuration: { cloud_watch_log_group_name: "${aws_cloudwatch_log_group.service_exec_log_group.name}", cloud_watch_encryption_enabled: false },
      },
    });
    expect(resolve(stack, [cluster.executeCommandLogGroupName, cluster.executeCommandLogGroupArn])).toEqual([
      "${aws_cloudwatch_log_group.service_exec_log_group.name}",
      "${aws_cloudwatch_log_group.service_exec_log_group.arn}",
    ]);
  });

  test("GIVEN production WHEN synthesized THEN the session logs are kept 365 days, or as long as asked", () => {
    // GIVEN / WHEN
    const production = build({ executeCommandLogging: true, production: true }, "production").resources;
    const custom = build({ executeCommandLogging: true, logRetentionDays: 90 }).resources;
    // THEN
    expect(production.aws_cloudwatch_log_group.service_exec_log_group).toMatchObject({ name: "/whcsites/production/ecs/service/exec", retention_in_days: 365 });
    expect(custom.aws_cloudwatch_log_group.service_exec_log_group.retention_in_days).toBe(90);
  });
});

describe("Cluster with ECS Exec logs under a customer-managed key", () => {
  const keyed = { executeCommandLogging: true, customerManagedKey: true, accountId: "210987654321", region: "eu-west-1" };

  test("GIVEN customerManagedKey WHEN synthesized THEN the exec log group is encrypted with its own rotated key and ECS Exec requires it", () => {
    // GIVEN / WHEN
    const { stack, cluster, resources } = build(keyed);
    // THEN
    expect(Object.keys(resources.aws_kms_key)).toEqual(["service_exec_log_key"]);
    expect(resources.aws_kms_key.service_exec_log_key).toMatchObject({ enable_key_rotation: true, deletion_window_in_days: 30 });
    expect(resources.aws_kms_key.service_exec_log_key.lifecycle).toBeUndefined();
    expect(resources.aws_cloudwatch_log_group.service_exec_log_group.kms_key_id).toBe("${aws_kms_key.service_exec_log_key.arn}");
    expect(resources.aws_ecs_cluster.service_cluster.configuration).toMatchObject({
      execute_command_configuration: { log_configuration: { cloud_watch_encryption_enabled: true } },
    });
    expect(resolve(stack, cluster.executeCommandLogKeyArn)).toBe("${aws_kms_key.service_exec_log_key.arn}");
  });

  test("GIVEN customerManagedKey WHEN synthesized THEN CloudWatch Logs of the region may use the key for the exec log group only", () => {
    // GIVEN / WHEN
    const policy = JSON.parse(build(keyed).resources.aws_kms_key.service_exec_log_key.policy as string);
    // THEN
    expect(policy.Statement).toEqual([
      // administration only: no IAM policy of the account can grant use of the key directly
      { Sid: "AccountAdministersKey", Effect: "Allow", Principal: { AWS: "arn:aws:iam::210987654321:root" }, Action: [...KMS_KEY_ADMINISTRATION_ACTIONS], Resource: "*" },
      {
        Sid: "CloudWatchLogsUsesItForTheExecLogGroup",
        Effect: "Allow",
        Principal: { Service: "logs.eu-west-1.amazonaws.com" },
        Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
        Resource: "*",
        Condition: { ArnEquals: { "kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:eu-west-1:210987654321:log-group:/whcsites/staging/ecs/service/exec" } },
      },
    ]);
  });

  test("GIVEN production WHEN synthesized THEN the key has prevent_destroy; in China its service principal ends in .cn", () => {
    expect(build({ ...keyed, production: true }, "production").resources.aws_kms_key.service_exec_log_key.lifecycle).toEqual({ prevent_destroy: true });
    const china = JSON.parse(build({ ...keyed, region: "cn-north-1" }).resources.aws_kms_key.service_exec_log_key.policy as string);
    expect(china.Statement[1].Principal).toEqual({ Service: "logs.cn-north-1.amazonaws.com.cn" });
    expect(china.Statement[0].Principal).toEqual({ AWS: "arn:aws-cn:iam::210987654321:root" });
  });

  test("GIVEN customerManagedKey without ECS Exec logging WHEN synthesized THEN there is no key", () => {
    expect(build({ customerManagedKey: true, accountId: "210987654321", region: "eu-west-1" }).resources.aws_kms_key).toBeUndefined();
  });

  test("GIVEN customerManagedKey without account or region WHEN constructed THEN both are asked for", () => {
    expect(() => build({ executeCommandLogging: true, customerManagedKey: true })).toThrow(
      "Cluster: accountId got nothing; allowed: the 12-digit account id with customerManagedKey (the key policy names it)\n" +
        'Cluster: region got nothing; allowed: the AWS region with customerManagedKey, such as "eu-west-1"',
    );
  });
});

describe("Cluster validation", () => {
  test.each<[Partial<ClusterProps>, string]>([
    [{ containerInsights: "on" as "enabled" }, 'Cluster: containerInsights got "on"; allowed: "enabled" or "enhanced"'],
    [{ logRetentionDays: 10 }, "Cluster: logRetentionDays got 10; allowed: one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653"],
  ])("GIVEN %j WHEN constructed THEN it throws naming the prop, the value and what is allowed", (props, message) => {
    expect(() => build(props)).toThrow(PropError);
    expect(() => build(props)).toThrow(message);
  });

  test("GIVEN two bad props WHEN constructed THEN one PropError lists both", () => {
    let error: unknown;
    try {
      build({ containerInsights: "on" as "enabled", logRetentionDays: 10 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PropError);
    expect((error as PropError).problems.map((p) => p.prop)).toEqual(["containerInsights", "logRetentionDays"]);
    expect((error as Error).message.split("\n")).toHaveLength(2);
  });
});
