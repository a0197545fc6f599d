// Preloaded by `npm run bench` into each synthesis: when the process exits, writes its peak resident set (KiB) and
// the CPU time it used (microseconds, user and system) as JSON to BENCH_USAGE_FILE.
const fs = require("fs");
process.on("exit", () => {
  const file = process.env.BENCH_USAGE_FILE;
  if (file === undefined) return;
  const usage = process.resourceUsage();
  fs.writeFileSync(file, JSON.stringify({ maxRssKiB: usage.maxRSS, cpuMicros: usage.userCPUTime + usage.systemCPUTime }));
});
