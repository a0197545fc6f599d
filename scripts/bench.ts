import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/**
 * `npm run bench`: wall time and peak RSS of synthesizing the whole app, median of N runs, next to the floor (a
 * one-resource, deep-import cdktf app run the same way). Budget: within 2.25x the floor's wall time (synthesis
 * is at cdktf's floor, about 2.04x; the budget guards against regressions, it is no target) and under 150 MB peak RSS.
 * Exits 1 when the budget is missed, so the numbers cannot be ignored.
 */
const ROOT = path.join(__dirname, "..");
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const RSS_PRELOAD = path.join(ROOT, "bench", "max-rss.cjs");
const FLOOR = "bench/floor.ts";
const APP = "main.ts";
/** Wall-time budget: the app's median at most this many times the floor's. */
const WALL_BUDGET = 2.25;
/** Peak RSS budget of the app, in MB. */
const RSS_BUDGET_MB = 150;

interface Sample {
  readonly wallMs: number;
  readonly rssMiB: number;
}

function run(entry: string): Sample {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "whcsites-bench-"));
  const rssFile = path.join(outdir, "rss");
  const started = process.hrtime.bigint();
  // One node process (no CLI wrapper), so its own peak RSS is the whole cost.
  const result = spawnSync(process.execPath, ["--require", RSS_PRELOAD, "--require", "./scripts/register-ts.cjs", entry], {
    cwd: ROOT,
    env: { ...process.env, CDKTF_OUTDIR: outdir, BENCH_RSS_FILE: rssFile },
    encoding: "utf8",
  });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`${entry} failed:\n${result.stderr}`);
  const rssMiB = Number(fs.readFileSync(rssFile, "utf8")) / 1024;
  fs.rmSync(outdir, { recursive: true, force: true });
  return { wallMs, rssMiB };
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

function report(label: string, samples: Sample[]): { wallMs: number; rssMiB: number } {
  const result = { wallMs: median(samples.map((s) => s.wallMs)), rssMiB: median(samples.map((s) => s.rssMiB)) };
  const walls = samples.map((s) => s.wallMs.toFixed(0)).join(", ");
  console.log(`${label.padEnd(28)} wall ${result.wallMs.toFixed(0).padStart(6)} ms   peak RSS ${result.rssMiB.toFixed(1).padStart(6)} MiB   (median of ${RUNS}: ${walls} ms)`);
  return result;
}

// Warm the file cache and the transform cache first (not counted). Then alternate floor and app runs, so that a
// machine busier at one moment than another weighs on both alike.
run(FLOOR);
run(APP);
const floorSamples: Sample[] = [];
const appSamples: Sample[] = [];
for (let i = 0; i < RUNS; i++) {
  floorSamples.push(run(FLOOR));
  appSamples.push(run(APP));
}
const floor = report("floor (1 resource)", floorSamples);
const app = report("whole app (all stacks)", appSamples);
const ratio = app.wallMs / floor.wallMs;
const rssMB = (app.rssMiB * 1024 * 1024) / 1e6;
console.log(`app / floor wall time: ${ratio.toFixed(2)}x (budget ${WALL_BUDGET}x); app peak RSS ${rssMB.toFixed(0)} MB (budget ${RSS_BUDGET_MB} MB)`);
if (ratio > WALL_BUDGET || rssMB > RSS_BUDGET_MB) {
  console.error("Benchmark budget missed.");
  process.exit(1);
}
