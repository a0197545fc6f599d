import * as stackTrace from "cdktf/lib/tokens/private/stack-trace";

/** Set to `1` to record again where each token was created (for an error that names a token it cannot resolve). */
export const TOKEN_STACK_TRACES_VARIABLE = "WHCSITES_TOKEN_STACK_TRACES";

const DISABLED_TRACE = [`(token creation stack traces are off; set ${TOKEN_STACK_TRACES_VARIABLE}=1 to record them)`];

type CaptureStackTrace = typeof stackTrace.captureStackTrace;
const capturing: CaptureStackTrace = stackTrace.captureStackTrace;

/**
 * Turns off cdktf's token creation stack traces, unless `WHCSITES_TOKEN_STACK_TRACES=1`. Returns whether they are off.
 *
 * cdktf 0.21 records a full stack trace for every token it creates (about 800 per synthesis of this app, about a tenth
 * of `npm run synth`), only to say where a token was created when it later fails to resolve
 * (hashicorp/terraform-cdk#3892, open). AWS CDK records them only in debug mode, and CDK Terrain, the fork we would
 * move to, added `CDKTN_DISABLE_CREATION_STACK` for this (open-constructs/cdk-terrain#215). cdktf has no switch, so
 * this replaces the function in cdktf's private module; cdktf is archived and pinned, so that module cannot move.
 * After a move to CDK Terrain, delete this file and set `CDKTN_DISABLE_CREATION_STACK` instead.
 */
export function configureTokenStackTraces(env: NodeJS.ProcessEnv = process.env): boolean {
  const off = env[TOKEN_STACK_TRACES_VARIABLE] !== "1";
  // The namespace object is cdktf's own exports object, which cdktf's modules read at each call.
  (stackTrace as { captureStackTrace: CaptureStackTrace }).captureStackTrace = off ? () => [...DISABLED_TRACE] : capturing;
  return off;
}
