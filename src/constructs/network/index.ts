export { Network } from "./network";
export type { NetworkProps } from "./network";
export type { ServiceNetwork } from "./interfaces";
