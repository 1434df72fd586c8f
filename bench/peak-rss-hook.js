// Preloaded (NODE_OPTIONS=--require) into every node process of a command the
// synth benchmark measures: npx, the cdktf CLI and the app each append their
// own peak resident set size to BENCH_PEAK_RSS_FILE when they exit.
"use strict";
const { appendFileSync } = require("node:fs");

const file = process.env.BENCH_PEAK_RSS_FILE;
if (file) {
  process.on("exit", () => {
    const record = { pid: process.pid, maxRssKiB: process.resourceUsage().maxRSS, argv: process.argv.slice(1) };
    appendFileSync(file, `${JSON.stringify(record)}\n`);
  });
}
