/**
 * Running the real Terraform binary: finding it, running one command with captured output and a timeout, and
 * turning its JSON diagnostics into readable messages.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

/** Output of one Terraform command. */
export interface CommandResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly durationMs: number;
  readonly timedOut: boolean;
}

/** A Terraform diagnostic, as in `validate -json` and the `plan -json` stream. */
export interface TerraformDiagnostic {
  readonly severity: "error" | "warning";
  readonly summary: string;
  readonly detail: string;
  /** Resource address the diagnostic is about, when Terraform gives one. */
  readonly address?: string;
  readonly range?: { readonly filename: string; readonly start: { readonly line: number } };
  readonly snippet?: { readonly context?: string | null; readonly code?: string };
}

/** Options for {@link runCommand}. */
export interface RunOptions {
  readonly cwd: string;
  readonly env?: NodeJS.ProcessEnv;
  /**
   * Kill the command after this many milliseconds.
   * @default 300000 (5 minutes)
   */
  readonly timeoutMs?: number;
}

/** Whether this run is CI, where a missing terraform must fail instead of skipping. */
export function isCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = (env.CI ?? "").toLowerCase();
  return value !== "" && value !== "false" && value !== "0";
}

/**
 * Absolute path of the terraform binary: `TF_CHECK_TERRAFORM` if set, else the first `terraform` on PATH.
 * Undefined when there is none.
 */
export function findTerraform(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const explicit = env.TF_CHECK_TERRAFORM;
  if (explicit !== undefined && explicit !== "") return fs.existsSync(explicit) ? path.resolve(explicit) : undefined;
  for (const dir of (env.PATH ?? "").split(path.delimiter)) {
    if (dir === "") continue;
    const candidate = path.join(dir, process.platform === "win32" ? "terraform.exe" : "terraform");
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

/** Run a command, capturing stdout and stderr. Never throws for a non-zero exit: callers read `code`. */
export function runCommand(command: string, args: readonly string[], options: RunOptions): Promise<CommandResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, options.timeoutMs ?? 300_000);
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({
        code,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
        durationMs: Date.now() - started,
        timedOut,
      });
    });
  });
}

/** Diagnostics of `terraform validate -json` (one JSON document). */
export function parseValidateJson(stdout: string): TerraformDiagnostic[] {
  try {
    const parsed = JSON.parse(stdout) as { diagnostics?: TerraformDiagnostic[] };
    return parsed.diagnostics ?? [];
  } catch {
    return [];
  }
}

/** Diagnostics of a `terraform plan -json` stream (one JSON object per line). */
export function parsePlanStream(stdout: string): TerraformDiagnostic[] {
  const diagnostics: TerraformDiagnostic[] = [];
  for (const line of stdout.split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      const message = JSON.parse(line) as { type?: string; diagnostic?: TerraformDiagnostic };
      if (message.type === "diagnostic" && message.diagnostic !== undefined) diagnostics.push(message.diagnostic);
    } catch {
      // a partial line (killed process): the caller still reports stderr
    }
  }
  return diagnostics;
}

/** A diagnostic as Terraform prints it: `Error: summary`, where, the offending line, then the detail. */
export function formatDiagnostic(d: TerraformDiagnostic): string {
  const lines = [`${d.severity === "error" ? "Error" : "Warning"}: ${d.summary}`];
  if (d.address !== undefined) lines.push(`  with ${d.address}`);
  if (d.range !== undefined) {
    const context = d.snippet?.context ? `, in ${d.snippet.context}` : "";
    lines.push(`  on ${d.range.filename} line ${d.range.start.line}${context}:`);
    if (d.snippet?.code !== undefined) lines.push(`  ${d.snippet.code.trim()}`);
  }
  if (d.detail !== "") lines.push("", ...d.detail.split("\n").map((l) => `  ${l}`));
  return lines.join("\n");
}

/** Same diagnostic reported twice (validate, then plan) counts once. */
export function dedupeDiagnostics(diagnostics: readonly TerraformDiagnostic[]): TerraformDiagnostic[] {
  const seen = new Set<string>();
  return diagnostics.filter((d) => {
    const key = JSON.stringify([d.severity, d.summary, d.detail, d.address ?? "", d.range?.filename ?? "", d.range?.start.line ?? 0]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Strip ANSI colour codes, in case a command ignored -no-color. */
export function plainText(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*m/g, "");
}
