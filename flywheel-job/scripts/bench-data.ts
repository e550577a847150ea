/**
 * Benchmark of the data stages (`npm run bench:data`): generates log exports of 100k and 1M records
 * in a temporary directory and runs `flywheel plan` on each with the compiled CLI (dist/, built by
 * the npm script), next to a bare `JSON.parse` of every line of the same file. Each measurement runs
 * in its own Node process, which reports its peak RSS.
 *
 * Targets: the plan within 4× the bare-parse time, and peak RSS under 1 GiB at 1M records.
 *
 * Each process reports its wall time and its CPU time (user + system). The ratio is taken on CPU
 * time: on a shared machine other processes stretch wall time by whatever load they bring, and
 * they do not stretch both measurements equally.
 *
 *   npm run bench:data [-- --sizes 100000,1000000] [-- --keep]
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs, promisify } from "node:util";
import { generateLogLines, writeLines } from "./generate-sample-logs";

const run = promisify(execFile);
const distMain = join(__dirname, "..", "dist", "cli", "main.js");

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

/** Runs the compiled CLI's plan in this process and reports time and peak RSS. */
const plan = `
const { main } = require(${JSON.stringify(distMain)});
const started = process.hrtime.bigint();
let stderr = "";
main(process.argv.slice(1), { stdout: { write() {} }, stderr: { write(t) { stderr += t; } }, env: {}, cwd: process.cwd() }).then((code) => {
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const usage = process.resourceUsage();
  process.stdout.write(JSON.stringify({ code, ms, cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000, stderr, maxRssKb: usage.maxRSS }));
});`;

interface Measurement {
  /** Wall time. */
  readonly ms: number;
  /** User + system CPU time of the process, including start-up. */
  readonly cpuMs: number;
  readonly maxRssKb: number;
  readonly code?: number;
  readonly stderr?: string;
}

async function measure(script: string, args: readonly string[]): Promise<Measurement> {
  const { stdout } = await run(process.execPath, ["-e", script, ...args], { maxBuffer: 1 << 24 });
  return JSON.parse(stdout) as Measurement;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

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
      const bare = await measure(bareParse, [file]);
      for (const limit of [1000, Math.min(20_000, Math.floor(records / 10))]) {
        process.stderr.write(`flywheel plan --limit ${limit} ...\n`);
        const result = await measure(plan, ["plan", "--logs", file, "--out", join(dir, `out-${records}-${limit}`), "--workload", "customer-support", "--client", "support-web", "--limit", String(limit)]);
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
          `${Math.round(bare.maxRssKb / 1024)} MiB`,
          `${Math.round(result.maxRssKb / 1024)} MiB`,
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
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  console.log([line(headers), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n"));
  console.log("\nTargets: plan within 4× the bare parse; peak RSS under 1 GiB at 1M records.");
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
