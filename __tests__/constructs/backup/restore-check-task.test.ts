import type { ContainerDefinition } from "@aws-sdk/client-ecs";
import { DefaultTokenResolver, StringConcat, Testing, Tokenization } from "cdktf";
import { EcsTaskDefinition } from "@cdktf/provider-aws/lib/ecs-task-definition";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { RESTORE_CHECK_CONTAINER_NAME, RestoreCheckTask, RestoreCheckTaskProps } from "../../../src/constructs/backup/restore-check-task";
import { Cluster } from "../../../src/constructs/ecs-service/cluster";
import { ECTO_SCHEMA_VERSION_QUERY } from "../../../src/constructs/ecs-service/profiles/phoenix";
import { RESTORE_CHECK_MARKER } from "../../../src/domain/backup";
import { DEFAULT_PSQL_IMAGE } from "../../../src/constructs/release/postgres-role-bootstrap";
import { isCi } from "../../../scripts/lib/terraform/terraform-cli";
import { findPostgres, PostgresBinaries, PostgresCluster, PsqlResult } from "../../helpers/postgres";
import { testNetwork } from "../../helpers/network";
import { ACCOUNT, backupStack, NAMING, propErrorOf, resourcesOf } from "./helpers";

const CONNECTION = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:/whcsites/production/database-app-AbCdEf";

function build(change: Partial<RestoreCheckTaskProps> = {}) {
  const { stack } = backupStack();
  const network = testNetwork(stack, NAMING);
  const cluster = new Cluster(stack, "service", { naming: NAMING, production: true });
  const check = new RestoreCheckTask(stack, "restore_check", {
    naming: NAMING,
    cluster,
    network,
    connection: { arn: CONNECTION },
    checkSql: ECTO_SCHEMA_VERSION_QUERY,
    production: true,
    accountId: ACCOUNT,
    ...change,
  });
  return { stack, check };
}

/** The check's one container, as synthesized. */
function containerOf(): ContainerDefinition {
  const { stack } = build();
  return JSON.parse(resourcesOf(stack).aws_ecs_task_definition.restore_check_task_definition.container_definitions)[0];
}

describe("RestoreCheckTask", () => {
  describe("GIVEN the check of Ecto's newest migration as the app role", () => {
    const { stack, check } = build();
    const synth = Testing.synth(stack);
    const resources = resourcesOf(stack);
    const container = containerOf();

    test("THEN a psql task reads the role's user, password and database from its secret, and the query from a variable, SSL required", () => {
      expect(synth).toHaveResourceWithProperties(EcsTaskDefinition, { family: "whcsites-production-restore_check", cpu: "256", memory: "512", network_mode: "awsvpc" });
      expect(container.name).toBe(RESTORE_CHECK_CONTAINER_NAME);
      // The role bootstrap's image, pinned by digest.
      expect(container.image).toBe(DEFAULT_PSQL_IMAGE);
      expect(container.image).toMatch(/^public\.ecr\.aws\/docker\/library\/postgres@sha256:[0-9a-f]{64}$/);
      expect(Object.fromEntries((container.secrets ?? []).map((s) => [s.name, s.valueFrom]))).toEqual({
        PGUSER: `${CONNECTION}:username::`,
        PGPASSWORD: `${CONNECTION}:password::`,
        PGDATABASE: `${CONNECTION}:dbname::`,
      });
      expect(container.environment).toEqual(
        expect.arrayContaining([{ name: "CHECK_SQL", value: ECTO_SCHEMA_VERSION_QUERY }, { name: "PGSSLMODE", value: "require" }]),
      );
      // The host is the restored copy's, given at RunTask: no PGHOST in the task definition.
      expect(JSON.stringify(container)).not.toContain("PGHOST\",\"value");
      expect(container.readonlyRootFilesystem).toBe(true);
    });

    test("THEN restored copies get a group that admits the task only, on 5432, and has no egress; the task reaches them and HTTPS only", () => {
      expect(synth).toHaveResourceWithProperties(SecurityGroup, { name: "whcsites-production-restored-db" });
      expect(resources.aws_security_group.restore_check_restored_database.egress).toBeUndefined();
      expect(Object.values(resources.aws_vpc_security_group_ingress_rule)).toEqual([
        expect.objectContaining({ security_group_id: "${aws_security_group.restore_check_restored_database.id}", referenced_security_group_id: "${aws_security_group.restore_check_security_group.id}", from_port: 5432 }),
      ]);
      expect(Object.values(resources.aws_vpc_security_group_egress_rule).map((r) => [r.from_port, r.cidr_ipv4 ?? r.referenced_security_group_id])).toEqual([
        [443, "0.0.0.0/0"],
        [5432, "${aws_security_group.restore_check_restored_database.id}"],
      ]);
    });

    test("THEN its run target names the cluster, the private subnets, its own group and its log stream", () => {
      const resolved = Tokenization.resolve(check.runTarget, { scope: stack, preparing: false, resolver: new DefaultTokenResolver(new StringConcat()) });
      expect(resolved).toEqual({
        cluster: "${aws_ecs_cluster.service_cluster.name}",
        taskDefinitionArn: "${aws_ecs_task_definition.restore_check_task_definition.arn}",
        containerName: "psql",
        subnetIds: ["${aws_subnet.network_private_a.id}", "${aws_subnet.network_private_b.id}"],
        securityGroupIds: ["${aws_security_group.restore_check_security_group.id}"],
        region: "eu-west-1",
        logGroup: "${aws_cloudwatch_log_group.restore_check_log_group.name}",
        logStreamPrefix: "restore_check",
        image: DEFAULT_PSQL_IMAGE,
      });
    });
  });

  test.each<[string, Partial<RestoreCheckTaskProps>, string]>([
    ["an empty query", { checkSql: " " }, 'RestoreCheckTask: checkSql got " "; allowed: a query that returns one value'],
    ["an image without a tag", { image: "postgres" }, 'RestoreCheckTask: image got "postgres"; allowed: a full image reference'],
    ["a log retention CloudWatch does not offer", { logRetentionDays: 10 }, "RestoreCheckTask: logRetentionDays got 10; allowed: one of"],
  ])("GIVEN %s THEN it is refused", (_what, change, message) => {
    expect(propErrorOf(() => build(change))).toContain(message);
  });
});

// ── a real PostgreSQL: the container's command as ECS runs it, PGHOST given as the drill's override ──

const postgres = findPostgres();
const postgresHere = typeof postgres !== "string";
if (!postgresHere && !isCi()) console.warn(`SKIPPED: the restore check's real PostgreSQL tests did not run: ${postgres}.`);

(postgresHere || isCi() ? describe : describe.skip)("RestoreCheckTask's command on a real PostgreSQL (a restored copy, checked as the app role)", () => {
  let cluster: PostgresCluster | undefined;
  const container = containerOf();
  const APP_PASSWORD = "App-1_xyz~UVW";

  /** The container's command with its environment as ECS builds it, plus the drill's overrides. */
  function check(overrides: Record<string, string>, sql?: string): PsqlResult {
    const c = cluster as PostgresCluster;
    const env: Record<string, string> = Object.fromEntries((container.environment ?? []).map((e) => [e.name as string, e.value as string]));
    if (sql !== undefined) env.CHECK_SQL = sql;
    Object.assign(env, { PGUSER: "whcsites_app", PGPASSWORD: APP_PASSWORD, PGDATABASE: "whcsites" }, overrides);
    return c.run(container.command as string[], env);
  }
  const asSuperuser = (sql: string): void => {
    const result = (cluster as PostgresCluster).psql({ user: "postgres", sql });
    if (result.status !== 0) throw new Error(`${sql}: ${result.stderr}`);
  };

  beforeAll(() => {
    if (typeof postgres === "string") throw new Error(`CI: the restore check must run on a real PostgreSQL, but ${postgres}.`);
    // GIVEN a restored copy: the app role with its password, Ecto's schema_migrations with two migrations, SELECT granted
    cluster = PostgresCluster.start(postgres as PostgresBinaries, { hba: ["local all whcsites_app scram-sha-256"] });
    (cluster as PostgresCluster).psql({ user: "postgres", database: "postgres", sql: "CREATE DATABASE whcsites" });
    asSuperuser(`CREATE ROLE whcsites_app LOGIN PASSWORD '${APP_PASSWORD}'`);
    asSuperuser("CREATE TABLE schema_migrations (version bigint PRIMARY KEY, inserted_at timestamp(0))");
    asSuperuser("INSERT INTO schema_migrations VALUES (20240101120000, now()), (20241115093000, now())");
    asSuperuser("GRANT SELECT ON schema_migrations TO whcsites_app");
  });
  afterAll(() => cluster?.stop());

  test("WHEN run against the copy THEN it exits 0 and prints the newest migration after the drill's marker", () => {
    const result = check({ PGHOST: (cluster as PostgresCluster).socketDirectory, PGPORT: "5432" });
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: "" });
    expect(result.stdout).toBe(`${RESTORE_CHECK_MARKER}20241115093000\n`);
  });

  test("WHEN the copy has no migration yet THEN it exits 2: the query returned nothing", () => {
    const result = check({ PGHOST: (cluster as PostgresCluster).socketDirectory }, "SELECT max(version)::text FROM schema_migrations WHERE version < 0");
    expect([result.status, result.stderr.trim()]).toEqual([2, "restore check: the query returned nothing"]);
  });

  test("WHEN the schema lacks the table THEN it exits 1 with PostgreSQL's error", () => {
    const result = check({ PGHOST: (cluster as PostgresCluster).socketDirectory }, "SELECT max(version)::text FROM missing_migrations");
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/relation "missing_migrations" does not exist/);
  });

  test("WHEN the query would write THEN the read-only transaction refuses it", () => {
    const result = check({ PGHOST: (cluster as PostgresCluster).socketDirectory }, "INSERT INTO schema_migrations VALUES (1, now()) RETURNING version::text");
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/cannot execute INSERT in a read-only transaction/);
  });

  test("WHEN the drill gave no host THEN it exits 3 before connecting", () => {
    const result = check({});
    expect([result.status, result.stderr]).toEqual([3, expect.stringMatching(/^restore check: PGHOST is not set/)]);
  });
});
