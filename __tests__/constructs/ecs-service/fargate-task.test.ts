import { Testing } from "cdktf";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { ServiceDiscoveryHttpNamespace } from "@cdktf/provider-aws/lib/service-discovery-http-namespace";
import { FargateTask, FargateTaskProps } from "../../../src/constructs/ecs-service/fargate-task";
import { ServiceConnectNamespace } from "../../../src/constructs/ecs-service/service-connect-namespace";
import { Naming } from "../../../src/core/naming";
import { ReadableStack } from "../../../src/stacks/readable-stack";
import { testNetwork } from "../../helpers/network";

const naming = new Naming("whcsites", "staging");

function build(props: Partial<FargateTaskProps> = {}): { synth: string; resources: Record<string, Record<string, any>>; task: FargateTask } {
  const stack = new ReadableStack(Testing.app(), "test");
  const network = testNetwork(stack, naming);
  const task = new FargateTask(stack, "report", {
    naming,
    name: "report",
    containerName: "report",
    network,
    securityGroupDescription: "Report tasks: no ingress, egress to HTTPS only",
    image: "ghcr.io/whc-example/whcsites:1.4.2",
    command: ["/app/bin/report"],
    cpu: 256,
    memoryMiB: 512,
    accountId: "123456789012",
    ...props,
  });
  const synth = Testing.synth(stack);
  return { synth, resources: JSON.parse(synth).resource, task };
}

describe("FargateTask on its own", () => {
  test("GIVEN a task WHEN synthesized THEN its log group, two roles, security group with HTTPS out only, and task definition, named after it", () => {
    // GIVEN / WHEN
    const { synth, resources, task } = build();
    // THEN
    expect(resources.aws_cloudwatch_log_group.report_log_group.name).toBe("/whcsites/staging/ecs/report");
    expect(Object.keys(resources.aws_iam_role).sort()).toEqual(["report_execution_role", "report_task_role"]);
    expect(resources.aws_iam_role_policy.report_task_role_exec).toBeUndefined();
    expect(synth).toHaveResourceWithProperties(SecurityGroup, { name: "whcsites-staging-report-tasks", description: "Report tasks: no ingress, egress to HTTPS only" });
    expect(Object.keys(resources.aws_vpc_security_group_egress_rule)).toEqual(["report_https_out"]);
    expect(resources.aws_vpc_security_group_ingress_rule).toBeUndefined();
    const definition = resources.aws_ecs_task_definition.report_task_definition;
    expect(definition).toMatchObject({ family: "whcsites-staging-report", cpu: "256", memory: "512", skip_destroy: true, network_mode: "awsvpc" });
    const [container] = JSON.parse(definition.container_definitions);
    expect(container).toMatchObject({ name: "report", readonlyRootFilesystem: true, command: ["/app/bin/report"], portMappings: [] });
    expect(container.logConfiguration.options).toMatchObject({ "awslogs-group": "${aws_cloudwatch_log_group.report_log_group.name}", "awslogs-stream-prefix": "report", mode: "non-blocking" });
    expect(task.taskPrerequisites.length).toBe(2); // the execution role's log grant and the HTTPS egress rule
  });

  test.each<[string, Partial<FargateTaskProps>, RegExp]>([
    ["ECS Exec without a session log group", { enableExecuteCommand: true, readonlyRootFilesystem: false }, /^FargateTask: enableExecuteCommand got true; allowed: false, or a cluster with executeCommandLogging/],
    ["ECS Exec in production", { enableExecuteCommand: true, readonlyRootFilesystem: false, executeCommandLogGroupArn: "arn:aws:logs:eu-west-1:123456789012:log-group:x", production: true }, /^FargateTask: enableExecuteCommand got true; allowed: false in production/],
    ["a port name without a port", { portName: "http" }, /^FargateTask: portName got "http"; allowed: only with port/],
    ["a variable both plain and secret", { environment: { TOKEN: "x" }, secrets: { TOKEN: { arn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:t" } } }, /^FargateTask: environment\.TOKEN is also given in secrets/],
  ])("GIVEN %s WHEN built THEN it is refused under the task's own name", (_title, props, message) => {
    expect(() => build(props)).toThrow(message);
  });
});

describe("ServiceConnectNamespace", () => {
  test("GIVEN an environment WHEN synthesized THEN one Cloud Map HTTP namespace named after it", () => {
    const stack = new ReadableStack(Testing.app(), "test");
    new ServiceConnectNamespace(stack, "service_connect", { naming });
    const synth = Testing.synth(stack);
    expect(synth).toHaveResourceWithProperties(ServiceDiscoveryHttpNamespace, { name: "whcsites-staging" });
  });
});
