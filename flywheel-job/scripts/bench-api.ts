/**
 * Benchmark of `flywheel serve` over a JSON-file state directory (`npm run bench:api`): seeds
 * 10,000 finished runs (each with three candidates, two evaluations per candidate, a customization
 * per candidate, a judge run and a report) by writing their files straight into a fresh state
 * directory, has JsonFileRecordStore build its indexes from the files (as it does for a state
 * directory written before indexes existed), starts the compiled
 * service (dist/, built by the npm script, as the image runs it) as a child process, and sends
 * requests one after another:
 *
 * - `GET /api/jobs` (the blueprint's list, up to the service's hard cap),
 * - `GET /api/jobs?limit=50` and the page its `next_cursor` names,
 * - `GET /api/jobs/{id}` for random runs,
 * - the review UI's `GET /runs/{id}` for random runs and `GET /workloads/{workload_id}/{client_id}` of
 *   the pair that has one run in every hundred (100 of 10,000), with a session cookie from `POST /login`.
 *
 * The service runs with the NODE_OPTIONS the stack's Deployment gives it (`flywheelApiService.nodeOptions`
 * for the default memory limit), on the Node.js that runs the bench or the one `--node PATH` names (the
 * image's: `--node "$(npx -y -p node@$(cat .node-version) -- node -p process.execPath)"`). It prints the seeding time, p50, p95 and max per endpoint and the service's peak RSS (VmHWM), next
 * to the targets (p95 ≤ 50 ms for the list and a run's details, ≤ 200 ms for a run's page, ≤ 300 ms for a
 * workload's page, RSS ≤ 150 MiB), and the machine's
 * load average (figures from a loaded machine are slower). Figures, not a test: it always exits 0.
 * Nothing is kept between runs unless asked.
 *
 *   npm run bench:api [-- [--runs 10000] [--requests 200] [--state-dir DIR] [--keep] [--node PATH]]
 *
 * With `--state-dir` an existing directory is served as it is (seeded and indexed only when empty),
 * so the service's start on a directory without an index can be measured too: its first requests
 * then build the indexes, and its peak RSS includes that.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { flywheelApiService } from "../src/api/flywheel-api-service";
import { buildRunReport } from "../src/report/run-report";
import { JsonFileRecordStore } from "../src/store/json-file-record-store";
import {
  type CustomizationRecord,
  type EvaluationRecord,
  type NimRecord,
  pendingCustomization,
  pendingEvaluation,
  pendingJudgeRun,
  pendingNim,
  pendingRun,
  type JudgeRunRecord,
  type RunRecord,
  type RunStatus,
} from "../src/store/records";
import { RunStore } from "../src/store/run-store";
import { mebibytes } from "./bench-support";

const distCli = join(__dirname, "..", "dist", "cli.js");
const token = "bench-read-token";
const targets = { p95Ms: 50, runPageP95Ms: 200, workloadPageP95Ms: 300, rssMib: 150 };

const workloads = [
  { workload: "customer-support", clients: ["support-web", "support-mobile"] },
  { workload: "order-routing", clients: ["router"] },
  { workload: "knowledge-qa", clients: ["docs-portal", "internal-search"] },
];
/** The pair the workload page is measured on: every hundredth run is its, so 10,000 runs give it the 100 the page charts. */
const workloadPagePair = { workload: "order-routing", client: "router-canary", every: 100 };
const models = ["meta/llama-3.2-1b-instruct", "meta/llama-3.2-3b-instruct", "meta/llama-3.1-8b-instruct"];

/** A deterministic generator, so two measurements serve the same records. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** One finished run and its parts, as a run of the pipeline leaves them. */
interface SeededRun {
  readonly run: RunRecord;
  readonly nims: readonly NimRecord[];
  readonly evaluations: readonly EvaluationRecord[];
  readonly customizations: readonly CustomizationRecord[];
  readonly judgeRun: JudgeRunRecord;
}

function seededRun(index: number, next: () => number): SeededRun {
  const pair = index % workloadPagePair.every === 1 ? { workload: workloadPagePair.workload, clients: [workloadPagePair.client] } : workloads[index % workloads.length];
  const startedAt = new Date(Date.UTC(2025, 0, 1) + index * 3_600_000 + Math.floor(next() * 60_000));
  const status: RunStatus = index % 50 === 0 ? "failed" : index % 97 === 0 ? "cancelled" : "completed";
  const base = pendingRun({
    workload_id: pair.workload,
    client_id: pair.clients[index % pair.clients.length],
    started_at: startedAt,
    seed: index,
    targets: { similarity: 0.8, function_name_and_args_accuracy: 0.9 },
    gpu_hourly_cost: 2.5,
    job: { name: `flywheel-${pair.workload}-${index}`, uid: `00000000-0000-4000-8000-${String(index).padStart(12, "0")}`, namespace: "flywheel" },
  });
  const nims: NimRecord[] = models.map((model, position) => ({
    ...pendingNim({ flywheel_run_id: base.id, model_name: model, gpus: position + 1 }),
    status: "completed",
    deployment_status: "deleted",
    started_at: startedAt,
    finished_at: new Date(startedAt.getTime() + 1_800_000),
    runtime_seconds: 1800,
    nim_service: `candidate-${index}-${position}`,
  }));
  const evaluations: EvaluationRecord[] = nims.flatMap((nim) =>
    (["base-eval", "icl-eval"] as const).map((evalType) => ({
      ...pendingEvaluation({ nim_id: nim.id, eval_type: evalType }),
      status: "completed",
      progress: 100,
      scores: { similarity: next(), function_name_accuracy: next(), function_name_and_args_accuracy: next() },
      job_id: `eval-${nim.id.slice(0, 12)}-${evalType}`,
      started_at: startedAt,
      finished_at: new Date(startedAt.getTime() + 900_000),
      runtime_seconds: 900,
      judge_ratings: { rated: 95, unparsed: 5, mean_rating: 7.5 },
    })),
  );
  const customizations: CustomizationRecord[] = nims.map((nim) => ({
    ...pendingCustomization({ nim_id: nim.id, base_model: nim.model_name }),
    status: "completed",
    job_id: `cust-${nim.id.slice(0, 12)}`,
    customized_model: `dfwbp/${nim.model_name.split("/")[1]}-${index}@v1`,
    progress: 100,
    epochs_completed: 2,
    steps_completed: 120,
    started_at: startedAt,
    finished_at: new Date(startedAt.getTime() + 3_600_000),
    runtime_seconds: 3600,
  }));
  const run: RunRecord = {
    ...base,
    status,
    finished_at: new Date(startedAt.getTime() + 5_400_000),
    num_records: 2000,
    datasets: (["eval", "icl", "train"] as const).map((kind) => ({ kind, name: `flywheel-${kind}-${base.id}`, num_records: kind === "train" ? 1600 : 200, nmp_uri: `hf://datasets/dfwbp/flywheel-${kind}-${base.id}` })),
    error: status === "failed" ? "evaluation job eval-1234 failed: the NIM answered 503" : null,
    drop_counts: { duplicate: 12, too_long: 3, pii: 1 },
    workload_type: "tool_calling",
  };
  const judgeRun: JudgeRunRecord = { ...pendingJudgeRun({ flywheel_run_id: base.id, model_name: "meta/llama-3.3-70b-instruct", deployment_type: "remote" }), deployment_status: "ready" };
  return { run: { ...run, report: buildRunReport(run, nims, evaluations) }, nims, evaluations, customizations, judgeRun };
}

/** Runs written per batch: the files of a batch are written, then the next batch is built. */
const seedBatch = 500;

/**
 * Writes the runs' files straight into the state directory (JsonFileRecordStore.seedWithoutIndex),
 * so the service starts on a directory without indexes and builds them from the files, as on a state
 * directory written before indexes existed. Returns the seconds it took.
 */
function seed(directory: string, runs: number): number {
  const records = new JsonFileRecordStore(directory);
  const next = random(7);
  const started = Date.now();
  for (let first = 0; first < runs; first += seedBatch) {
    const batch = Array.from({ length: Math.min(seedBatch, runs - first) }, (_, offset) => seededRun(first + offset, next));
    records.seedWithoutIndex("flywheel_runs", batch.map((seeded) => seeded.run));
    records.seedWithoutIndex("nims", batch.flatMap((seeded) => seeded.nims));
    records.seedWithoutIndex("evaluations", batch.flatMap((seeded) => seeded.evaluations));
    records.seedWithoutIndex("customizations", batch.flatMap((seeded) => seeded.customizations));
    records.seedWithoutIndex("llm_judge_runs", batch.map((seeded) => seeded.judgeRun));
    if ((first + seedBatch) % 2000 === 0) {
      process.stderr.write(`seeded ${first + seedBatch} runs (${Math.round((Date.now() - started) / 1000)} s)\n`);
    }
  }
  return (Date.now() - started) / 1000;
}

/** Builds every collection's index from the seeded files, as the first list and details would. Returns the seconds it took. */
async function buildIndexes(directory: string, runId: string): Promise<number> {
  const started = Date.now();
  const store = new RunStore(new JsonFileRecordStore(directory));
  await store.listRunsPage({ limit: 1 });
  await store.details(runId);
  await store.close();
  return (Date.now() - started) / 1000;
}

interface Service {
  readonly child: ChildProcess;
  readonly url: string;
}

/** The V8 options the stack's Deployment gives the service in a container of the default memory limit. */
const serviceNodeOptions = flywheelApiService.nodeOptions(flywheelApiService.defaultMemoryLimitMebibytes);

/** Starts `flywheel serve`, as the Deployment runs it, and waits for its "listening on" line. */
function startService(node: string, directory: string, tokenFile: string): Promise<Service> {
  const child = spawn(node, [distCli, "serve", "--state-dir", directory, "--port", "0", "--read-token-file", tokenFile], {
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, NODE_OPTIONS: serviceNodeOptions },
  });
  return new Promise((resolve, reject) => {
    let stderr = "";
    child.stderr?.setEncoding("utf8");
    const onData = (text: string): void => {
      stderr += text;
      const match = /flywheel API listening on (http:\/\/[^\s]+)/.exec(stderr);
      if (match) {
        child.stderr?.off("data", onData);
        // Keep draining the request log so the child never blocks on a full pipe.
        child.stderr?.resume();
        resolve({ child, url: match[1] });
      }
    };
    child.stderr?.on("data", onData);
    child.on("exit", (code) => reject(new Error(`flywheel serve exited with ${code} before listening: ${stderr}`)));
  });
}

interface Timed {
  readonly status: number;
  readonly ms: number;
  readonly body: unknown;
}

/** A request with the read token, or with the review UI's session cookie when `cookie` is given. */
async function timedGet(url: string, cookie?: string): Promise<Timed> {
  const started = process.hrtime.bigint();
  const response = await fetch(url, { headers: cookie === undefined ? { authorization: `Bearer ${token}` } : { cookie }, redirect: "manual" });
  const text = await response.text();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: response.status, ms, body };
}

function percentile(sorted: readonly number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)];
}

interface Row {
  readonly endpoint: string;
  readonly targetP95Ms: number;
  readonly times: number[];
  readonly statuses: Map<number, number>;
  readonly note: string[];
}

function row(endpoint: string, targetP95Ms = targets.p95Ms): Row {
  return { endpoint, targetP95Ms, times: [], statuses: new Map(), note: [] };
}

function record(target: Row, result: Timed): void {
  target.times.push(result.ms);
  target.statuses.set(result.status, (target.statuses.get(result.status) ?? 0) + 1);
}

function peakRssKb(pid: number): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return match ? Number(match[1]) : Number.NaN;
}

function runIds(directory: string): string[] {
  return readdirSync(join(directory, "flywheel_runs"))
    .filter((name) => /^[0-9a-f]{24}\.json$/.test(name))
    .map((name) => name.slice(0, 24));
}

function jobsOf(body: unknown): { readonly count: number; readonly nextCursor?: string } {
  const object = (typeof body === "object" && body !== null ? body : {}) as { jobs?: unknown; next_cursor?: unknown };
  return { count: Array.isArray(object.jobs) ? object.jobs.length : 0, nextCursor: typeof object.next_cursor === "string" ? object.next_cursor : undefined };
}

/**
 * A session cookie (`name=value`) of the review UI, through its login form as a browser sends it:
 * the form's nonce and login cookie, then `POST /login` with the read token.
 */
async function logIn(service: Service): Promise<string> {
  const form = await fetch(`${service.url}/login`);
  const loginCookie = (form.headers.getSetCookie()[0] ?? "").split(";")[0];
  const nonce = /name="nonce" value="([^"]+)"/.exec(await form.text())?.[1] ?? "";
  const answer = await fetch(`${service.url}/login`, { method: "POST", redirect: "manual", headers: { cookie: loginCookie, "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ nonce, token }) });
  const session = (answer.headers.getSetCookie()[0] ?? "").split(";")[0];
  if (answer.status !== 303 || session === "") {
    throw new Error(`POST /login answered ${answer.status} without a session cookie`);
  }
  return session;
}

/** The review UI's run page of random runs and the workload page of the pair with 100 runs. */
async function measurePages(service: Service, ids: readonly string[], requests: number): Promise<Row[]> {
  const cookie = await logIn(service);
  const runPage = row("UI GET /runs/{id}", targets.runPageP95Ms);
  const workloadPage = row("UI GET /workloads/{w}/{c}", targets.workloadPageP95Ms);
  const workloadUrl = `${service.url}/workloads/${workloadPagePair.workload}/${workloadPagePair.client}`;
  const pick = random(13);
  const first = await timedGet(`${service.url}/runs/${ids[0]}`, cookie);
  runPage.note.push(`first ${first.ms.toFixed(0)} ms`);
  const firstWorkload = await timedGet(workloadUrl, cookie);
  const charted = /The latest (\d+) run/.exec(typeof firstWorkload.body === "string" ? firstWorkload.body : "")?.[1] ?? "?";
  workloadPage.note.push(`first ${firstWorkload.ms.toFixed(0)} ms, ${charted} runs charted`);
  for (let index = 0; index < requests; index++) {
    record(runPage, await timedGet(`${service.url}/runs/${ids[Math.floor(pick() * ids.length)]}`, cookie));
    if (index % 2 === 0) {
      record(workloadPage, await timedGet(workloadUrl, cookie));
    }
  }
  return [runPage, workloadPage];
}

async function measure(service: Service, ids: readonly string[], requests: number): Promise<Row[]> {
  const full = row("GET /api/jobs");
  const page = row("GET /api/jobs?limit=50");
  const nextPage = row("GET /api/jobs?limit=50&cursor=…");
  const detail = row("GET /api/jobs/{id}");
  const pick = random(11);
  // The first request of each kind loads what the service caches; it is reported, not counted.
  const first = await timedGet(`${service.url}/api/jobs`);
  full.note.push(`first ${first.ms.toFixed(0)} ms, ${jobsOf(first.body).count} jobs${jobsOf(first.body).nextCursor ? " + next_cursor" : ""}`);
  const firstDetail = await timedGet(`${service.url}/api/jobs/${ids[0]}`);
  detail.note.push(`first ${firstDetail.ms.toFixed(0)} ms`);
  for (let index = 0; index < requests; index++) {
    if (index % 4 === 0) {
      record(full, await timedGet(`${service.url}/api/jobs`));
    }
    const paged = await timedGet(`${service.url}/api/jobs?limit=50`);
    record(page, paged);
    const { count, nextCursor } = jobsOf(paged.body);
    if (index === 0) {
      page.note.push(`${count} jobs${nextCursor ? " + next_cursor" : ", no next_cursor (paging not served)"}`);
    }
    if (nextCursor !== undefined) {
      record(nextPage, await timedGet(`${service.url}/api/jobs?limit=50&cursor=${encodeURIComponent(nextCursor)}`));
    }
    record(detail, await timedGet(`${service.url}/api/jobs/${ids[Math.floor(pick() * ids.length)]}`));
  }
  return [full, page, nextPage, detail];
}

function render(rows: readonly Row[], rssKb: number): string {
  const header = ["endpoint", "n", "p50", "p95", "max", "target p95", "statuses", "notes"];
  const body = rows.map((r) => {
    const sorted = [...r.times].sort((a, b) => a - b);
    const figure = (value: number | undefined): string => (value === undefined ? "—" : `${value.toFixed(1)} ms`);
    const p95 = sorted.length > 0 ? percentile(sorted, 0.95) : undefined;
    const verdict = p95 === undefined ? "" : p95 <= r.targetP95Ms ? " ok" : " MISSED";
    return [
      r.endpoint,
      String(sorted.length),
      figure(sorted.length > 0 ? percentile(sorted, 0.5) : undefined),
      figure(p95),
      figure(sorted[sorted.length - 1]),
      `≤ ${r.targetP95Ms} ms${verdict}`,
      [...r.statuses].map(([status, count]) => `${status}×${count}`).join(" "),
      r.note.join("; "),
    ];
  });
  const rssMib = rssKb / 1024;
  body.push(["server peak RSS (VmHWM)", "", mebibytes(rssKb), "", "", `≤ ${targets.rssMib} MiB${rssMib <= targets.rssMib ? " ok" : " MISSED"}`, "", ""]);
  const widths = header.map((_, column) => Math.max(...[header, ...body].map((cells) => cells[column].length)));
  return [header, ...body].map((cells) => cells.map((cell, column) => cell.padEnd(widths[column])).join("  ").trimEnd()).join("\n");
}

async function main(): Promise<void> {
  // The root script forwards its arguments through the workspace's, which passes on a "--" of its own.
  const { values } = parseArgs({ args: process.argv.slice(2).filter((arg) => arg !== "--"), options: { runs: { type: "string" }, requests: { type: "string" }, "state-dir": { type: "string" }, keep: { type: "boolean" }, node: { type: "string" } } });
  const node = values.node ?? process.execPath;
  const runs = Number(values.runs ?? "10000");
  const requests = Number(values.requests ?? "200");
  const loadAtStart = loadavg();
  const work = mkdtempSync(join(tmpdir(), "flywheel-bench-api-"));
  const directory = values["state-dir"] ?? join(work, "state");
  const tokenFile = join(work, "read-token");
  writeFileSync(tokenFile, `${token}\n`);
  let service: Service | undefined;
  let seeded = "served as found";
  try {
    mkdirSync(directory, { recursive: true });
    if (!existsSync(join(directory, "flywheel_runs")) || runIds(directory).length === 0) {
      process.stderr.write(`seeding ${runs} runs into ${directory} ...\n`);
      const seedSeconds = seed(directory, runs);
      seeded = `seeded in ${seedSeconds.toFixed(1)} s, indexed in ${(await buildIndexes(directory, runIds(directory)[0])).toFixed(1)} s`;
    }
    const ids = runIds(directory);
    service = await startService(node, directory, tokenFile);
    process.stderr.write(`serving ${ids.length} runs at ${service.url}; ${requests} rounds of requests ...\n`);
    const rows = [...(await measure(service, ids, requests)), ...(await measurePages(service, ids, requests))];
    const rssKb = peakRssKb(service.child.pid ?? 0);
    process.stdout.write(`flywheel serve on Node.js ${execFileSync(node, ["--version"], { encoding: "utf8" }).trim()} with NODE_OPTIONS="${serviceNodeOptions}" over ${ids.length.toLocaleString("en-US")} runs (JSON-file store, ${seeded})\n${render(rows, rssKb)}\n`);
    const loads = (averages: readonly number[]): string => averages.map((load) => load.toFixed(2)).join(", ");
    process.stdout.write(`load average (1, 5, 15 min) on ${availableParallelism()} CPUs: ${loads(loadAtStart)} at the start, ${loads(loadavg())} at the end\n`);
  } catch (error) {
    process.stderr.write(`bench:api failed: ${error instanceof Error ? error.message : String(error)}\n`);
  } finally {
    service?.child.kill("SIGTERM");
    if (values.keep) {
      process.stderr.write(`kept ${work}\n`);
    } else {
      if (values["state-dir"] === undefined) {
        rmSync(directory, { recursive: true, force: true });
      }
      rmSync(work, { recursive: true, force: true });
    }
  }
}

void main();
