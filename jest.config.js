/** Jest transpiles with SWC (no type-check); `npm run typecheck` type-checks once. */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/__tests__"],
  testMatch: ["**/*.test.ts"],
  transform: {
    "^.+\\.ts$": ["@swc/jest", { jsc: { parser: { syntax: "typescript" }, target: "es2022" }, module: { type: "commonjs" } }],
  },
  setupFilesAfterEnv: ["<rootDir>/__tests__/setup.ts"],
  // Real Terraform runs inside tests (issue 3); give them room without hiding hangs.
  testTimeout: 120000,
};
