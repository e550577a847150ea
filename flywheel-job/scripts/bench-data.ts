/**
 * Benchmark of the data stages (`npm run bench:data`): generates log exports of 100k and 1M records
 * in a temporary directory and runs `flywheel plan` on each with the compiled CLI (dist/, built by
 * the npm script), next to a bare `JSON.parse` of every line of the same file. Each measurement runs
 * in its own Node process, which reports its peak RSS.
 *
 * Targets: the plan within 2× the bare parse's CPU time, and peak RSS at most 256 MiB at 1M records
 * with limit 20,000.
 *
 * Each process reports its wall time and its CPU time (user + system). The ratio is taken on CPU
 * time: on a shared machine other processes stretch wall time by whatever load they bring, and
 * they do not stretch both measurements equally.
 *
 *   npm run bench:data [-- --sizes 100000,1000000] [-- --keep]
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { mebibytes, measurePlan, measureScript, renderTable, seconds } from "./bench-support";
import { generateLogLines, writeLines } from "./generate-sample-logs";

/** Reads the file the way the plan's line reader does (1 MiB chunks, split on \n) and parses every line. */
const bareParse = `
const { createReadStream } = require("node:fs");
(async () => {
  const started = process.hrtime.bigint();
  let pending = [], lines = 0, failed = 0;
  const parse = (text) => { lines++; try { JSON.parse(text); } catch { failed++; } };
  for await (const chunk of createReadStream(process.argv[1], { highWaterMark: 1 << 20 })) {
    let start = 0, end = chunk.indexOf(10);
    if (end !== -1 && pending.length > 0) { parse(Buffer.concat([...pending, chunk.subarray(0, end)]).toString("utf8")); pending = []; start = end + 1; end = chunk.indexOf(10, start); }
    while (end !== -1) { parse(chunk.toString("utf8", start, end)); start = end + 1; end = chunk.indexOf(10, start); }
    if (start < chunk.length) pending.push(chunk.subarray(start));
  }
  if (pending.length > 0) parse(Buffer.concat(pending).toString("utf8"));
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const usage = process.resourceUsage();
  process.stdout.write(JSON.stringify({ ms, cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000, lines, maxRssKb: usage.maxRSS }));
})();`;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { sizes: { type: "string" }, keep: { type: "boolean" } } });
  const sizes = (values.sizes ?? "100000,1000000").split(",").map(Number);
  const dir = mkdtempSync(join(tmpdir(), "flywheel-bench-"));
  const rows: string[][] = [];
  try {
    for (const records of sizes) {
      const file = join(dir, `logs-${records}.jsonl`);
      process.stderr.write(`generating ${records} records ...\n`);
      await writeLines(file, generateLogLines({ records, seed: 1 }));
      const megabytes = statSync(file).size / 1e6;

      process.stderr.write("bare JSON.parse ...\n");
      const bare = await measureScript(bareParse, [file]);
      for (const limit of [1000, Math.min(20_000, Math.floor(records / 10))]) {
        process.stderr.write(`flywheel plan --limit ${limit} ...\n`);
        const result = await measurePlan(["--logs", file, "--out", join(dir, `out-${records}-${limit}`), "--workload", "customer-support", "--client", "support-web", "--limit", String(limit)]);
        if (result.code !== 0) {
          throw new Error(`plan failed with exit code ${result.code}: ${result.stderr}`);
        }
        rows.push([
          records.toLocaleString("en-US"),
          `${megabytes.toFixed(0)} MB`,
          limit.toLocaleString("en-US"),
          `${seconds(bare.cpuMs)} (${seconds(bare.ms)})`,
          `${seconds(result.cpuMs)} (${seconds(result.ms)})`,
          `${(result.cpuMs / bare.cpuMs).toFixed(2)}×`,
          Math.round(records / (result.cpuMs / 1000)).toLocaleString("en-US"),
          mebibytes(bare.maxRssKb),
          mebibytes(result.maxRssKb),
        ]);
      }
      if (!values.keep) {
        rmSync(file);
      }
    }
  } finally {
    if (!values.keep) {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const headers = ["records", "file", "limit", "bare parse CPU (wall)", "plan CPU (wall)", "plan/parse", "records/CPU-s", "parse peak RSS", "plan peak RSS"];
  console.log(renderTable(headers, rows));
  console.log("\nTargets: plan within 2× the bare parse's CPU time; peak RSS at most 256 MiB at 1M records with limit 20,000.");
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
