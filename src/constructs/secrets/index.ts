export { AppSecrets, DATABASE_PASSWORD_SPECIAL_CHARACTERS, MASTER_SECRET_TAG } from "./secrets";
export type { AppSecretsProps, DatabaseConnectionParts, DatabaseRoleSecret } from "./secrets";
export { EphemeralPassword } from "./ephemeral-password";
export type { EphemeralPasswordProps } from "./ephemeral-password";
