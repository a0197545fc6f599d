/**
 * `npm run release -- <command>`: releases as commits of the environment files.
 *
 *   record    sets an environment's release (image by digest, schema version) in its file; the deploy workflow commits it
 *   list      the last releases of an environment, from its file's git history
 *   rollback  writes the file back to an earlier release and prints the git commands to commit it (never pushes)
 *   resolve   a release tag to its digest and schema version label, once (docker buildx imagetools inspect)
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { imageReferenceProblem, parseImageReference } from "./image-reference";
import { findRelease, GitRunner, releaseFields, releaseHistory, rollbackNeedsNewerSchema, withRelease } from "./release-file";

/** Process exit codes of `npm run release`. */
export const ReleaseExitCode = {
  Success: 0,
  /** Refused: what was asked is not safe or not possible (the message says why and what to do). */
  Refused: 1,
  /** Invalid arguments. */
  Usage: 2,
} as const;

/** Runs a program and returns its standard output. */
export type ProgramRunner = (file: string, args: readonly string[]) => Promise<string>;

/** What {@link main} needs from the outside; tests replace any of it. */
export interface ReleaseCliDeps {
  /** The repository root. @default the current directory */
  readonly root?: string;
  /** Runs git in the root. @default git through execFile */
  readonly git?: GitRunner;
  /** Runs docker (resolve). @default execFile */
  readonly run?: ProgramRunner;
  readonly writeOut?: (text: string) => void;
  readonly writeErr?: (text: string) => void;
}

const execFileAsync = promisify(execFile);
const ENVIRONMENT = /^[a-z][a-z0-9-]*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

function environmentOption(value: string): string {
  if (!ENVIRONMENT.test(value)) throw new InvalidArgumentError("an environment name: lower-case letters, digits and hyphens (the file environments/<name>.json)");
  return value;
}

function pinnedImageOption(value: string): string {
  const problem = imageReferenceProblem(value);
  if (problem !== undefined) throw new InvalidArgumentError(problem);
  if (parseImageReference(value).digest === undefined) throw new InvalidArgumentError("a release is recorded by digest: <repository>:<tag>@sha256:<64 hex digits>");
  return value;
}

function versionOption(value: string): string {
  if (!/^[0-9]{1,18}$/.test(value)) throw new InvalidArgumentError("digits only, a migration version such as 20251104093000");
  return value;
}

function tagOption(value: string): string {
  if (!TAG.test(value)) throw new InvalidArgumentError('a container image tag: letters, digits, "_", "." and "-", at most 128, not starting with "." or "-"');
  return value;
}

/** The digest and the `whcsites.schema-version` label of `<repository>:<tag>`, from `docker buildx imagetools inspect`. */
export async function resolveRelease(run: ProgramRunner, repository: string, tag: string): Promise<{ image: string; digest: string; schemaVersion?: string }> {
  const reference = `${repository}:${tag}`;
  const manifest = JSON.parse(await run("docker", ["buildx", "imagetools", "inspect", reference, "--format", "{{json .Manifest}}"])) as { digest?: unknown };
  if (typeof manifest.digest !== "string" || !/^sha256:[0-9a-f]{64}$/.test(manifest.digest)) {
    throw new Error(`${reference}: the registry gave no sha256 digest (${JSON.stringify(manifest.digest ?? null)})`);
  }
  // One image: {config: {Labels}}; an index: one such object per platform. Every platform must say the same.
  const image = JSON.parse(await run("docker", ["buildx", "imagetools", "inspect", reference, "--format", "{{json .Image}}"])) as Record<string, unknown>;
  const configs = "config" in image ? [image] : Object.values(image);
  const labels = new Set(configs.map((c) => (c as { config?: { Labels?: Record<string, string> } }).config?.Labels?.["whcsites.schema-version"]));
  if (labels.size > 1) throw new Error(`${reference}: its platforms disagree on the whcsites.schema-version label (${[...labels].join(", ")})`);
  const [label] = [...labels];
  if (label !== undefined && !/^[0-9]{1,18}$/.test(label)) throw new Error(`${reference}: label whcsites.schema-version got ${JSON.stringify(label)}; allowed: digits only`);
  return { image: `${reference}@${manifest.digest}`, digest: manifest.digest, ...(label === undefined ? {} : { schemaVersion: label }) };
}

/** The release CLI: parses `argv` (as `process.argv`), returns the exit code; never throws for expected failures. */
export async function main(argv: readonly string[], deps: ReleaseCliDeps = {}): Promise<number> {
  const root = deps.root ?? process.cwd();
  const writeOut = deps.writeOut ?? ((s: string) => void process.stdout.write(s));
  const writeErr = deps.writeErr ?? ((s: string) => void process.stderr.write(s));
  const git: GitRunner = deps.git ?? (async (args) => (await execFileAsync("git", [...args], { cwd: root, maxBuffer: 16 * 1024 * 1024 })).stdout);
  const run: ProgramRunner = deps.run ?? (async (file, args) => (await execFileAsync(file, [...args], { maxBuffer: 16 * 1024 * 1024 })).stdout);
  const fileOf = (environment: string) => path.join("environments", `${environment}.json`);
  const read = (environment: string): string => {
    const file = path.join(root, fileOf(environment));
    if (!fs.existsSync(file)) throw new Error(`--environment ${environment}: ${fileOf(environment)} does not exist`);
    return fs.readFileSync(file, "utf8");
  };
  let code: number = ReleaseExitCode.Success;

  const program = new Command("release")
    .description("Releases as commits of the environment files: record, list, roll back, resolve a tag (docs/operating.md, \"Ship a release\").")
    .exitOverride()
    .configureOutput({ writeOut, writeErr })
    .helpOption("-h, --help", "show this help");

  program
    .command("record")
    .description("set an environment's release in its file (image by digest, schema version; drops an acceptNewerSchema); commit the change to ship it")
    .addOption(new Option("--environment <name>", "the environment (environments/<name>.json)").argParser(environmentOption).makeOptionMandatory())
    .addOption(new Option("--image <image>", "the release: <repository>:<tag>@sha256:<digest>").argParser(pinnedImageOption).makeOptionMandatory())
    .addOption(new Option("--schema-version <version>", "the release's newest migration (its whcsites.schema-version label)").argParser(versionOption))
    .exitOverride()
    .action((o: { environment: string; image: string; schemaVersion?: string }) => {
      const text = read(o.environment);
      const before = releaseFields(text, fileOf(o.environment));
      if (parseImageReference(before.image).repository !== parseImageReference(o.image).repository) {
        throw new Refusal(`--image got ${o.image}, another repository than ${fileOf(o.environment)}'s ${parseImageReference(before.image).repository}; allowed: a release of that repository (change the repository in the file on purpose, in a reviewed commit)`);
      }
      const after = withRelease(text, { image: o.image, schemaVersion: o.schemaVersion });
      fs.writeFileSync(path.join(root, fileOf(o.environment)), after);
      writeOut(after === text ? `${fileOf(o.environment)} already runs ${o.image}: nothing to record\n` : `${fileOf(o.environment)}: release ${o.image}${o.schemaVersion === undefined ? " (no schema version: the deploy gate checks none)" : ` (schema ${o.schemaVersion})`}\n`);
    });

  program
    .command("list")
    .description("the last releases of an environment from its file's git history: tag, digest, date, commit")
    .addOption(new Option("--environment <name>", "the environment").argParser(environmentOption).makeOptionMandatory())
    .addOption(new Option("--limit <n>", "how many").argParser((v) => Number(v)).default(10))
    .exitOverride()
    .action(async (o: { environment: string; limit: number }) => {
      const history = await releaseHistory(git, fileOf(o.environment), o.limit);
      const current = releaseFields(read(o.environment), fileOf(o.environment)).image;
      for (const r of history) {
        writeOut(`${r.image === current ? "*" : " "} ${(r.tag ?? "-").padEnd(12)} ${r.digest ?? "(no digest)"}  ${r.date}  ${r.commit.slice(0, 12)}  schema ${r.schemaVersion ?? "-"}\n`);
      }
      if (history.length === 0) writeOut(`${fileOf(o.environment)}: no release in its history\n`);
    });

  program
    .command("rollback")
    .description("write the file back to an earlier release (a revert of the release commits after it) and print the git commands; never commits or pushes")
    .addOption(new Option("--environment <name>", "the environment").argParser(environmentOption).makeOptionMandatory())
    .requiredOption("--to <release>", "previous, or a tag, digest or commit from `release list`")
    .option("--accept-newer-schema <why>", "why the earlier release works on the schema the current one migrated (expand/contract); required when its schema is older")
    .exitOverride()
    .action(async (o: { environment: string; to: string; acceptNewerSchema?: string }) => {
      const file = fileOf(o.environment);
      const text = read(o.environment);
      const current = releaseFields(text, file);
      const history = await releaseHistory(git, file, 50);
      const target = findRelease(history, o.to);
      if (target.image === current.image) throw new Refusal(`--to ${o.to}: ${file} already runs ${target.image}`);
      const older = rollbackNeedsNewerSchema(current, target);
      if (older === true && (o.acceptNewerSchema === undefined || o.acceptNewerSchema.trim().length < 10)) {
        throw new Refusal(
          `--to ${o.to}: ${target.image} knows migrations up to ${target.schemaVersion}, the current release up to ${current.schemaVersion}: the database may be ahead of it, and the deploy gate refuses that. ` +
            `Migrations are not undone: roll back only if the newer release's migrations only expanded the schema (docs/operating.md, "Roll back"), and say so with --accept-newer-schema "<why, at least 10 characters>"`,
        );
      }
      const accept = older === true ? o.acceptNewerSchema : undefined;
      fs.writeFileSync(path.join(root, file), withRelease(text, { image: target.image, schemaVersion: target.schemaVersion, acceptNewerSchema: accept }));
      const reverted = history.slice(0, history.indexOf(target)).map((r) => r.commit);
      writeOut(
        [
          `${file}: back to ${target.image} (released in ${target.commit.slice(0, 12)} on ${target.date})${older === undefined ? "; no schema versions to compare: check the migrations by hand" : ""}`,
          `Review the change, then commit and push it, and deploy it as any change (the deploy workflow, or npx cdktf deploy whcsites-${o.environment}):`,
          `  git diff ${file}`,
          `  git commit -m "Roll back ${o.environment} to ${target.tag ?? target.image}" -m "${reverted.map((c) => `This reverts commit ${c}.`).join(" ")}" -- ${file}`,
          "  git push",
          "",
        ].join("\n"),
      );
    });

  program
    .command("resolve")
    .description("resolve a release tag of an environment's repository to its digest and schema version label, once; prints key=value lines for $GITHUB_OUTPUT")
    .addOption(new Option("--environment <name>", "the environment whose repository to look in").argParser(environmentOption).makeOptionMandatory())
    .addOption(new Option("--tag <tag>", "the release tag").argParser(tagOption).makeOptionMandatory())
    .exitOverride()
    .action(async (o: { environment: string; tag: string }) => {
      const repository = parseImageReference(releaseFields(read(o.environment), fileOf(o.environment)).image).repository;
      const resolved = await resolveRelease(run, repository, o.tag);
      writeOut(`image=${resolved.image}\ndigest=${resolved.digest}\ntag=${o.tag}\nschema_version=${resolved.schemaVersion ?? ""}\n`);
    });

  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? ReleaseExitCode.Success : ReleaseExitCode.Usage;
    writeErr(`release: ${(error as Error).message}\n`);
    code = ReleaseExitCode.Refused;
  }
  return code;
}

/** A refusal with its reason (exit 1). */
class Refusal extends Error {}
