/**
 * What the benchmarks share: running `flywheel plan` of the compiled CLI (dist/, built by the npm
 * scripts) in a Node.js process of its own, which reports its exit code, wall and CPU time and peak
 * RSS, and printing a table of the figures.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { constants } from "node:os";

const run = promisify(execFile);
const distMain = join(__dirname, "..", "dist", "cli", "main.js");

export interface Measurement {
  /** Wall time. */
  readonly ms: number;
  /** User + system CPU time of the process, including start-up. */
  readonly cpuMs: number;
  readonly maxRssKb: number;
  /** The CLI's exit code, or 128 + the signal's number when the process was killed (134: V8 ran out of heap). */
  readonly code: number;
  readonly stderr: string;
}

/** Runs the compiled CLI's `main` in this process and reports its exit code, time and peak RSS. */
const planScript = `
const { main } = require(${JSON.stringify(distMain)});
const started = process.hrtime.bigint();
let stderr = "";
main(process.argv.slice(1), { stdout: { write() {} }, stderr: { write(t) { stderr += t; } }, env: {}, cwd: process.cwd() }).then((code) => {
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const usage = process.resourceUsage();
  process.stdout.write(JSON.stringify({ code, ms, cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000, stderr, maxRssKb: usage.maxRSS }));
});`;

/** Runs a script in a new Node.js process with `nodeOptions` (e.g. a heap limit); it prints its Measurement as JSON. */
export async function measureScript(script: string, args: readonly string[], nodeOptions: readonly string[] = []): Promise<Measurement> {
  try {
    const { stdout } = await run(process.execPath, [...nodeOptions, "-e", script, ...args], { maxBuffer: 1 << 24 });
    return { code: 0, stderr: "", ...(JSON.parse(stdout) as Partial<Measurement>) } as Measurement;
  } catch (error) {
    const failure = error as { code?: number | null; signal?: NodeJS.Signals | null; stderr?: string };
    const signal = failure.signal ? constants.signals[failure.signal] : undefined;
    return { code: signal !== undefined ? 128 + signal : (failure.code ?? 1), ms: Number.NaN, cpuMs: Number.NaN, maxRssKb: Number.NaN, stderr: failure.stderr ?? "" };
  }
}

/** `flywheel plan` with `args` in a process of its own. */
export function measurePlan(args: readonly string[], nodeOptions: readonly string[] = []): Promise<Measurement> {
  return measureScript(planScript, ["plan", ...args], nodeOptions);
}

export function seconds(ms: number): string {
  return Number.isNaN(ms) ? "—" : `${(ms / 1000).toFixed(2)} s`;
}

export function mebibytes(kilobytes: number): string {
  return Number.isNaN(kilobytes) ? "—" : `${Math.round(kilobytes / 1024)} MiB`;
}

/** A plain-text table: the first column left-aligned, the others right-aligned. */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return [line(headers), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}
