import { PolicyRule } from "../framework";
import { asString } from "../values";

/** Administrator names RDS.25 rejects (compared in lower case). */
export const DEFAULT_ADMIN_USERNAMES: readonly string[] = [
  "admin", "administrator", "postgres", "root", "master", "masteruser", "sa", "dbadmin", "rdsadmin", "superuser", "user", "test", "awsuser",
];

/** RDS.25: RDS instances use a custom administrator username. */
export const rdsAdminUsername: PolicyRule = {
  id: "RDS.25",
  title: "RDS instances use a custom administrator username",
  productionOnly: false,
  resourceTypes: ["aws_db_instance"],
  check(resource) {
    // A generated or referenced name is not a default one; only a literal can be checked and rejected.
    const username = asString(resource.config.username);
    if (typeof username !== "string" || !DEFAULT_ADMIN_USERNAMES.includes(username.toLowerCase())) return [];
    return [{ problem: `username "${username}" is a default administrator name`, fix: 'choose a name specific to the application, for example "whcsites_admin"' }];
  },
};
