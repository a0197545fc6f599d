export { POSTGRES_PORT, Rds } from "./rds";
export type { RdsProps } from "./rds";
