import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { buildApp } from "../../src/app";
import { ConfigWarning, loadEnvironments } from "../../src/config/environment";
import { BUDGETS, exceededBudgets, leastSquares, median } from "../../scripts/lib/bench/budget";
import { environmentWithServices, EXAMPLE_FILE, writeSeries } from "../../scripts/lib/bench/series";

describe("the benchmark's series of environments", () => {
  let work: string;
  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), "whcsites-bench-test-"));
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  test("GIVEN the multi-service example WHEN 1, 5, 10 and 30 services are generated THEN each file loads without a problem or warning, with that many services on distinct routes", () => {
    const points = writeSeries(work, [1, 5, 10, 30]);

    expect(points.map((p) => p.services)).toEqual([1, 5, 10, 30]);
    for (const point of points) {
      const warnings: ConfigWarning[] = [];
      const [environment, ...others] = loadEnvironments(point.dir, { warn: (w) => warnings.push(w) });
      expect(others).toEqual([]);
      expect(warnings).toEqual([]);
      expect(environment.name).toBe("demo");
      expect(environment.services.map((s) => s.name)).toEqual(["api", ...Array.from({ length: point.services - 1 }, (_, i) => `admin-${i + 1}`)]);
      const routes = environment.services.map((s) => JSON.stringify(s.route));
      expect(new Set(routes).size).toBe(point.services);
    }
  });

  test("GIVEN the 30-service file WHEN the app is built THEN every construct takes it (listener rule priorities 100 to 128)", () => {
    const [point] = writeSeries(path.join(work, "build"), [30]);

    expect(() => buildApp({ environmentsDir: point.dir, outdir: path.join(work, "out") })).not.toThrow();
    const environment = loadEnvironments(point.dir)[0];
    const priorities = environment.services.flatMap((s) => (typeof s.route === "object" ? [s.route.priority] : []));
    expect(priorities).toEqual(Array.from({ length: 29 }, (_, i) => 100 + i));
  });

  test("GIVEN a copy of the template THEN only its route and health check path differ from the example's service, and the rest of the file is the example's", () => {
    const example = JSON.parse(fs.readFileSync(EXAMPLE_FILE, "utf8"));

    const generated = environmentWithServices(example, 2) as Record<string, any>;

    expect(generated.services["admin-1"]).toEqual({
      ...example.services.admin,
      route: { paths: ["/admin-1", "/admin-1/*"], priority: 100 },
      healthCheckPath: "/admin-1/healthz",
    });
    expect(generated.services.api).toEqual(example.services.api);
    const withoutServices = (file: Record<string, unknown>) => Object.fromEntries(Object.entries(file).filter(([key]) => key !== "services" && key !== "$schema"));
    expect(withoutServices(generated)).toEqual(withoutServices(example));
    expect(generated).not.toHaveProperty("$schema");
    expect(example).toHaveProperty("$schema");
  });

  test("GIVEN a count below 1 THEN it throws naming the count", () => {
    const example = JSON.parse(fs.readFileSync(EXAMPLE_FILE, "utf8"));
    expect(() => environmentWithServices(example, 0)).toThrow("services: got 0; allowed: a whole number from 1");
  });
});

describe("the benchmark's arithmetic", () => {
  test("the median of an odd and an even count", () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 10])).toBe(3.5);
  });

  test("GIVEN points on a line THEN the least-squares fit is that line", () => {
    const line = leastSquares([1, 5, 10, 30].map((x) => [x, 1000 + 12 * x]));
    expect(line.slope).toBeCloseTo(12, 10);
    expect(line.intercept).toBeCloseTo(1000, 10);
  });

  test("GIVEN points off a line THEN the slope is the hand-computed least-squares one", () => {
    // x mean 2, y mean 3; Sxy = (-1)(-2) + 0(1) + 1(1) = 3, Sxx = 2: slope 1.5, intercept 0
    const line = leastSquares([[1, 1], [2, 4], [3, 4]]);
    expect(line.slope).toBeCloseTo(1.5, 10);
    expect(line.intercept).toBeCloseTo(0, 10);
  });

  test("GIVEN one service count only THEN the fit refuses", () => {
    expect(() => leastSquares([[5, 1], [5, 2]])).toThrow("at least two different service counts");
  });
});

describe("the benchmark's verdict", () => {
  test("GIVEN measurements at the budgets THEN no budget is exceeded", () => {
    expect(exceededBudgets({ perServiceWallMs: BUDGETS.perServiceWallMs, perServiceRssMiB: BUDGETS.perServiceRssMiB, appWallMs: BUDGETS.appWallMs })).toEqual([]);
  });

  test("GIVEN each measurement over its budget THEN one line each, with the value measured and the budget", () => {
    expect(exceededBudgets({ perServiceWallMs: 31.24, perServiceRssMiB: 2.5, appWallMs: 1501 })).toEqual([
      "wall time per added service: 31.2 ms; allowed: at most 25 ms",
      "peak RSS per added service: 2.50 MiB; allowed: at most 2 MiB",
      "wall time of the committed app: 1501 ms; allowed: at most 1500 ms",
    ]);
    expect(exceededBudgets({ perServiceWallMs: 1, perServiceRssMiB: 2.01, appWallMs: 1 })).toEqual(["peak RSS per added service: 2.01 MiB; allowed: at most 2 MiB"]);
  });
});
