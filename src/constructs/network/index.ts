export { Network } from "./network";
export type { NetworkProps } from "./network";
