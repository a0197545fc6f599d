/**
 * Jest transpiles with SWC (no type-check); `npm run typecheck` type-checks once.
 *
 * Three projects:
 * - "unit": everything that runs without Terraform (`npm run test:unit`).
 * - "terraform": the suites that need the terraform binary. Its global setup synthesizes every environment folder and
 *   plans every stack once, before any suite starts; the suites share those plans (__tests__/terraform/plan-run.ts).
 *   Jest runs a project's global setup only when one of its suites is selected, so `npx jest <unit test>` plans
 *   nothing.
 * - "cli": the process-level suites (CLI_SUITES below, `npm run test:cli`).
 * Every run gets a temporary directory of its own and fails when a test leaves a whcsites-* folder in it
 * (__tests__/global/temp-dir.ts).
 */
// Every suite that runs the terraform binary (__tests__/cli/jest-projects.test.ts keeps this list complete).
const TERRAFORM_SUITES = [
  "<rootDir>/__tests__/terraform/app-plan.test.ts",
  "<rootDir>/__tests__/terraform/check.test.ts",
  "<rootDir>/__tests__/terraform/guards.test.ts",
  "<rootDir>/__tests__/terraform/new-environment.test.ts",
  "<rootDir>/__tests__/terraform/preview.test.ts",
  "<rootDir>/__tests__/workflows/stack-summary.test.ts",
];

// Process-level suites: each spawns whole programs (Jest itself, npm scripts, a copy of the repository) and takes
// minutes. The "cli" project (`npm run test:cli`, part of npm test); a suite moves here by adding its path.
const CLI_SUITES = ["<rootDir>/__tests__/recipes/recipes.test.ts", "<rootDir>/__tests__/cli/reporters.test.ts"];

const shared = {
  testEnvironment: "node",
  roots: ["<rootDir>/__tests__"],
  transform: {
    "^.+\\.ts$": ["@swc/jest", { jsc: { parser: { syntax: "typescript" }, target: "es2022" }, module: { type: "commonjs" } }],
    // github-slugger (GitHub's heading anchors, for the documentation link test) is published as ES modules only.
    "/node_modules/github-slugger/.+\\.js$": ["@swc/jest", { jsc: { target: "es2022" }, module: { type: "commonjs" } }],
  },
  transformIgnorePatterns: ["/node_modules/(?!github-slugger/)"],
  setupFilesAfterEnv: ["<rootDir>/__tests__/setup.ts"],
};

module.exports = {
  projects: [
    { ...shared, displayName: "unit", testMatch: ["<rootDir>/__tests__/**/*.test.ts"], testPathIgnorePatterns: ["/node_modules/", ...TERRAFORM_SUITES, ...CLI_SUITES] },
    {
      ...shared,
      displayName: "terraform",
      testMatch: TERRAFORM_SUITES,
      globalSetup: "<rootDir>/__tests__/terraform/global-setup.ts",
      globalTeardown: "<rootDir>/__tests__/terraform/global-teardown.ts",
    },
    { ...shared, displayName: "cli", testMatch: CLI_SUITES },
  ],
  globalSetup: "<rootDir>/__tests__/global/setup.ts",
  globalTeardown: "<rootDir>/__tests__/global/teardown.ts",
  // Quiet when it passes: a test file's output only when it fails, then one line per project and Jest's totals
  // (__tests__/reporters/). Its snapshot hint names `npm run refresh`.
  reporters: ["<rootDir>/__tests__/reporters/failures.js", "<rootDir>/__tests__/reporters/summary.js"],
  // A worker that still has to exit after 500 ms (Jest's default) is killed with a warning about leaked handles. No
  // handle outlives any test file here (listed after each file with process._getActiveHandles(): only the worker's
  // own IPC pipe); on the shared two-core machine a worker holding a large heap simply takes longer to exit.
  workerGracefulExitTimeout: 5000,
  // Both cores: Jest's default on two is one worker, which leaves a core idle while a suite waits on Terraform.
  maxWorkers: 2,
  // Real Terraform runs inside tests; give them room without hiding hangs.
  testTimeout: 120000,
};
