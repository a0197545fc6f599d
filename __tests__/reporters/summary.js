/**
 * Jest reporter of `npm test`: one line per Jest project (suites, tests, snapshots, its slowest file), then Jest's own
 * summary (every failing test again, and the totals). Its snapshot summary names the repository's command for
 * accepting an intended change, `npm run refresh` (docs/testing.md), where Jest would suggest `-u` through whichever
 * npm script ran it.
 *
 * Built on Jest's SummaryReporter (@jest/reporters, pinned with jest): `_printSnapshotSummary` is the one method
 * replaced; __tests__/cli/reporters.test.ts fails if Jest stops calling it.
 */
const path = require("path");
const { SummaryReporter, utils } = require("@jest/reporters");

/** The command that rewrites every generated file, the snapshots included (package.json). */
const REFRESH = "npm run refresh";

const plural = (count, word) => `${count} ${word}${count === 1 ? "" : "s"}`;

/** One line per project that ran, in the order of the projects. */
function projectLines(results, projectNames, root) {
  const byProject = new Map(projectNames.map((name) => [name, []]));
  for (const result of results.testResults) {
    // A file that failed to run has no project name in its result.
    const name = result.displayName?.name ?? "(failed to run)";
    if (!byProject.has(name)) byProject.set(name, []);
    byProject.get(name).push(result);
  }
  const ran = [...byProject].filter(([, files]) => files.length > 0);
  const width = Math.max(...ran.map(([name]) => name.length));
  return ran.map(([name, files]) => {
    const sum = (key) => files.reduce((total, file) => total + file[key], 0);
    const failedFiles = files.filter((file) => file.numFailingTests > 0 || file.testExecError !== undefined).length;
    const tests = sum("numPassingTests") + sum("numFailingTests") + sum("numPendingTests") + sum("numTodoTests");
    const snapshots = files.reduce((total, f) => total + f.snapshot.matched + f.snapshot.unmatched + f.snapshot.added + f.snapshot.updated, 0);
    const slowest = files.reduce((a, b) => (b.perfStats.runtime > a.perfStats.runtime ? b : a));
    const parts = [
      failedFiles === 0 ? `${plural(files.length, "suite")} passed` : `${failedFiles} of ${plural(files.length, "suite")} FAILED`,
      `${sum("numPassingTests")} of ${plural(tests, "test")} passed` +
        (sum("numFailingTests") > 0 ? `, ${sum("numFailingTests")} FAILED` : "") +
        (sum("numPendingTests") + sum("numTodoTests") > 0 ? `, ${sum("numPendingTests") + sum("numTodoTests")} skipped` : ""),
      ...(snapshots > 0 ? [plural(snapshots, "snapshot")] : []),
      `slowest ${path.relative(root, slowest.testFilePath)} ${(slowest.perfStats.runtime / 1000).toFixed(1)} s`,
    ];
    return `${name.padEnd(width)}  ${parts.join(", ")}`;
  });
}

class ProjectSummaryReporter extends SummaryReporter {
  onRunComplete(testContexts, results) {
    if (results.numTotalTestSuites > 0) {
      const names = [...testContexts].map((context) => context.config.displayName?.name).filter((name) => name !== undefined);
      this.log("");
      for (const line of projectLines(results, names, this._globalConfig.rootDir)) this.log(line);
    }
    super.onRunComplete(testContexts, results);
  }

  /** Jest's snapshot summary, with this repository's command in place of Jest's `-u` hint. */
  _printSnapshotSummary(snapshots, globalConfig) {
    if (!(snapshots.added || snapshots.filesRemoved || snapshots.unchecked || snapshots.unmatched || snapshots.updated)) return;
    for (const line of utils.getSnapshotSummary(snapshots, globalConfig, `run \`${REFRESH}\``)) this.log(line);
    this.log("");
  }
}

module.exports = ProjectSummaryReporter;
