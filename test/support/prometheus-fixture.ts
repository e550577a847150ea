import { type ChildProcess, execFile, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { freePort } from "../../flywheel-job/test/support/free-port";
import { prometheusServer, promtool } from "./needs-program";

/**
 * A real Prometheus over fixture series: the series are written as OpenMetrics, backfilled into
 * TSDB blocks with `promtool tsdb create-blocks-from openmetrics`, and served by Debian's
 * `prometheus` on a free loopback port, for tests that evaluate PromQL through its HTTP API.
 * Debian 12 ships Prometheus 2.42; the stack runs 3.x (README "Alerts and runbooks" says what
 * the queries avoid so both read them alike).
 */

/** One fixture series: its name, labels and its value at each second of the window. */
export interface FixtureSeries {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** The value `seconds` after the window's start. */
  readonly value: (seconds: number) => number;
}

/** The window the series cover: `hours` ending at `end`, a sample every `stepSeconds`. */
export interface FixtureWindow {
  /** The last sample's time, in seconds since the Unix epoch; queries are evaluated there. */
  readonly end: number;
  readonly hours: number;
  readonly stepSeconds: number;
}

/** Three hours at 30 s, ending at 2026-06-01T00:00:00Z: fixed, so every run sees the same data. */
export const defaultFixtureWindow: FixtureWindow = { end: Date.UTC(2026, 5, 1) / 1000, hours: 3, stepSeconds: 30 };

/** A Prometheus API answer's `data` of an instant query. */
export interface InstantVector {
  readonly resultType: string;
  readonly result: readonly { readonly metric: Record<string, string>; readonly value?: readonly [number, string] }[] | readonly [number, string];
}

export interface PrometheusFixture {
  readonly url: string;
  readonly window: FixtureWindow;
  /** `expr` evaluated at the window's end; rejects with Prometheus's error when it does not parse or evaluate. */
  query(expr: string): Promise<InstantVector>;
  /** The values of `label` among the series `selector` selects (what Grafana's `label_values` lists). */
  labelValues(label: string, selector: string): Promise<string[]>;
  stop(): Promise<void>;
}

const run = promisify(execFile);

/** A label value in the exposition format: backslash, quote and newline escaped. */
function quoted(value: string): string {
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
}

/**
 * The OpenMetrics text of `series` over `window`. Each metric family's lines are together (the
 * format forbids interleaving families), each series' samples in time order, and no family has a
 * TYPE: backfilling keeps samples, not metadata, and an untyped family takes any sample name.
 */
export function openMetricsText(series: readonly FixtureSeries[], window: FixtureWindow): string {
  const samples = Math.floor((window.hours * 3600) / window.stepSeconds);
  const start = window.end - samples * window.stepSeconds;
  const byName = new Map<string, FixtureSeries[]>();
  for (const s of series) {
    byName.set(s.name, [...(byName.get(s.name) ?? []), s]);
  }
  const lines: string[] = [];
  for (const [name, family] of byName) {
    for (const s of family) {
      const labels = Object.entries(s.labels).map(([k, v]) => `${k}=${quoted(v)}`).join(",");
      const prefix = labels === "" ? name : `${name}{${labels}}`;
      for (let i = 0; i <= samples; i += 1) {
        const offset = i * window.stepSeconds;
        lines.push(`${prefix} ${s.value(offset)} ${start + offset}`);
      }
    }
  }
  lines.push("# EOF");
  return `${lines.join("\n")}\n`;
}

async function waitReady(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`prometheus exited with ${child.exitCode} before it was ready:\n${log()}`);
    }
    try {
      const response = await fetch(`${url}/-/ready`);
      if (response.ok) {
        return;
      }
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      throw new Error(`prometheus was not ready within 20 s:\n${log()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

interface ApiAnswer<T> {
  readonly status: "success" | "error";
  readonly data?: T;
  readonly errorType?: string;
  readonly error?: string;
}

async function api<T>(url: string): Promise<T> {
  const response = await fetch(url);
  const answer = (await response.json()) as ApiAnswer<T>;
  if (answer.status !== "success" || answer.data === undefined) {
    throw new Error(`${answer.errorType ?? response.status}: ${answer.error ?? "no data"}`);
  }
  return answer.data;
}

/**
 * Backfills `series` over `window` and starts Prometheus on them. Retention is ten years: blocks
 * past retention are deleted at startup, and the fixture's window is fixed in the past.
 */
export async function startPrometheusFixture(series: readonly FixtureSeries[], window: FixtureWindow = defaultFixtureWindow): Promise<PrometheusFixture> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "prometheus-fixture-"));
  const data = path.join(dir, "data");
  const input = path.join(dir, "fixture.om.txt");
  fs.writeFileSync(input, openMetricsText(series, window));
  // Blocks of up to a day: one or two blocks for the window, so Prometheus opens few.
  await run(promtool.command, ["tsdb", "create-blocks-from", "openmetrics", "--max-block-duration=24h", input, data], { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 });
  const config = path.join(dir, "prometheus.yml");
  fs.writeFileSync(config, "global: {}\n");
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    prometheusServer.command,
    [`--config.file=${config}`, `--storage.tsdb.path=${data}`, "--storage.tsdb.retention.time=10y", `--web.listen-address=127.0.0.1:${port}`, "--log.level=warn"],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-8000);
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null) {
      child.kill("SIGTERM");
      await exited;
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitReady(url, child, () => stderr);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url,
    window,
    query: (expr) => api<InstantVector>(`${url}/api/v1/query?${new URLSearchParams({ query: expr, time: String(window.end) }).toString()}`),
    labelValues: (label, selector) => {
      const params = new URLSearchParams({ "match[]": selector, start: String(window.end - window.hours * 3600), end: String(window.end) });
      return api<string[]>(`${url}/api/v1/label/${encodeURIComponent(label)}/values?${params.toString()}`);
    },
    stop,
  };
}
