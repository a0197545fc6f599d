// Preloaded by the benchmark: writes this process's peak resident set size (KiB) when it exits.
const fs = require("fs");
process.on("exit", () => {
  if (process.env.BENCH_RSS_FILE) fs.writeFileSync(process.env.BENCH_RSS_FILE, String(process.resourceUsage().maxRSS));
});
