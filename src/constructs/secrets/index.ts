export { AppSecrets, DATABASE_PASSWORD_SPECIAL_CHARACTERS, MASTER_SECRET_TAG } from "./secrets";
export type { AppSecretsProps, DatabaseRoleSecret } from "./secrets";
export type { DatabaseConnectionParts, ServiceSecret } from "./interfaces";
export { EphemeralPassword } from "./ephemeral-password";
export type { EphemeralPasswordProps } from "./ephemeral-password";
