/**
 * The benchmark's arithmetic and its verdict: medians, the per-service cost as a least-squares slope, and the budgets.
 */

/** Budgets of `npm run bench` (docs/contributing.md, "Performance"). */
export interface Budgets {
  /** Wall time one more service may add to synthesis, in milliseconds. */
  readonly perServiceWallMs: number;
  /** Peak resident set one more service may add to synthesis, in MiB. */
  readonly perServiceRssMiB: number;
  /** Wall time of synthesizing the committed app, node to node, in milliseconds. */
  readonly appWallMs: number;
}

/** The budgets the benchmark holds the app to. */
export const BUDGETS: Budgets = { perServiceWallMs: 25, perServiceRssMiB: 2, appWallMs: 1500 };

/** One synthesis, node to node. */
export interface Sample {
  /** From the start of the node process to its exit. */
  readonly wallMs: number;
  /** Peak resident set of the process. */
  readonly rssMiB: number;
  /** User and system CPU time of the process: less sensitive to other load than the wall time. */
  readonly cpuMs: number;
}

/** The median of a non-empty list (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error("median of no values");
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** A straight line `y = intercept + slope * x`. */
export interface Line {
  readonly slope: number;
  readonly intercept: number;
}

/** Ordinary least squares of y on x; needs at least two distinct x. */
export function leastSquares(points: ReadonlyArray<readonly [x: number, y: number]>): Line {
  const n = points.length;
  const meanX = points.reduce((sum, [x]) => sum + x, 0) / n;
  const meanY = points.reduce((sum, [, y]) => sum + y, 0) / n;
  const sxx = points.reduce((sum, [x]) => sum + (x - meanX) ** 2, 0);
  if (!(sxx > 0)) throw new Error("a least-squares line needs at least two different service counts");
  const sxy = points.reduce((sum, [x, y]) => sum + (x - meanX) * (y - meanY), 0);
  const slope = sxy / sxx;
  return { slope, intercept: meanY - slope * meanX };
}

/** What the benchmark measured, reduced to what the budgets speak of. */
export interface Measured {
  /** Slope of wall time over the service count, ms per service. */
  readonly perServiceWallMs: number;
  /** Slope of peak RSS over the service count, MiB per service. */
  readonly perServiceRssMiB: number;
  /** Median wall time of the committed app, ms. */
  readonly appWallMs: number;
}

/** One line per budget exceeded, naming the measured value and the budget; none when all are met. */
export function exceededBudgets(measured: Measured, budgets: Budgets = BUDGETS): string[] {
  const lines: string[] = [];
  if (measured.perServiceWallMs > budgets.perServiceWallMs) {
    lines.push(`wall time per added service: ${measured.perServiceWallMs.toFixed(1)} ms; allowed: at most ${budgets.perServiceWallMs} ms`);
  }
  if (measured.perServiceRssMiB > budgets.perServiceRssMiB) {
    lines.push(`peak RSS per added service: ${measured.perServiceRssMiB.toFixed(2)} MiB; allowed: at most ${budgets.perServiceRssMiB} MiB`);
  }
  if (measured.appWallMs > budgets.appWallMs) {
    lines.push(`wall time of the committed app: ${measured.appWallMs.toFixed(0)} ms; allowed: at most ${budgets.appWallMs} ms`);
  }
  return lines;
}
