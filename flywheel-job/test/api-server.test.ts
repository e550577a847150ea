import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { InProcessGpuBudget, InProcessRunLocks } from "../src/budget/in-process-budget";
import type { ShutdownRequests } from "../src/cli/command";
import { main } from "../src/cli/main";
import { parseJobConfig } from "../src/config/job-config";
import { ExitCode } from "../src/errors";
import { streamLog } from "../src/log";
import { JsonlLogSource } from "../src/logs/jsonl-log-source";
import { runFlywheel } from "../src/run/run-flywheel";
import { JsonFileRecordStore } from "../src/store/json-file-record-store";
import { pendingEvaluation, pendingNim, pendingRun } from "../src/store/records";
import { RunStore } from "../src/store/run-store";
import { BlueprintAnswers } from "./support/blueprint-contract";
import { eventually } from "./support/eventually";
import { ServedOpenApi } from "./support/served-openapi";
import { largerModel, smallModel, toolWorkload } from "./support/flywheel-fixture";
import { InMemoryPlatform } from "./support/in-memory-platform";
import { temporaryDirectory, toolLogs, writeLogFile } from "./support/logs";

const readToken = "read-token-for-the-api-test";
const operatorToken = "operator-token-for-the-api-test";


interface Serving {
  readonly url: string;
  readonly stderr: () => string;
  /** Sends the command SIGTERM's abort and waits for its exit code. */
  readonly stop: () => Promise<number>;
}

function tokenFiles(directory: string): string[] {
  const read = join(directory, "read-token");
  const operator = join(directory, "operator-token");
  writeFileSync(read, `${readToken}\n`);
  writeFileSync(operator, `${operatorToken}\n`);
  return ["--read-token-file", read, "--operator-token-file", operator];
}

function runServe(argv: readonly string[]): { readonly exited: Promise<number>; readonly stderr: () => string; readonly abort: () => void } {
  let stderr = "";
  const controller = new AbortController();
  const shutdown: ShutdownRequests = { signal: controller.signal, handleGracefully: () => undefined };
  const exited = main(["serve", ...argv], { stdout: { write: () => true }, stderr: { write: (text: string) => (stderr += text) }, env: { HOME: temporaryDirectory() }, cwd: temporaryDirectory(), shutdown });
  return { exited, stderr: () => stderr, abort: () => controller.abort("SIGTERM") };
}

async function serve(stateDirectory: string): Promise<Serving> {
  const running = runServe(["--state-dir", stateDirectory, "--port", "0", ...tokenFiles(temporaryDirectory())]);
  const listening = (): string | undefined => /flywheel API listening on (http:\/\/\S+) /.exec(running.stderr())?.[1];
  await Promise.race([eventually(() => listening() !== undefined, "the API to listen"), running.exited.then((code) => Promise.reject(new Error(`serve exited with ${code}: ${running.stderr()}`)))]);
  return {
    url: (listening() ?? "").replace("localhost", "127.0.0.1"),
    stderr: running.stderr,
    stop: async () => {
      running.abort();
      return running.exited;
    },
  };
}

/** The served OpenAPI document, once a server answers it: every answer `get` receives is checked against it. */
let served: ServedOpenApi | undefined;

async function loadServedDocument(base: string, token: string): Promise<void> {
  const response = await fetch(`${base}/api/openapi.json`, { headers: { authorization: `Bearer ${token}` } });
  served = new ServedOpenApi((await response.json()) as Record<string, unknown>);
}

async function get(url: string, token?: string, authorization = token === undefined ? undefined : `Bearer ${token}`): Promise<{ readonly status: number; readonly body: unknown }> {
  const response = await fetch(url, { headers: authorization === undefined ? {} : { authorization } });
  const body: unknown = await response.json();
  expect(served?.problem("GET", new URL(url).pathname, response.status, body)).toBeUndefined();
  return { status: response.status, body };
}

const blueprintAnswers = new BlueprintAnswers();

describe("flywheel serve", () => {
  const stateDirectory = temporaryDirectory();
  const started = new Date("2026-03-01T10:00:00.000Z");
  const young = pendingRun({ workload_id: "support", client_id: "acme", started_at: started, seed: 7, targets: {}, gpu_hourly_cost: null, job: null });
  const older = pendingRun({ workload_id: "support", client_id: "acme", started_at: new Date("2026-02-28T10:00:00.000Z"), seed: 3, targets: {}, gpu_hourly_cost: null, job: null });
  let serving: Serving;

  beforeAll(async () => {
    // Written through the store's own API, as a run writes them.
    const store = new RunStore(new JsonFileRecordStore(stateDirectory));
    await store.insertRun(young);
    await store.insertRun(older);
    await store.updateRun(older.id, { status: "completed", finished_at: new Date("2026-02-28T11:00:00.000Z"), num_records: 50 });
    const nim = pendingNim({ flywheel_run_id: older.id, model_name: "meta/llama-3.2-1b-instruct", gpus: 1 });
    await store.insertNim(nim);
    await store.updateNim(nim.id, { status: "completed", deployment_status: "deleted", started_at: started, finished_at: started, runtime_seconds: 42 });
    const evaluation = pendingEvaluation({ nim_id: nim.id, eval_type: "base-eval" });
    await store.insertEvaluation(evaluation);
    await store.updateEvaluation(evaluation.id, { status: "completed", scores: { similarity: 0.9 }, progress: 100, started_at: started, runtime_seconds: 10 });
    await store.close();
    serving = await serve(stateDirectory);
    await loadServedDocument(serving.url, readToken);
  });

  afterAll(async () => {
    expect(await serving.stop()).toBe(ExitCode.ok);
    expect(serving.stderr()).toContain("flywheel API stopped");
  });

  it("lists the runs, newest first, in the blueprint's JobsListResponse", async () => {
    const { status, body } = await get(`${serving.url}/api/jobs`, readToken);
    expect(status).toBe(200);
    blueprintAnswers.record("JobsListResponse", body);
    expect(body).toMatchObject({ jobs: [{ id: young.id, status: "queued" }, { id: older.id, status: "completed" }] });
  });

  it("shows a run in the blueprint's JobDetailResponse, young or finished", async () => {
    const youngDetail = await get(`${serving.url}/api/jobs/${young.id}`, operatorToken);
    expect(youngDetail.status).toBe(200);
    blueprintAnswers.record("JobDetailResponse", youngDetail.body);
    expect(youngDetail.body).toMatchObject({ id: young.id, status: "queued", num_records: 0, nims: [] });
    // A queued run's seed is the Job's to record.
    expect(youngDetail.body).not.toHaveProperty("flywheel_seed");

    const olderDetail = await get(`${serving.url}/api/jobs/${older.id}`, readToken);
    expect(olderDetail.status).toBe(200);
    blueprintAnswers.record("JobDetailResponse", olderDetail.body);
    expect(olderDetail.body).toMatchObject({
      status: "completed",
      num_records: 50,
      nims: [{ status: "completed", deployment_status: "completed", runtime_seconds: 42, evaluations: [{ eval_type: "base-eval", scores: { similarity: 0.9 } }] }],
    });
  });

  it("answers 400 for an id that is not an id and 404 for an unknown one", async () => {
    expect((await get(`${serving.url}/api/jobs/not-an-id`, readToken)).status).toBe(400);
    expect(await get(`${serving.url}/api/jobs/${"0".repeat(24)}`, readToken)).toEqual({ status: 404, body: { detail: `Job with ID ${"0".repeat(24)} not found` } });
  });

  it("refuses /api without a token or with a malformed header (401), and a wrong token (403), without saying more", async () => {
    for (const authorization of [undefined, "Basic abc", "Bearer", `Bearer ${readToken} extra`, readToken]) {
      expect(await get(`${serving.url}/api/jobs`, undefined, authorization)).toEqual({ status: 401, body: { detail: "Not authenticated" } });
    }
    expect(await get(`${serving.url}/api/jobs`, "wrong-token")).toEqual({ status: 403, body: { detail: "Forbidden" } });
    expect(await get(`${serving.url}/api/jobs/${young.id}`, `${readToken}x`)).toEqual({ status: 403, body: { detail: "Forbidden" } });
  });

  it("answers health without a token, and readiness once the store answers", async () => {
    expect(await get(`${serving.url}/healthz`)).toEqual({ status: 200, body: { status: "ok" } });
    expect(await get(`${serving.url}/readyz`)).toEqual({ status: 200, body: { status: "ready" } });
  });

  it("answers 404 for a path it does not serve and 405 for a method it does not take", async () => {
    const nothing = await fetch(`${serving.url}/api/nothing`, { headers: { authorization: `Bearer ${readToken}` } });
    expect({ status: nothing.status, body: await nothing.json() }).toEqual({ status: 404, body: { detail: "Not Found" } });
    const put = await fetch(`${serving.url}/api/jobs`, { method: "PUT", headers: { authorization: `Bearer ${operatorToken}` } });
    expect(put.status).toBe(405);
    expect(put.headers.get("allow")).toBe("GET, POST");
    await put.body?.cancel();
  });

  it("without a cluster, serves the runs but answers 503 for starting a run and for the workloads", async () => {
    const needsCluster = { detail: expect.stringContaining("needs the cluster") };
    expect(await get(`${serving.url}/api/workloads`, readToken)).toEqual({ status: 503, body: needsCluster });
    const posted = await fetch(`${serving.url}/api/jobs`, { method: "POST", headers: { authorization: `Bearer ${operatorToken}` }, body: JSON.stringify({ workload_id: "support", client_id: "acme" }) });
    const postedBody: unknown = await posted.json();
    expect(served?.problem("POST", "/api/jobs", posted.status, postedBody)).toBeUndefined();
    expect({ status: posted.status, body: postedBody }).toEqual({ status: 503, body: needsCluster });
    expect(serving.stderr()).toContain("no Kubernetes configuration");
  });
});

describe("flywheel serve's token files", () => {
  it("stops with exit code 2 and a clear message when a token file is missing or empty, or none is given", async () => {
    const directory = temporaryDirectory();
    const empty = join(directory, "empty");
    writeFileSync(empty, "\n");

    const missing = runServe(["--state-dir", directory, "--read-token-file", join(directory, "absent")]);
    expect(await missing.exited).toBe(ExitCode.usage);
    expect(missing.stderr()).toContain("--read-token-file");

    const blank = runServe(["--state-dir", directory, "--operator-token-file", empty]);
    expect(await blank.exited).toBe(ExitCode.usage);
    expect(blank.stderr()).toContain("the file is empty");

    const none = runServe(["--state-dir", directory]);
    expect(await none.exited).toBe(ExitCode.usage);
    expect(none.stderr()).toContain("no API token");
  });
});

/** A whole run of the job, on the in-memory platform, recorded in a state directory. */
async function recordRealRun(stateDirectory: string): Promise<string> {
  const directory = temporaryDirectory();
  const platform = new InMemoryPlatform();
  platform.evaluationBehaviour.set(smallModel.model, { results: { functionNameAccuracy: 0.97, functionNameAndArgsAccuracy: 0.86 } });
  platform.evaluationBehaviour.set(largerModel.model, { results: { functionNameAccuracy: 0.99, functionNameAndArgsAccuracy: 0.96 } });
  const store = new RunStore(new JsonFileRecordStore(stateDirectory));
  const logs = toolLogs(60, ["lookup_order", "issue_refund", "escalate_to_human"], { workload: toolWorkload.workloadId, client: toolWorkload.clientId });
  const config = parseJobConfig(
    {
      ...toolWorkload,
      data: { limit: 30, evalSize: 6, minTotalRecords: 10, seed: 7 },
      candidates: [{ ...smallModel }, { ...largerModel }],
      judge: { url: "https://judge.example.com/v1/chat/completions", modelId: "judge/llama-3.3-70b-instruct" },
      targets: { function_name_and_args_accuracy: 0.9 },
      gpuHourlyCost: 2,
      gpuBudget: { gpus: 2, leaseSeconds: 2, waitMinutes: 1 },
      polling: { minSeconds: 0.005, maxSeconds: 0.02 },
      stallTimeouts: { deploymentMinutes: 0.5, customizationMinutes: 0.5, evaluationMinutes: 0.5 },
    },
    "test config",
  );
  const outcome = await runFlywheel(
    { config, ...toolWorkload, workDirectory: join(directory, "work") },
    {
      store,
      budget: new InProcessGpuBudget(2),
      locks: new InProcessRunLocks(),
      platform,
      models: { checkChatModel: () => Promise.resolve(), embed: () => Promise.reject(new Error("ICL examples are selected uniformly: nothing is embedded")) },
      logSource: new JsonlLogSource(writeLogFile(logs, directory)),
      log: streamLog({ write: () => true }),
    },
    new AbortController().signal,
  );
  expect(outcome).toMatchObject({ status: "completed" });
  const [run] = await store.listRuns();
  await store.close();
  return run.id;
}

describe("a run recorded by the job, served by flywheel serve", () => {
  it("is answered in the blueprint's shapes, with this project's report", async () => {
    const stateDirectory = join(temporaryDirectory(), "state");
    const runId = await recordRealRun(stateDirectory);
    const tokenFile = join(temporaryDirectory(), "read-token");
    writeFileSync(tokenFile, "a-read-token\n");

    let stderr = "";
    const controller = new AbortController();
    const exited = main(["serve", "--state-dir", stateDirectory, "--port", "0", "--read-token-file", tokenFile], {
      stdout: { write: () => true },
      stderr: { write: (text: string) => (stderr += text) },
      env: { HOME: temporaryDirectory() },
      cwd: temporaryDirectory(),
      shutdown: { signal: controller.signal, handleGracefully: () => undefined },
    });
    const listening = (): string | undefined => /flywheel API listening on http:\/\/\S+:(\d+) /.exec(stderr)?.[1];
    await eventually(() => listening() !== undefined, "the API to listen");
    const base = `http://127.0.0.1:${listening() ?? ""}`;
    const headers = { authorization: "Bearer a-read-token" };
    await loadServedDocument(base, "a-read-token");

    try {
      const list = await fetch(`${base}/api/jobs`, { headers });
      const listBody: unknown = await list.json();
      expect(list.status).toBe(200);
      expect(served?.problem("GET", "/api/jobs", 200, listBody)).toBeUndefined();
      blueprintAnswers.record("JobsListResponse", listBody);
      expect(listBody).toMatchObject({ jobs: [{ id: runId, status: "completed", workload_id: toolWorkload.workloadId }] });

      const detail = await fetch(`${base}/api/jobs/${runId}`, { headers });
      const detailBody: unknown = await detail.json();
      expect(detail.status).toBe(200);
      expect(served?.problem("GET", `/api/jobs/${runId}`, 200, detailBody)).toBeUndefined();
      blueprintAnswers.record("JobDetailResponse", detailBody);
      expect(detailBody).toMatchObject({
        id: runId,
        num_records: 30,
        nims: [
          { status: "completed", deployment_status: "completed" },
          { status: "completed", deployment_status: "completed" },
        ],
        flywheel_seed: 7,
        flywheel_report: { workload_type: "tool_calling" },
      });
    } finally {
      controller.abort("SIGTERM");
      expect(await exited).toBe(ExitCode.ok);
    }
  });
});

blueprintAnswers.describeCheck("flywheel serve, against the blueprint's schemas");
