/**
 * `npm run bench`: how synthesis scales with the services of an environment. Synthesizes the multi-service example
 * with 1, 5, 10 and 30 services (scripts/lib/bench/series.ts) and the committed app, each in a fresh node process run
 * as `npm run synth` runs it, several times, interleaved; prints the medians of wall time, CPU time and peak RSS, and
 * the cost per added service as the least-squares slope over the medians. Exit code 1 when a budget is exceeded
 * (scripts/lib/bench/budget.ts), with one line per budget. Not part of CI: the numbers need an idle machine.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Command, InvalidArgumentError, Option } from "commander";
import { BUDGETS, exceededBudgets, leastSquares, median, type Sample } from "./lib/bench/budget";
import { writeSeries } from "./lib/bench/series";
import { runMain } from "./lib/run-main";
import { appCommand } from "./lib/synth/synth";
import { PROJECT_ROOT } from "./lib/terraform/check-stacks";

const USAGE_PRELOAD = path.join(__dirname, "lib", "bench", "resource-usage.cjs");
const COMMITTED = path.join(PROJECT_ROOT, "environments");

/** Something to synthesize: a label, its folder of environment files, its service count in the series, its samples. */
interface Target {
  readonly label: string;
  readonly dir: string;
  readonly services?: number;
  readonly samples: Sample[];
}

/** One synthesis of the target's folder in a fresh node process, timed from its start to its exit. */
function synthesizeOnce(target: Target, work: string): Sample {
  const outdir = fs.mkdtempSync(path.join(work, "out-"));
  const usageFile = path.join(outdir, "usage.json");
  const [node, ...args] = appCommand();
  const started = process.hrtime.bigint();
  const run = spawnSync(node, ["--require", USAGE_PRELOAD, ...args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, WHCSITES_ENVIRONMENTS_DIR: target.dir, CDKTF_OUTDIR: path.join(outdir, "cdktf.out"), BENCH_USAGE_FILE: usageFile },
    encoding: "utf8",
  });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (run.status !== 0) throw new Error(`${target.label}: synthesis failed (exit ${run.status ?? run.signal}):\n${run.stderr}`);
  const usage = JSON.parse(fs.readFileSync(usageFile, "utf8")) as { maxRssKiB: number; cpuMicros: number };
  fs.rmSync(outdir, { recursive: true, force: true });
  return { wallMs, rssMiB: usage.maxRssKiB / 1024, cpuMs: usage.cpuMicros / 1000 };
}

const counts = (value: string): number[] => {
  const list = value.split(",").map((v) => (v.trim() === "" ? Number.NaN : Number(v)));
  if (list.some((n) => !Number.isInteger(n) || n < 1) || new Set(list).size < 2) {
    throw new InvalidArgumentError(`got "${value}"; allowed: comma-separated whole numbers from 1, at least two different ones`);
  }
  return [...new Set(list)].sort((a, b) => a - b);
};

const wholeNumber = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`got "${value}"; allowed: a whole number from 1`);
  return n;
};

const LABEL_WIDTH = 30;
const medians = (samples: readonly Sample[]) => ({
  wallMs: median(samples.map((s) => s.wallMs)),
  cpuMs: median(samples.map((s) => s.cpuMs)),
  rssMiB: median(samples.map((s) => s.rssMiB)),
});

function row(label: string, samples: readonly Sample[]): string {
  const m = medians(samples);
  const each = samples.map((s) => s.wallMs.toFixed(0)).join(", ");
  return `${label.padEnd(LABEL_WIDTH)} ${m.wallMs.toFixed(0).padStart(6)} ms ${m.cpuMs.toFixed(0).padStart(6)} ms ${m.rssMiB.toFixed(1).padStart(7)} MiB   ${each}`;
}

async function main(): Promise<number> {
  const options = new Command()
    .name("bench")
    .description("Wall time and peak RSS of synthesis as an environment's services grow, and of the committed app; exit 1 when a budget is exceeded")
    .addOption(new Option("--services <counts>", "service counts of the series").argParser(counts).default([1, 5, 10, 30], "1,5,10,30"))
    .addOption(new Option("--runs <n>", "counted synthesis runs of each point (medians are reported)").argParser(wholeNumber).default(5))
    .addHelpText(
      "after",
      `\nBudgets: ${BUDGETS.perServiceWallMs} ms wall and ${BUDGETS.perServiceRssMiB} MiB peak RSS per added service; ${BUDGETS.appWallMs} ms wall for the committed app.` +
        '\nRun it on an idle machine (docs/contributing.md, "Performance").\n',
    )
    .parse()
    .opts<{ services: number[]; runs: number }>();

  const work = fs.mkdtempSync(path.join(os.tmpdir(), "whcsites-bench-"));
  try {
    const series: Target[] = writeSeries(work, options.services).map((p) => ({ label: `${p.services} service(s)`, dir: p.dir, services: p.services, samples: [] }));
    const app: Target = { label: "committed app (environments/)", dir: COMMITTED, samples: [] };
    const targets = [...series, app];
    const loadBefore = os.loadavg()[0];
    if (loadBefore > os.cpus().length) {
      process.stderr.write(`bench: load average ${loadBefore.toFixed(1)} on ${os.cpus().length} CPUs: the wall times will say more about the machine than about synthesis\n`);
    }
    // A first run of each warms the file and transform caches and is not counted. Then round after round over every
    // target, so that a moment of heavier load weighs on all points alike instead of bending the line.
    for (const target of targets) synthesizeOnce(target, work);
    for (let round = 1; round <= options.runs; round++) {
      process.stderr.write(`bench: round ${round} of ${options.runs}\n`);
      for (const target of targets) target.samples.push(synthesizeOnce(target, work));
    }

    const slope = (of: (m: ReturnType<typeof medians>) => number) => leastSquares(series.map((t) => [t.services as number, of(medians(t.samples))])).slope;
    const perService = { wallMs: slope((m) => m.wallMs), cpuMs: slope((m) => m.cpuMs), rssMiB: slope((m) => m.rssMiB) };
    const appWallMs = medians(app.samples).wallMs;
    console.log(`Synthesis, node to node, median of ${options.runs} runs (load average ${loadBefore.toFixed(1)} before, ${os.loadavg()[0].toFixed(1)} after, ${os.cpus().length} CPUs)`);
    console.log(`${"".padEnd(LABEL_WIDTH)} ${"wall".padStart(9)} ${"CPU".padStart(9)} ${"peak RSS".padStart(11)}   wall of each run (ms)`);
    for (const target of targets) console.log(row(target.label, target.samples));
    console.log(
      `per added service (least-squares slope over the ${series.length} medians): wall ${perService.wallMs.toFixed(1)} ms (budget ${BUDGETS.perServiceWallMs} ms), ` +
        `peak RSS ${perService.rssMiB.toFixed(2)} MiB (budget ${BUDGETS.perServiceRssMiB} MiB), CPU ${perService.cpuMs.toFixed(1)} ms`,
    );
    console.log(`committed app: wall ${appWallMs.toFixed(0)} ms (budget ${BUDGETS.appWallMs} ms)`);
    const exceeded = exceededBudgets({ perServiceWallMs: perService.wallMs, perServiceRssMiB: perService.rssMiB, appWallMs });
    for (const line of exceeded) console.error(`bench: budget exceeded: ${line}`);
    return exceeded.length > 0 ? 1 : 0;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

runMain("bench", main);
