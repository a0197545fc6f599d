/**
 * Jest for the emulator harness's own tests (`npm run test:apply`, before the apply of every stack): the
 * `__tests__/apply/*.emulator-test.ts` files, which need python3 with moto 5.2.1 and terraform, and take minutes, so
 * `npm test` never selects them. A config of its own rather than `--testMatch` on jest.config.js: with projects, a
 * command-line testMatch is given to every project, so each file would run twice and the terraform project's global
 * setup would plan every stack for nothing. Same transform, setup file and temporary-directory check as npm test.
 */
const base = require("./jest.config.js");

const unit = base.projects.find((p) => p.displayName === "unit");

module.exports = {
  testEnvironment: unit.testEnvironment,
  roots: unit.roots,
  transform: unit.transform,
  setupFilesAfterEnv: unit.setupFilesAfterEnv,
  displayName: "emulator",
  testMatch: ["<rootDir>/__tests__/apply/*.emulator-test.ts"],
  globalSetup: base.globalSetup,
  globalTeardown: base.globalTeardown,
  maxWorkers: base.maxWorkers,
  testTimeout: base.testTimeout,
};
