/**
 * Whether the cdktf CLI (`cdktf synth`, `cdktf deploy`) runs this app. The CLI prints construct annotations
 * (warnings, acknowledged policy exceptions, errors) itself and labels everything the app writes to stderr as an
 * error, so the app then leaves printing them to the CLI. The CLI passes its context in `CDKTF_CONTEXT_JSON`.
 */
export function runByCdktfCli(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.CDKTF_CONTEXT_JSON !== undefined;
}
