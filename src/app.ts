import * as path from "path";
import { App } from "cdktf";
import { ConfigError, ConfigProblem, ConfigWarning, EnvironmentConfig, loadEnvironments } from "./config/environment";
import { loadStateConfig } from "./config/state";
import { EnvironmentStack, environmentStackName } from "./stacks/environment-stack";
import { GithubStack, githubDeployRoleArnOf, githubPlanRoleArnOf, githubStackName } from "./stacks/github-stack";
import { STATE_STACK_NAME, StateStack } from "./stacks/state-stack";

/** Options of {@link buildApp}. */
export interface BuildAppOptions {
  /** Where to write the synthesized stacks. @default `CDKTF_OUTDIR` or `cdktf.out` */
  readonly outdir?: string;
  /** Folder of the environment files. @default `environments/` in the repository */
  readonly environmentsDir?: string;
  /** The state backend file. @default `state.json` in the repository */
  readonly stateFile?: string;
  /** Receives each warning about the environment files. @default warnings are dropped */
  readonly warn?: (warning: ConfigWarning) => void;
}

const ROOT = path.join(__dirname, "..");

/** The roles that deploy an environment, whom its read-write state role trusts: its GitHub deploy role and its operators. */
function deployersOf(config: EnvironmentConfig): string[] {
  const deploy = githubDeployRoleArnOf(config);
  return [...(deploy === undefined ? [] : [deploy]), ...config.operatorRoleArns];
}

/**
 * The roles whom an environment's read-only state role trusts: its GitHub plan role (the CI's plans) and its deploy
 * role (a deploy job that only plans, as production's plan before its approval).
 */
function readersOf(config: EnvironmentConfig): string[] {
  return [githubPlanRoleArnOf(config), githubDeployRoleArnOf(config)].filter((arn): arn is string => arn !== undefined);
}

/**
 * Builds the whole app: the state bootstrap stack plus one stack per environment file.
 *
 * Every file is loaded and validated before the App exists, and every stack is built before anything is written, so a
 * bad file throws a ConfigError (with the problems of every environment) and nothing is written.
 */
export function buildApp(options: BuildAppOptions = {}): App {
  const state = loadStateConfig(options.stateFile ?? path.join(ROOT, "state.json"));
  const environments = loadEnvironments(options.environmentsDir ?? path.join(ROOT, "environments"), { warn: options.warn });

  const app = new App({ outdir: options.outdir });
  new StateStack(app, STATE_STACK_NAME, { state, environments: environments.map((e) => ({ name: e.name, trustedRoleArns: deployersOf(e), readerRoleArns: readersOf(e) })) });
  const problems: ConfigProblem[] = [];
  for (const config of environments) {
    try {
      new EnvironmentStack(app, environmentStackName(config.name), { config, state });
      if (config.delivery !== undefined) new GithubStack(app, githubStackName(config.name), { config, state });
    } catch (error) {
      if (error instanceof ConfigError) {
        problems.push(...error.problems);
        continue;
      }
      if (!(error instanceof Error)) throw error;
      // A construct refusing a value with a plain error is still a problem of this file: report it as one.
      problems.push({ file: config.file, field: "(construct validation)", message: error.message });
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return app;
}
