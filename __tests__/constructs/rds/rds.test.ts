import { Construct } from "constructs";
import { DefaultTokenResolver, StringConcat, Testing, TerraformStack, Tokenization } from "cdktf";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DbInstance } from "@cdktf/provider-aws/lib/db-instance";
import { DbParameterGroup } from "@cdktf/provider-aws/lib/db-parameter-group";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { Network } from "../../../src/constructs/network/network";
import { ectoDatabaseUrl } from "../../../src/constructs/ecs-service/profiles/phoenix";
import { Rds, RdsProps } from "../../../src/constructs/rds/rds";
import { AppSecrets } from "../../../src/constructs/secrets/secrets";
import { SecurityGroupPeer } from "../../../src/constructs/shared/security-group-peer";
import { PropError } from "../../../src/constructs/shared/validation";
import { Naming } from "../../../src/core/naming";
import { parsePostgresVersion, postgresParameterGroupFamily, postgresVersionProblem } from "../../../src/domain/postgres";
import {
  defaultMaxConnections,
  minimumMaxAllocatedStorageGiB,
  RDS_POSTGRES_INSTANCE_CLASSES,
  rdsPostgresInstanceClassProblem,
  supportsPerformanceInsights,
} from "../../../src/domain/rds";
import { ReadableStack } from "../../../src/stacks/readable-stack";
import { testNetwork } from "../../helpers/network";

type Resources = Record<string, Record<string, Record<string, unknown>>>;

const ACCOUNT = "123456789012";
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
  const naming = new Naming("whcsites", environment);
  const network = testNetwork(stack, naming);
  const secrets = new AppSecrets(stack, "secrets", { naming, production: environment === "production" });
  return { stack, network, secrets, naming };
}

/** The master credentials and database name from the secrets, as the environment stack passes them. */
function credentialsOf(secrets: AppSecrets): Pick<RdsProps, "masterUsername" | "masterPassword" | "databaseName"> {
  return { masterUsername: secrets.databaseUsername, masterPassword: secrets.databasePasswordValue as string, databaseName: secrets.databaseName };
}

function whenDatabase(props: Partial<RdsProps> = {}, environment = "staging"): Given & { database: Rds } {
  const g = given(environment);
  const database = new Rds(g.stack, "database", { naming: g.naming, network: g.network, ...credentialsOf(g.secrets), accountId: ACCOUNT, ...props });
  return { ...g, database };
}

/** The error building the database throws (or fails). */
function errorOf(props: Partial<RdsProps>, environment = "staging"): PropError {
  try {
    whenDatabase(props, environment);
  } catch (error) {
    expect(error).toBeInstanceOf(PropError);
    return error as PropError;
  }
  throw new Error("expected the construct to throw");
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

    it("keeps the data protections of every tier (deletion protection, final snapshot, kept backups), not production's cost", () => {
      // GIVEN / WHEN
      const { stack } = whenDatabase();
      const instance = synth(stack).json.resource.aws_db_instance.database;

      // THEN
      expect(instance).toMatchObject({
        deletion_protection: true,
        skip_final_snapshot: false,
        final_snapshot_identifier: "whcsites-staging-db-final",
        delete_automated_backups: false,
        multi_az: false,
        performance_insights_enabled: false,
        monitoring_interval: 0,
      });
      expect(instance.lifecycle).toBeUndefined();
      expect(instance.monitoring_role_arn).toBeUndefined();
      expect(synth(stack).json.resource.aws_iam_role).toBeUndefined();
    });

    it("turns each protection off only when asked (a disposable environment)", () => {
      // GIVEN / WHEN
      const { stack } = whenDatabase({ deletionProtection: false, finalSnapshot: false, retainAutomatedBackups: false });
      const instance = synth(stack).json.resource.aws_db_instance.database;
      // THEN
      expect(instance).toMatchObject({ deletion_protection: false, skip_final_snapshot: true, delete_automated_backups: true });
      expect(instance.final_snapshot_identifier).toBeUndefined();
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
      // RDS may assume it only for this instance of this account (confused deputy)
      expect(JSON.parse(role.assume_role_policy as string).Statement).toEqual([
        {
          Effect: "Allow",
          Principal: { Service: "monitoring.rds.amazonaws.com" },
          Action: "sts:AssumeRole",
          Condition: {
            StringEquals: { "aws:SourceAccount": ACCOUNT },
            ArnLike: { "aws:SourceArn": `arn:aws:rds:eu-west-1:${ACCOUNT}:db:whcsites-production-db` },
          },
        },
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
      const naming = new Naming("whcsites", "production");
      const network = testNetwork(stack, naming, { region: "cn-north-1", availabilityZones: ["cn-north-1a", "cn-north-1b"] });
      const secrets = new AppSecrets(stack, "secrets", { naming, production: true });
      // WHEN
      new Rds(stack, "database", { naming, network, ...credentialsOf(secrets), production: true, accountId: ACCOUNT });
      // THEN
      expect(Testing.synth(stack)).toHaveResourceWithProperties(IamRolePolicyAttachment, {
        policy_arn: "arn:aws-cn:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole",
      });
    });

    it("lets the other production settings be overridden one by one", () => {
      // GIVEN / WHEN
      const { stack } = whenDatabase(
        { production: true, performanceInsights: false, monitoringIntervalSeconds: 0, backupRetentionDays: 21, instanceClass: "db.t4g.medium" },
        "production",
      );
      const { json } = synth(stack);

      // THEN
      expect(json.resource.aws_db_instance.database).toMatchObject({
        multi_az: true,
        performance_insights_enabled: false,
        monitoring_interval: 0,
        backup_retention_period: 21,
        instance_class: "db.t4g.medium",
        deletion_protection: true,
      });
      expect(json.resource.aws_iam_role).toBeUndefined();
    });

    it("refuses Multi-AZ off and each data protection off, all in one PropError", () => {
      // GIVEN / WHEN
      const error = errorOf({ production: true, multiAz: false, deletionProtection: false, finalSnapshot: false, retainAutomatedBackups: false }, "production");
      // THEN
      expect(error.message.split("\n")).toEqual([
        "Rds: multiAz got false; allowed: true in production (a standby in a second AZ)",
        "Rds: deletionProtection got false; allowed: true in production (a production database cannot be deleted by accident)",
        "Rds: finalSnapshot got false; allowed: true in production (deleting the database keeps a final snapshot)",
        "Rds: retainAutomatedBackups got false; allowed: true in production (deleting the database keeps its point-in-time backups)",
      ]);
    });

    it("refuses enhanced monitoring without the account id its role's trust needs", () => {
      expect(errorOf({ production: true, accountId: undefined }, "production").message).toBe(
        "Rds: accountId got nothing; allowed: the 12-digit account id with monitoringIntervalSeconds 60 (the monitoring role trusts RDS only on behalf of this instance)",
      );
    });

    it("refuses its default Performance Insights on a class without it, saying it is the production default", () => {
      expect(errorOf({ production: true, instanceClass: "db.t4g.micro" }, "production").message).toBe(
        "Rds: performanceInsights got true; allowed: false on db.t4g.micro, which has no Performance Insights (db.t4g.medium or larger has it); it is on by default in production",
      );
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

  describe("the credentials", () => {
    it("takes the master user and database name it is given, and the password write-only (version 1 by default)", () => {
      // GIVEN / WHEN
      const { stack } = whenDatabase({ masterUsername: "whc_owner", databaseName: "whc_prod" });
      // THEN
      const instance = synth(stack).json.resource.aws_db_instance.database;
      expect(instance).toMatchObject({
        username: "whc_owner",
        password_wo: "${ephemeral.aws_secretsmanager_random_password.secrets_database_password.random_password}",
        password_wo_version: 1,
        db_name: "whc_prod",
      });
      // Not the stored argument: its value would be in the state.
      expect(instance).not.toHaveProperty("password");
      expect(instance).not.toHaveProperty("manage_master_user_password");
    });

    it("writes the password again only under a new version: masterPasswordVersion becomes password_wo_version", () => {
      // GIVEN / WHEN
      const { stack } = whenDatabase({ masterPasswordVersion: 3 });
      // THEN
      expect(synth(stack).text).toHaveResourceWithProperties(DbInstance, { password_wo_version: 3 });
    });

    it("refuses a master user name RDS reserves", () => {
      expect(errorOf({ masterUsername: "rdsadmin" }).message).toMatch(/^Rds: masterUsername got "rdsadmin"; allowed: /);
    });

    // TODO(src bug, src/constructs/rds/rds.ts): masterPasswordVersion is not checked; 0, -1 or 1.5 reach password_wo_version
    // and only Terraform (or RDS) refuses them, far from the prop. AppSecrets checks its versions (1 to 1000000); Rds
    // should refuse the same with an Rds line. Remove `.failing` once it does.
    it.failing.each([0, -1, 1.5])("refuses masterPasswordVersion %p with an Rds line", (version) => {
      expect(errorOf({ masterPasswordVersion: version }).message).toMatch(/^Rds: masterPasswordVersion got /);
    });

    it("refuses a literal master password, which would be plain text in the synthesized JSON", () => {
      expect(errorOf({ masterPassword: "hunter2-hunter2" }).message).toMatch(/^Rds: masterPassword got /);
    });

    it("feeds both the DB instance and the connection secret, write-only, from the same ephemeral password", () => {
      // GIVEN
      const { stack, database, secrets } = whenDatabase();
      // WHEN the stack stores the connection, with an Ecto URL
      secrets.storeDatabaseConnection({ address: database.address, port: database.port, path: database.node.path }, ectoDatabaseUrl);
      const { json } = synth(stack);

      // THEN
      const result = "ephemeral.aws_secretsmanager_random_password.secrets_database_password.random_password";
      expect(json.resource.aws_db_instance.database.password_wo).toBe(`\${${result}}`);
      expect(json.resource.random_password).toBeUndefined();
      const version = json.resource.aws_secretsmanager_secret_version.secrets_database_connection_value;
      expect(version.secret_id).toBe("${aws_secretsmanager_secret.secrets_database_connection.id}");
      expect(version).not.toHaveProperty("secret_string");
      const value = version.secret_string_wo as string;
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
      expect(scalars.map(([key]) => key).sort()).toEqual([
        "address", "allocatedStorageGiB", "arn", "databaseName", "instanceClass", "instanceIdentifier", "parameterGroupName", "port", "securityGroupId", "subnetGroupName",
      ]);
      expect(JSON.stringify(resolve(stack, Object.fromEntries(scalars)))).not.toContain("random_password");
      expect(resolve(stack, [database.address, database.port, database.securityGroupId, database.arn])).toEqual([
        "${aws_db_instance.database.address}",
        "${aws_db_instance.database.port}",
        "${aws_security_group.database_security_group.id}",
        "${aws_db_instance.database.arn}",
      ]);
      // A restored copy goes into the same subnets and takes the same parameters.
      expect(resolve(stack, [database.subnetGroupName, database.parameterGroupName])).toEqual([
        "${aws_db_subnet_group.database_subnet_group.name}",
        "${aws_db_parameter_group.database_parameter_group.name}",
      ]);
      expect([database.instanceIdentifier, database.databaseName]).toEqual(["whcsites-production-db", "whcsites"]);
    });

    it("one connection secret describes one database: a second Rds is refused by the secrets", () => {
      // GIVEN
      const { stack, database, secrets, network } = whenDatabase();
      const endpoint = (db: Rds) => ({ address: db.address, port: db.port, path: db.node.path });
      secrets.storeDatabaseConnection(endpoint(database));
      // WHEN
      const other = new Rds(stack, "other", { naming: new Naming("other", "staging"), network, ...credentialsOf(secrets) });
      // THEN
      expect(() => secrets.storeDatabaseConnection(endpoint(other))).toThrow(
        "AppSecrets: the connection secret already describes test/database; it cannot also describe test/other.",
      );
      expect(Object.keys(synth(stack).json.resource.aws_secretsmanager_secret_version)).toEqual(["secrets_database_connection_value"]);
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
      expect(() => parsePostgresVersion("12")).toThrow('engineVersion got "12", whose major version is not supported; allowed: ');
    });

    it.each(["13", "14.9", "15", "16", "16.11", "17", "17.2"])("postgresVersionProblem accepts %p", (version) => {
      expect(postgresVersionProblem(version)).toBeUndefined();
    });

    const allowed = '"<major>.<minor>" or "<major>" with major 13, 14, 15, 16, 17 (for example "16" or "16.11")';
    it.each([
      ["12", `got "12", whose major version is not supported; allowed: ${allowed}`],
      ["18.1", `got "18.1", whose major version is not supported; allowed: ${allowed}`],
      ["16.x", `got "16.x", which is not a PostgreSQL engine version; allowed: ${allowed}`],
      ["v16", `got "v16", which is not a PostgreSQL engine version; allowed: ${allowed}`],
      ["16.1.2", `got "16.1.2", which is not a PostgreSQL engine version; allowed: ${allowed}`],
      ["", `got "", which is not a PostgreSQL engine version; allowed: ${allowed}`],
    ])("postgresVersionProblem refuses %p", (version, problem) => {
      expect(postgresVersionProblem(version)).toBe(problem);
    });
  });

  describe("RDS facts", () => {
    it("lists the current classes with their memory, and no previous-generation or nonexistent size", () => {
      expect([RDS_POSTGRES_INSTANCE_CLASSES.get("db.t4g.micro"), RDS_POSTGRES_INSTANCE_CLASSES.get("db.m7g.large"), RDS_POSTGRES_INSTANCE_CLASSES.get("db.r7g.16xlarge")]).toEqual([
        1, 8, 512,
      ]);
      expect(RDS_POSTGRES_INSTANCE_CLASSES.get("db.x2g.large")).toBe(32);
      for (const absent of ["db.t2.micro", "db.m4.large", "db.r4.large", "db.m7g.24xlarge", "db.t4g.nano"]) {
        expect(RDS_POSTGRES_INSTANCE_CLASSES.has(absent)).toBe(false);
      }
      for (const name of RDS_POSTGRES_INSTANCE_CLASSES.keys()) expect(name).toMatch(/^db\.[a-z0-9]+\.[a-z0-9]+$/);
    });

    it("rdsPostgresInstanceClassProblem suggests the near miss", () => {
      expect(rdsPostgresInstanceClassProblem("db.t4g.micro")).toBeUndefined();
      expect(rdsPostgresInstanceClassProblem("db.t4g.mircro")).toBe(
        'got "db.t4g.mircro", which is not an RDS for PostgreSQL instance class (did you mean "db.t4g.micro"?); allowed: db.<family>.<size> of a current family, such as db.t4g.micro, db.m7g.large or db.r7g.large',
      );
      expect(rdsPostgresInstanceClassProblem("t4g.micro")).toMatch(/\(did you mean "db\.t4g\.micro"\?\)/);
    });

    it("rdsPostgresInstanceClassProblem names a previous-generation class as such, and gives no far-fetched suggestion", () => {
      expect(rdsPostgresInstanceClassProblem("db.m4.large")).toBe(
        'got "db.m4.large", a previous-generation class that RDS for PostgreSQL 13 and later does not offer; allowed: a current class such as db.t4g.micro, db.m7g.large or db.r7g.large',
      );
      expect(rdsPostgresInstanceClassProblem("db.t2.micro")).toMatch(/a previous-generation class/);
      expect(rdsPostgresInstanceClassProblem("db.z9.huge")).not.toMatch(/did you mean/);
    });

    it("defaultMaxConnections follows RDS's formula, capped at 5000", () => {
      // LEAST(DBInstanceClassMemory / 9531392, 5000): 1 GiB gives 112, 8 GiB 901.
      expect(defaultMaxConnections("db.t4g.micro")).toBe(112);
      expect(defaultMaxConnections("db.m7g.large")).toBe(901);
      expect(defaultMaxConnections("db.r8g.48xlarge")).toBe(5000);
      expect(defaultMaxConnections("db.t4g.mircro")).toBeUndefined();
    });

    it("Performance Insights is missing on the micro and small burstable classes only; storage ceilings are 10% up", () => {
      expect(["db.t4g.micro", "db.t3.small", "db.t4g.medium", "db.m7g.large"].map(supportsPerformanceInsights)).toEqual([false, false, true, true]);
      expect([minimumMaxAllocatedStorageGiB(20), minimumMaxAllocatedStorageGiB(100), minimumMaxAllocatedStorageGiB(101)]).toEqual([22, 110, 112]);
    });
  });

  describe("validation", () => {
    const cases: [string, Partial<RdsProps>, RegExp][] = [
      ["engineVersion format", { engineVersion: "16.x" }, /^Rds: engineVersion got "16\.x", which is not a PostgreSQL engine version; allowed: "<major>\.<minor>" or "<major>" with major 13, 14, 15, 16, 17/],
      ["engineVersion major too old", { engineVersion: "12.22" }, /^Rds: engineVersion got "12\.22", whose major version is not supported; allowed: /],
      ["engineVersion major too new", { engineVersion: "18.1" }, /^Rds: engineVersion got "18\.1", whose major version is not supported/],
      ["instanceClass without db.", { instanceClass: "t4g.micro" }, /^Rds: instanceClass got "t4g\.micro", which is not an RDS for PostgreSQL instance class \(did you mean "db\.t4g\.micro"\?\); allowed: /],
      ["instanceClass misspelt", { instanceClass: "db.t4g.mircro" }, /^Rds: instanceClass got "db\.t4g\.mircro", which is not an RDS for PostgreSQL instance class \(did you mean "db\.t4g\.micro"\?\)/],
      ["instanceClass previous generation", { instanceClass: "db.m4.large" }, /^Rds: instanceClass got "db\.m4\.large", a previous-generation class that RDS for PostgreSQL 13 and later does not offer; allowed: a current class/],
      ["performanceInsights on a micro class", { performanceInsights: true }, /^Rds: performanceInsights got true; allowed: false on db\.t4g\.micro, which has no Performance Insights \(db\.t4g\.medium or larger has it\)$/],
      ["allocatedStorageGiB too small", { allocatedStorageGiB: 19 }, /^Rds: allocatedStorageGiB got 19; allowed: an integer from 20 to 65536/],
      ["allocatedStorageGiB too large", { allocatedStorageGiB: 65537 }, /^Rds: allocatedStorageGiB got 65537; allowed: an integer from 20 to 65536/],
      ["allocatedStorageGiB fractional", { allocatedStorageGiB: 20.5 }, /^Rds: allocatedStorageGiB got 20\.5; allowed: an integer from 20 to 65536/],
      ["maxAllocatedStorageGiB not 10% above", { allocatedStorageGiB: 100, maxAllocatedStorageGiB: 109 }, /^Rds: maxAllocatedStorageGiB got 109; allowed: an integer from 110 to 65536 \(at least 10% above allocatedStorageGiB 100, or 0 for no storage autoscaling\)$/],
      ["maxAllocatedStorageGiB too large", { maxAllocatedStorageGiB: 70000 }, /^Rds: maxAllocatedStorageGiB got 70000; allowed: an integer from 22 to 65536 \(at least 10% above allocatedStorageGiB 20, or 0 for no storage autoscaling\)$/],
      ["backupRetentionDays too short", { backupRetentionDays: 6 }, /^Rds: backupRetentionDays got 6; allowed: an integer from 7 to 35$/],
      ["backupRetentionDays too long", { backupRetentionDays: 36 }, /^Rds: backupRetentionDays got 36; allowed: an integer from 7 to 35$/],
      ["monitoringIntervalSeconds", { monitoringIntervalSeconds: 2 }, /^Rds: monitoringIntervalSeconds got 2; allowed: one of 0, 1, 5, 10, 15, 30, 60$/],
      ["backupWindow format", { backupWindow: "2:00-3:00" }, /^Rds: backupWindow got "2:00-3:00"; allowed: "hh24:mi-hh24:mi" in UTC, at least 30 minutes long \(for example "02:00-03:00"\)$/],
      ["backupWindow too short", { backupWindow: "02:00-02:15" }, /^Rds: backupWindow got "02:00-02:15"; allowed: "hh24:mi-hh24:mi" in UTC, at least 30 minutes long/],
      ["maintenanceWindow format", { maintenanceWindow: "sun:03:30-04:30" }, /^Rds: maintenanceWindow got "sun:03:30-04:30"; allowed: "ddd:hh24:mi-ddd:hh24:mi" in UTC \(days mon\.\.sun\), at least 30 minutes long \(for example "sun:03:30-sun:04:30"\)$/],
      ["maintenanceWindow too short", { maintenanceWindow: "sun:03:30-sun:03:45" }, /^Rds: maintenanceWindow got "sun:03:30-sun:03:45"; allowed: "ddd:hh24:mi-ddd:hh24:mi"/],
      ["overlapping windows", { backupWindow: "03:00-04:00" }, /^Rds: backupWindow got "03:00-04:00"; allowed: a window apart from maintenanceWindow "sun:03:30-sun:04:30" \(RDS requires them apart\)$/],
      ["overlap across midnight", { backupWindow: "23:30-00:30", maintenanceWindow: "mon:00:00-mon:01:00" }, /^Rds: backupWindow got "23:30-00:30"; allowed: a window apart from maintenanceWindow "mon:00:00-mon:01:00"/],
      ["logRetentionDays", { logRetentionDays: 31 }, /^Rds: logRetentionDays got 31; allowed: one of 1, 3, 5, 7, 14, 30, 60, 90, .*, 3653$/],
    ];

    it.each(cases)("rejects %s", (_name, props, message) => {
      expect(errorOf(props).message).toMatch(message);
    });

    it("accepts an allocated storage inside its documented range with the default ceiling (storage autoscaling off)", () => {
      // GIVEN 60000 GiB, where no ceiling 10% above fits under 65536 WHEN built THEN autoscaling is off, not refused
      const { stack } = whenDatabase({ allocatedStorageGiB: 60000 });
      expect(synth(stack).json.resource.aws_db_instance.database).toMatchObject({ allocated_storage: 60000, max_allocated_storage: 0 });
      // AND below that the default ceiling is 5 x allocated, at least 100
      const small = whenDatabase({ allocatedStorageGiB: 40 });
      expect(synth(small.stack).json.resource.aws_db_instance.database.max_allocated_storage).toBe(200);
    });

    it("collects every problem: a bad version, class and window give one PropError with three lines", () => {
      const error = errorOf({ engineVersion: "12", instanceClass: "db.t4g.mircro", backupWindow: "2:00" });
      expect(error.problems.map((p) => p.prop)).toEqual(["engineVersion", "instanceClass", "backupWindow"]);
      expect(error.message.split("\n")).toHaveLength(3);
    });

    it("accepts windows that only touch, across the week's wrap-around", () => {
      const { stack } = whenDatabase({ backupWindow: "22:00-23:00", maintenanceWindow: "sun:23:00-mon:00:00" });
      expect(synth(stack).text).toHaveResourceWithProperties(DbInstance, { maintenance_window: "sun:23:00-mon:00:00" });
    });

    it("rejects a naming that gives an invalid instance identifier", () => {
      const g = given();
      expect(() => new Rds(g.stack, "database", { naming: new Naming("whc-", "staging"), network: g.network, ...credentialsOf(g.secrets) })).toThrow(
        'Rds: naming got "whc--staging-db"; allowed: an instance identifier without "--" and not ending with "-" (rename the app or environment)',
      );
    });
  });
});

describe("Rds exposes its size (the database alarms derive memory and max_connections from it)", () => {
  test("GIVEN the defaults WHEN built THEN it exposes db.t4g.micro and 20 GiB", () => {
    const { database } = whenDatabase();
    expect([database.instanceClass, database.allocatedStorageGiB]).toEqual(["db.t4g.micro", 20]);
  });

  test("GIVEN a class and storage WHEN built THEN it exposes them", () => {
    const { database } = whenDatabase({ instanceClass: "db.m7g.large", allocatedStorageGiB: 100 });
    expect([database.instanceClass, database.allocatedStorageGiB]).toEqual(["db.m7g.large", 100]);
  });
});
