import { Construct } from "constructs";
import { DefaultTokenResolver, StringConcat, Testing, TerraformStack, Tokenization } from "cdktf";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DbInstance } from "@cdktf/provider-aws/lib/db-instance";
import { DbParameterGroup } from "@cdktf/provider-aws/lib/db-parameter-group";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { RandomProvider } from "@cdktf/provider-random/lib/provider";
import { Network } from "../../src/constructs/network";
import { Rds, RdsProps } from "../../src/constructs/rds";
import { AppSecrets } from "../../src/constructs/secrets";
import { SecurityGroupPeer } from "../../src/constructs/security-group-peer";
import { Naming } from "../../src/core/naming";
import { parsePostgresVersion, postgresParameterGroupFamily } from "../../src/domain/postgres";
import { ReadableStack } from "../../src/stacks/readable-stack";
import { testNetwork } from "../helpers/network";

type Resources = Record<string, Record<string, Record<string, unknown>>>;
type Synth = { resource: Resources; output?: Record<string, unknown> };

/** A stand-in for the ECS service: something with its own security group. */
class Service extends Construct implements SecurityGroupPeer {
  public readonly securityGroupId: string;
  public constructor(scope: Construct, id: string) {
    super(scope, id);
    this.securityGroupId = new SecurityGroup(this, "Resource", { name: id }).id;
  }
}

interface Given {
  stack: TerraformStack;
  network: Network;
  secrets: AppSecrets;
  naming: Naming;
}

function given(environment = "staging"): Given {
  const app = Testing.app();
  const stack = new ReadableStack(app, "test");
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  new RandomProvider(stack, "random");
  const naming = new Naming("whcsites", environment);
  const network = testNetwork(stack, naming);
  const secrets = new AppSecrets(stack, "secrets", { naming, production: environment === "production" });
  return { stack, network, secrets, naming };
}

function whenDatabase(props: Partial<RdsProps> = {}, environment = "staging"): Given & { database: Rds } {
  const g = given(environment);
  const database = new Rds(g.stack, "database", { naming: g.naming, network: g.network, secrets: g.secrets, ...props });
  return { ...g, database };
}

function synth(stack: TerraformStack): { text: string; json: Synth } {
  const text = Testing.synth(stack);
  return { text, json: JSON.parse(text) as Synth };
}

/** A token as it appears in the synthesized JSON (`${aws_x.y.arn}`). */
function resolve(stack: TerraformStack, value: unknown): unknown {
  return Tokenization.resolve(value, { scope: stack, preparing: false, resolver: new DefaultTokenResolver(new StringConcat()) });
}

describe("Rds", () => {
  describe("outside production", () => {
    it("is a private, encrypted gp3 Postgres 16 instance with autoscaling storage, SSL and log exports", () => {
      // GIVEN / WHEN
      const { stack } = whenDatabase();
      const { text, json } = synth(stack);

      // THEN
      expect(text).toHaveResourceWithProperties(DbInstance, {
        identifier: "whcsites-staging-db",
        engine: "postgres",
        engine_version: "16",
        instance_class: "db.t4g.micro",
        storage_type: "gp3",
        allocated_storage: 20,
        max_allocated_storage: 100,
        storage_encrypted: true,
        publicly_accessible: false,
        port: 5432,
        username: "whcsites_admin",
        db_name: "whcsites",
        enabled_cloudwatch_logs_exports: ["postgresql", "upgrade"],
        auto_minor_version_upgrade: true,
        apply_immediately: false,
        copy_tags_to_snapshot: true,
        backup_retention_period: 7,
        backup_window: "02:00-03:00",
        maintenance_window: "sun:03:30-sun:04:30",
      });
      expect(Object.keys(json.resource.aws_db_instance)).toEqual(["database"]);
    });

    it("has the lighter non-production protections: no deletion protection, no final snapshot, no prevent_destroy", () => {
      // GIVEN / WHEN
      const { stack } = whenDatabase();
      const instance = synth(stack).json.resource.aws_db_instance.database;

      // THEN
      expect(instance).toMatchObject({
        deletion_protection: false,
        skip_final_snapshot: true,
        delete_automated_backups: true,
        multi_az: false,
        performance_insights_enabled: false,
        monitoring_interval: 0,
      });
      expect(instance.final_snapshot_identifier).toBeUndefined();
      expect(instance.lifecycle).toBeUndefined();
      expect(instance.monitoring_role_arn).toBeUndefined();
      expect(synth(stack).json.resource.aws_iam_role).toBeUndefined();
    });
  });

  describe("in production", () => {
    it("has every protection: deletion protection, stable final snapshot, kept backups, prevent_destroy", () => {
      // GIVEN / WHEN
      const { stack } = whenDatabase({ production: true }, "production");
      const instance = synth(stack).json.resource.aws_db_instance.database;

      // THEN
      expect(instance).toMatchObject({
        identifier: "whcsites-production-db",
        deletion_protection: true,
        skip_final_snapshot: false,
        final_snapshot_identifier: "whcsites-production-db-final",
        delete_automated_backups: false,
        lifecycle: { prevent_destroy: true },
        backup_retention_period: 14,
        instance_class: "db.m7g.large",
      });
    });

    it("is Multi-AZ with Performance Insights and enhanced monitoring through a role RDS monitoring can assume", () => {
      // GIVEN / WHEN
      const { stack } = whenDatabase({ production: true }, "production");
      const { text, json } = synth(stack);

      // THEN
      const instance = json.resource.aws_db_instance.database;
      expect(instance).toMatchObject({
        multi_az: true,
        performance_insights_enabled: true,
        performance_insights_retention_period: 7,
        monitoring_interval: 60,
        monitoring_role_arn: "${aws_iam_role.database_monitoring_role.arn}",
      });
      const role = json.resource.aws_iam_role.database_monitoring_role;
      expect(JSON.parse(role.assume_role_policy as string).Statement).toEqual([
        { Effect: "Allow", Principal: { Service: "monitoring.rds.amazonaws.com" }, Action: "sts:AssumeRole" },
      ]);
      expect(text).toHaveResourceWithProperties(IamRolePolicyAttachment, {
        role: "${aws_iam_role.database_monitoring_role.name}",
        policy_arn: "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole",
      });
      expect(instance.depends_on).toContain("aws_iam_role_policy_attachment.database_monitoring_policy");
    });

    it("names the monitoring policy in the region's partition (aws-cn, aws-us-gov)", () => {
      // GIVEN a network in a China region
      const app = Testing.app();
      const stack = new ReadableStack(app, "test");
      new AwsProvider(stack, "aws", { region: "cn-north-1" });
      new RandomProvider(stack, "random");
      const naming = new Naming("whcsites", "production");
      const network = testNetwork(stack, naming, { region: "cn-north-1", availabilityZones: ["cn-north-1a", "cn-north-1b"] });
      const secrets = new AppSecrets(stack, "secrets", { naming, production: true });
      // WHEN
      new Rds(stack, "database", { naming, network, secrets, production: true });
      // THEN
      expect(Testing.synth(stack)).toHaveResourceWithProperties(IamRolePolicyAttachment, {
        policy_arn: "arn:aws-cn:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole",
      });
    });

    it("lets production settings be overridden one by one", () => {
      // GIVEN / WHEN
      const { stack } = whenDatabase(
        { production: true, multiAz: false, performanceInsights: false, monitoringIntervalSeconds: 0, backupRetentionDays: 21, instanceClass: "db.t4g.medium" },
        "production",
      );
      const { json } = synth(stack);

      // THEN
      expect(json.resource.aws_db_instance.database).toMatchObject({
        multi_az: false,
        performance_insights_enabled: false,
        monitoring_interval: 0,
        backup_retention_period: 21,
        instance_class: "db.t4g.medium",
        deletion_protection: true,
      });
      expect(json.resource.aws_iam_role).toBeUndefined();
    });
  });

  describe("placement and access", () => {
    it("sits in the network's isolated database subnets", () => {
      // GIVEN / WHEN
      const { stack, network } = whenDatabase();
      const { json } = synth(stack);

      // THEN
      const subnetGroup = json.resource.aws_db_subnet_group.database_subnet_group;
      expect(subnetGroup.subnet_ids).toEqual(resolve(stack, network.databaseSubnetIds));
      expect(subnetGroup.subnet_ids).not.toEqual(resolve(stack, network.privateSubnetIds));
      expect(json.resource.aws_db_instance.database.db_subnet_group_name).toBe("${aws_db_subnet_group.database_subnet_group.name}");
    });

    it("has its own security group with no rules until allowFrom is called", () => {
      // GIVEN / WHEN
      const { stack, network } = whenDatabase();
      const { json } = synth(stack);

      // THEN
      const group = json.resource.aws_security_group.database_security_group;
      expect(group.vpc_id).toBe(resolve(stack, network.vpcId));
      expect(group.ingress).toBeUndefined();
      expect(group.egress).toBeUndefined();
      expect(json.resource.aws_vpc_security_group_ingress_rule).toBeUndefined();
      expect(json.resource.aws_db_instance.database.vpc_security_group_ids).toEqual(["${aws_security_group.database_security_group.id}"]);
    });

    it("allowFrom admits the peer's security group on 5432 only, once", () => {
      // GIVEN
      const { stack, database } = whenDatabase();
      const service = new Service(stack, "service");

      // WHEN
      database.allowFrom(service);
      database.allowFrom(service);
      const { text, json } = synth(stack);

      // THEN
      expect(text).toHaveResourceWithProperties(VpcSecurityGroupIngressRule, {
        security_group_id: "${aws_security_group.database_security_group.id}",
        referenced_security_group_id: "${aws_security_group.service.id}",
        ip_protocol: "tcp",
        from_port: 5432,
        to_port: 5432,
      });
      const rules = json.resource.aws_vpc_security_group_ingress_rule;
      expect(Object.keys(rules)).toEqual(["database_allow_service"]);
      expect(rules.database_allow_service.cidr_ipv4).toBeUndefined();
      expect(rules.database_allow_service.cidr_ipv6).toBeUndefined();
      expect(json.resource.aws_vpc_security_group_egress_rule).toBeUndefined();
    });
  });

  describe("the password", () => {
    it("feeds both the DB instance and the connection secret, from the same random_password", () => {
      // GIVEN / WHEN
      const { stack } = whenDatabase();
      const { json } = synth(stack);

      // THEN
      const result = "random_password.secrets_database_password.result";
      expect(json.resource.aws_db_instance.database.password).toBe(`\${${result}}`);
      const version = json.resource.aws_secretsmanager_secret_version.secrets_database_connection_value;
      expect(version.secret_id).toBe("${aws_secretsmanager_secret.secrets_database_connection.id}");
      const value = version.secret_string as string;
      expect(value.startsWith("${jsonencode({")).toBe(true);
      expect(value).toContain(`"password" = ${result}`);
      expect(value).toContain('"username" = "whcsites_admin"');
      expect(value).toContain('"host" = aws_db_instance.database.address');
      expect(value).toContain('"port" = aws_db_instance.database.port');
      expect(value).toContain('"dbname" = "whcsites"');
      expect(value).toContain(
        `"url" = "ecto://whcsites_admin:\${${result}}@\${aws_db_instance.database.address}:\${aws_db_instance.database.port}/whcsites?ssl=true"`,
      );
    });

    it("is never exposed: no output, and no public attribute resolves to it", () => {
      // GIVEN / WHEN
      const { stack, database } = whenDatabase({ production: true }, "production");
      const { json } = synth(stack);

      // THEN
      expect(json.output).toBeUndefined();
      const scalars = Object.entries(database).filter(([, value]) => typeof value === "string" || typeof value === "number");
      expect(scalars.map(([key]) => key).sort()).toEqual(["address", "arn", "databaseName", "instanceIdentifier", "port", "securityGroupId"]);
      expect(JSON.stringify(resolve(stack, Object.fromEntries(scalars)))).not.toContain("random_password");
      expect(resolve(stack, [database.address, database.port, database.securityGroupId, database.arn])).toEqual([
        "${aws_db_instance.database.address}",
        "${aws_db_instance.database.port}",
        "${aws_security_group.database_security_group.id}",
        "${aws_db_instance.database.arn}",
      ]);
      expect([database.instanceIdentifier, database.databaseName]).toEqual(["whcsites-production-db", "whcsites"]);
    });

    it("storeDatabaseConnection is idempotent for the same database and refuses a second one", () => {
      // GIVEN
      const { stack, database, secrets, network } = whenDatabase();

      // WHEN
      secrets.storeDatabaseConnection(database);

      // THEN
      expect(Object.keys(synth(stack).json.resource.aws_secretsmanager_secret_version).sort()).toEqual([
        "secrets_database_connection_value",
        "secrets_secret_key_base_value",
      ]);
      expect(() => new Rds(stack, "other", { naming: new Naming("other", "staging"), network, secrets })).toThrow(
        /AppSecrets: the connection secret already describes test\/database; it cannot also describe test\/other\./,
      );
    });
  });

  describe("parameter group and logs", () => {
    it("derives the family from the major version, forces SSL, logs slow queries, and is replaced before destroyed", () => {
      // GIVEN / WHEN
      const { stack } = whenDatabase();
      const { text, json } = synth(stack);

      // THEN
      expect(text).toHaveResourceWithProperties(DbParameterGroup, {
        family: "postgres16",
        name_prefix: "whcsites-staging-postgres16-",
        lifecycle: { create_before_destroy: true },
      });
      const parameters = json.resource.aws_db_parameter_group.database_parameter_group.parameter;
      expect(parameters).toEqual(
        expect.arrayContaining([
          { name: "rds.force_ssl", value: "1" },
          { name: "log_min_duration_statement", value: "1000" },
        ]),
      );
      expect(json.resource.aws_db_instance.database.parameter_group_name).toBe("${aws_db_parameter_group.database_parameter_group.name}");
    });

    it.each([
      ["15.7", "postgres15"],
      ["17", "postgres17"],
    ])("engineVersion %p gives family %p", (engineVersion, family) => {
      // GIVEN / WHEN
      const { stack } = whenDatabase({ engineVersion });

      // THEN
      expect(synth(stack).text).toHaveResourceWithProperties(DbParameterGroup, { family });
      expect(synth(stack).text).toHaveResourceWithProperties(DbInstance, { engine_version: engineVersion });
    });

    it("creates the exported log groups with retention before the instance", () => {
      // GIVEN / WHEN
      const staging = whenDatabase();
      const production = whenDatabase({ production: true }, "production");
      const stagingJson = synth(staging.stack).json;

      // THEN
      expect(stagingJson.resource.aws_cloudwatch_log_group).toEqual({
        database_postgresql_logs: { name: "/aws/rds/instance/whcsites-staging-db/postgresql", retention_in_days: 30 },
        database_upgrade_logs: { name: "/aws/rds/instance/whcsites-staging-db/upgrade", retention_in_days: 30 },
      });
      expect(stagingJson.resource.aws_db_instance.database.depends_on).toEqual([
        "aws_cloudwatch_log_group.database_postgresql_logs",
        "aws_cloudwatch_log_group.database_upgrade_logs",
      ]);
      expect(synth(production.stack).text).toHaveResourceWithProperties(CloudwatchLogGroup, {
        name: "/aws/rds/instance/whcsites-production-db/postgresql",
        retention_in_days: 365,
      });
    });
  });

  describe("postgres helpers", () => {
    it("parses versions and families", () => {
      expect(parsePostgresVersion("16.11")).toEqual({ major: 16, minor: 11 });
      expect(parsePostgresVersion("17")).toEqual({ major: 17 });
      expect(postgresParameterGroupFamily("13.20")).toBe("postgres13");
    });
  });

  describe("validation", () => {
    const cases: [string, Partial<RdsProps>, RegExp][] = [
      ["engineVersion format", { engineVersion: "16.x" }, /Rds: engineVersion: "16\.x" is not a PostgreSQL engine version; expected "<major>\.<minor>" or "<major>" with major 13, 14, 15, 16, 17/],
      ["engineVersion major too old", { engineVersion: "12.22" }, /Rds: engineVersion: major version 12 in "12\.22" is not supported; expected "<major>\.<minor>" or "<major>" with major 13, 14, 15, 16, 17/],
      ["engineVersion major too new", { engineVersion: "18.1" }, /Rds: engineVersion: major version 18 in "18\.1" is not supported/],
      ["instanceClass", { instanceClass: "t4g.micro" }, /Rds: instanceClass must look like "db\.<family>\.<size>" \(for example "db\.t4g\.micro"\); got "t4g\.micro"\./],
      ["performanceInsights on a micro class", { performanceInsights: true }, /Rds: performanceInsights is not available on db\.t4g\.micro; use db\.t4g\.medium or larger, or set performanceInsights to false\./],
      ["allocatedStorageGiB too small", { allocatedStorageGiB: 19 }, /Rds: allocatedStorageGiB got 19; allowed: an integer from 20 to 65536/],
      ["allocatedStorageGiB too large", { allocatedStorageGiB: 65537 }, /Rds: allocatedStorageGiB got 65537; allowed: an integer from 20 to 65536/],
      ["allocatedStorageGiB fractional", { allocatedStorageGiB: 20.5 }, /Rds: allocatedStorageGiB got 20\.5; allowed: an integer from 20 to 65536/],
      ["maxAllocatedStorageGiB not 10% above", { allocatedStorageGiB: 100, maxAllocatedStorageGiB: 109 }, /Rds: maxAllocatedStorageGiB got 109; allowed: an integer from 110 to 65536 \(at least 10% above allocatedStorageGiB 100\)/],
      ["maxAllocatedStorageGiB too large", { maxAllocatedStorageGiB: 70000 }, /Rds: maxAllocatedStorageGiB got 70000; allowed: an integer from 22 to 65536 \(at least 10% above allocatedStorageGiB 20\)/],
      ["backupRetentionDays too short", { backupRetentionDays: 6 }, /Rds: backupRetentionDays got 6; allowed: an integer from 7 to 35/],
      ["backupRetentionDays too long", { backupRetentionDays: 36 }, /Rds: backupRetentionDays got 36; allowed: an integer from 7 to 35/],
      ["monitoringIntervalSeconds", { monitoringIntervalSeconds: 2 }, /Rds: monitoringIntervalSeconds got 2; allowed: one of 0, 1, 5, 10, 15, 30, 60$/],
      ["backupWindow format", { backupWindow: "2:00-3:00" }, /Rds: backupWindow must be "hh24:mi-hh24:mi" in UTC, at least 30 minutes long \(for example "02:00-03:00"\); got "2:00-3:00"\./],
      ["backupWindow too short", { backupWindow: "02:00-02:15" }, /Rds: backupWindow must be "hh24:mi-hh24:mi" in UTC, at least 30 minutes long/],
      ["maintenanceWindow format", { maintenanceWindow: "sun:03:30-04:30" }, /Rds: maintenanceWindow must be "ddd:hh24:mi-ddd:hh24:mi" in UTC \(days mon\.\.sun\), at least 30 minutes long \(for example "sun:03:30-sun:04:30"\); got "sun:03:30-04:30"\./],
      ["maintenanceWindow too short", { maintenanceWindow: "sun:03:30-sun:03:45" }, /Rds: maintenanceWindow must be "ddd:hh24:mi-ddd:hh24:mi"/],
      ["overlapping windows", { backupWindow: "03:00-04:00" }, /Rds: backupWindow "03:00-04:00" overlaps maintenanceWindow "sun:03:30-sun:04:30"; RDS requires them apart\./],
      ["overlap across midnight", { backupWindow: "23:30-00:30", maintenanceWindow: "mon:00:00-mon:01:00" }, /Rds: backupWindow "23:30-00:30" overlaps maintenanceWindow "mon:00:00-mon:01:00"/],
      ["logRetentionDays", { logRetentionDays: 31 }, /Rds: logRetentionDays got 31; allowed: one of 1, 3, 5, 7, 14, 30, 60, 90, .*, 3653$/],
    ];

    it.each(cases)("rejects %s", (_name, props, message) => {
      expect(() => whenDatabase(props)).toThrow(message);
    });

    it("accepts windows that only touch, across the week's wrap-around", () => {
      const { stack } = whenDatabase({ backupWindow: "22:00-23:00", maintenanceWindow: "sun:23:00-mon:00:00" });
      expect(synth(stack).text).toHaveResourceWithProperties(DbInstance, { maintenance_window: "sun:23:00-mon:00:00" });
    });

    it("rejects a naming that gives an invalid instance identifier", () => {
      const g = given();
      expect(() => new Rds(g.stack, "database", { naming: new Naming("whc-", "staging"), network: g.network, secrets: g.secrets })).toThrow(
        /Rds: the instance identifier "whc--staging-db" \(from naming\) must not contain "--" or end with "-"; rename the app or environment\./,
      );
    });
  });
});
