import * as path from "path";
import { App } from "cdktf";
import { ConfigError, loadEnvironments } from "./config/environment";
import { loadStateConfig } from "./config/state";
import { EnvironmentStack, environmentStackName } from "./stacks/environment-stack";
import { STATE_STACK_NAME, StateStack } from "./stacks/state-stack";

/** Options of {@link buildApp}. */
export interface BuildAppOptions {
  /** Where to write the synthesized stacks. @default `CDKTF_OUTDIR` or `cdktf.out` */
  readonly outdir?: string;
  /** Folder of the environment files. @default `environments/` in the repository */
  readonly environmentsDir?: string;
  /** The state backend file. @default `state.json` in the repository */
  readonly stateFile?: string;
}

const ROOT = path.join(__dirname, "..");

/**
 * Builds the whole app: the state bootstrap stack plus one stack per environment file.
 *
 * Every file is loaded and validated before the App exists, so a bad file throws a ConfigError and nothing is written.
 */
export function buildApp(options: BuildAppOptions = {}): App {
  const state = loadStateConfig(options.stateFile ?? path.join(ROOT, "state.json"));
  const environments = loadEnvironments(options.environmentsDir ?? path.join(ROOT, "environments"));

  const app = new App({ outdir: options.outdir });
  new StateStack(app, STATE_STACK_NAME, { state, environments: environments.map((e) => ({ name: e.name, accountId: e.accountId })) });
  for (const config of environments) {
    try {
      new EnvironmentStack(app, environmentStackName(config.name), { config, state });
    } catch (error) {
      // A construct refusing a value the schema let through is still a problem of this file: report it as one.
      if (error instanceof ConfigError || !(error instanceof Error)) throw error;
      throw new ConfigError([{ file: config.file, field: "(construct validation)", message: error.message }]);
    }
  }
  return app;
}
