import { join } from "node:path";
import { InProcessGpuBudget, InProcessRunLocks } from "../src/budget/in-process-budget";
import type { RunLocks } from "../src/budget/gpu-budget";
import { main } from "../src/cli/main";
import { type FlywheelJobConfigInput, parseJobConfig } from "../src/config/job-config";
import { ExitCode, FlywheelError } from "../src/errors";
import { streamLog } from "../src/log";
import { JsonlLogSource } from "../src/logs/jsonl-log-source";
import { adoptRun } from "../src/run/pending-run";
import type { RunServices, RunSettings } from "../src/run/run-context";
import { runFlywheel } from "../src/run/run-flywheel";
import { newRecordId } from "../src/store/ids";
import { JsonFileRecordStore } from "../src/store/json-file-record-store";
import { type DataSplitOverrides, pendingRun, type RunRecord } from "../src/store/records";
import { RunStore } from "../src/store/run-store";
import { smallModel, toolWorkload } from "./support/flywheel-fixture";
import { InMemoryPlatform } from "./support/in-memory-platform";
import { temporaryDirectory, toolLogs, writeLogFile } from "./support/logs";

/**
 * `flywheel run --run-id`: the Job `POST /api/jobs` creates adopts the pending run the API recorded,
 * with its curation overrides, on the in-memory platform and a real state directory. What the API
 * records is written here as it writes it (`pendingRun` with `data_split_overrides`).
 */

interface Scenario {
  readonly platform: InMemoryPlatform;
  readonly store: RunStore;
  readonly stateDirectory: string;
  readonly services: RunServices;
  readonly log: string[];
  readonly workDirectory: string;
}

function scenario(locks: RunLocks = new InProcessRunLocks()): Scenario {
  const directory = temporaryDirectory();
  const stateDirectory = join(directory, "state");
  const platform = new InMemoryPlatform();
  const store = new RunStore(new JsonFileRecordStore(stateDirectory));
  const log: string[] = [];
  const services: RunServices = {
    store,
    budget: new InProcessGpuBudget(2),
    locks,
    platform,
    models: { checkChatModel: () => Promise.resolve(), embed: () => Promise.reject(new Error("ICL examples are selected uniformly: nothing is embedded")) },
    logSource: new JsonlLogSource(writeLogFile(toolLogs(60, ["lookup_order", "issue_refund", "escalate_to_human"], { workload: toolWorkload.workloadId, client: toolWorkload.clientId }), directory)),
    log: streamLog({ write: (text: string) => log.push(text) }),
  };
  return { platform, store, stateDirectory, services, log, workDirectory: join(directory, "work") };
}

/** The workload's configuration: 30 records, 6 of them for evaluation, seed 7; one candidate, not fine-tuned. */
const workloadConfig: FlywheelJobConfigInput = {
  ...toolWorkload,
  data: { limit: 30, evalSize: 6, minTotalRecords: 10, seed: 7 },
  candidates: [{ ...smallModel, customize: false }],
  judge: { url: "https://judge.example.com/v1/chat/completions", modelId: "judge/llama-3.3-70b-instruct" },
  targets: { function_name_and_args_accuracy: 0.9 },
  gpuHourlyCost: 2,
  gpuBudget: { gpus: 2, leaseSeconds: 2, waitMinutes: 1 },
  polling: { minSeconds: 0.005, maxSeconds: 0.02 },
  stallTimeouts: { deploymentMinutes: 0.5, customizationMinutes: 0.5, evaluationMinutes: 0.5 },
};

const job = { name: "flywheel-support-agent-manual-x7k2p", uid: "6f1c2b9e-0d3a-4e5f-8a7b-1c2d3e4f5a6b", namespace: "flywheel" };

/** When the API recorded the run: well before the Job starts. */
const recordedAt = new Date("2026-01-05T09:00:00.000Z");

/** A pending run as `POST /api/jobs` records it; its seed and targets are what the API knew, which the Job replaces with its own. */
async function recordPending(at: Scenario, overrides: DataSplitOverrides = {}, pair: { readonly workload_id: string; readonly client_id: string } = { workload_id: toolWorkload.workloadId, client_id: toolWorkload.clientId }): Promise<RunRecord> {
  const run = pendingRun({ ...pair, started_at: recordedAt, seed: 0, targets: {}, gpu_hourly_cost: null, job: null, data_split_overrides: overrides });
  await at.store.insertRun(run);
  return run;
}

function settings(at: Scenario, runId: string): RunSettings {
  return { config: parseJobConfig(workloadConfig, "test config"), ...toolWorkload, job, runId, workDirectory: at.workDirectory };
}

function runOnDemand(at: Scenario, runId: string) {
  return runFlywheel(settings(at, runId), at.services, new AbortController().signal);
}

/** What the run ended with when it threw: the error's message and exit code. */
async function failureOf(running: Promise<unknown>): Promise<{ readonly message: string; readonly exitCode: number }> {
  const error = await running.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof FlywheelError)) {
    throw new Error(`expected the run to fail with a FlywheelError, got ${String(error)}`);
  }
  return { message: error.message, exitCode: error.exitCode };
}

async function recordOf(at: Scenario, id: string): Promise<RunRecord | undefined> {
  return at.store.getRun(id);
}

describe("flywheel run --run-id: adopting the pending run POST /api/jobs recorded", () => {
  it("runs it under its own id and started_at, with this Job's seed, targets, GPU price and Job recorded", async () => {
    const at = scenario();
    const pending = await recordPending(at);
    const outcome = await runOnDemand(at, pending.id);

    expect(outcome).toMatchObject({ runId: pending.id, status: "completed", exitCode: ExitCode.ok });
    const runs = await at.store.listRuns();
    expect(runs.map((run) => run.id)).toEqual([pending.id]);
    expect(runs[0]).toMatchObject({ status: "completed", started_at: recordedAt, seed: 7, targets: { function_name_and_args_accuracy: 0.9 }, gpu_hourly_cost: 2, job, num_records: 30, error: null });
    expect(runs[0].finished_at).toBeInstanceOf(Date);
    const details = await at.store.details(pending.id);
    expect(details?.nims.map((nim) => [nim.model_name, nim.status])).toEqual([[smallModel.model, "completed"]]);
    expect(at.log.join("")).toContain(`run ${pending.id} of workload "support-agent", client "web" adopted (recorded 2026-01-05T09:00:00.000Z)`);
  });

  it("applies the run's data_split_overrides for this run only; keys left out keep the workload's values", async () => {
    const at = scenario();
    const pending = await recordPending(at, { seed: 11, evalSize: 4 });
    expect(await runOnDemand(at, pending.id)).toMatchObject({ status: "completed" });

    const record = await recordOf(at, pending.id);
    expect(record).toMatchObject({ seed: 11, num_records: 30 });
    expect(record?.datasets.map((d) => [d.kind, d.num_records])).toEqual([
      ["eval", 4],
      ["icl", 4],
      ["train", 26],
    ]);

    // The pair's next scheduled run has the workload's values again.
    expect(await runFlywheel({ config: parseJobConfig(workloadConfig, "test config"), ...toolWorkload, workDirectory: at.workDirectory }, at.services, new AbortController().signal)).toMatchObject({ status: "completed" });
    const [next] = await at.store.listRuns();
    expect(next.id).not.toBe(pending.id);
    expect(next.seed).toBe(7);
    expect(next.datasets.find((d) => d.kind === "eval")?.num_records).toBe(6);
  });

  it("closes the run as failed, and exits 2, when its overrides break a rule across keys of the job's schema", async () => {
    const at = scenario();
    const pending = await recordPending(at, { evalSize: 30 });
    const failure = await failureOf(runOnDemand(at, pending.id));

    expect(failure.exitCode).toBe(ExitCode.usage);
    expect(failure.message).toContain(`with the overrides of run ${pending.id} (data.evalSize: 30)`);
    const record = await recordOf(at, pending.id);
    expect(record?.status).toBe("failed");
    expect(record?.error).toContain("data.evalSize: must be smaller than data.limit (30), or nothing is left to train on");
    expect(record?.finished_at).toBeInstanceOf(Date);
    expect(at.platform.datasets.size).toBe(0);
    expect(await at.store.details(pending.id)).toMatchObject({ nims: [], judgeRuns: [] });
  });
});

describe("flywheel run --run-id: refusing a run that is not its to adopt", () => {
  const refusals: readonly { readonly name: string; readonly prepare: (at: Scenario) => Promise<string>; readonly says: RegExp }[] = [
    { name: "an unknown id", prepare: () => Promise.resolve(newRecordId()), says: /^--run-id [0-9a-f]{24}: there is no run [0-9a-f]{24} in state directory / },
    {
      name: "a run of another pair",
      prepare: async (at) => (await recordPending(at, {}, { workload_id: "ticket-summary", client_id: "web" })).id,
      says: /belongs to workload "ticket-summary", client "web", not to this Job's workload "support-agent", client "web"$/,
    },
    {
      name: "a run that is not pending (it failed)",
      prepare: async (at) => {
        const { id } = await recordPending(at);
        await at.store.failPendingRun(id, "its Job did not start it before the next run of the pair", new Date());
        return id;
      },
      says: /is failed, not pending: only a pending run can be adopted$/,
    },
    {
      name: "a run another Job already adopted",
      prepare: async (at) => {
        const { id } = await recordPending(at);
        await at.store.adoptPendingRun(id, toolWorkload, { job: { ...job, name: "another-job" } });
        return id;
      },
      says: /is running, not pending: only a pending run can be adopted$/,
    },
  ];

  it.each(refusals)("refuses $name with exit code 2 and leaves every record as it was", async ({ prepare, says }) => {
    const at = scenario();
    const id = await prepare(at);
    const before = await at.store.listRuns();
    const failure = await failureOf(runOnDemand(at, id));

    expect(failure.exitCode).toBe(ExitCode.usage);
    expect(failure.message).toMatch(says);
    expect(await at.store.listRuns()).toEqual(before);
    expect(at.platform.deployments.created).toEqual([]);
  });

  it("refuses an id that is not 24 hexadecimal digits before reading anything", async () => {
    let stderr = "";
    const code = await main(["run", "--workload", "support-agent", "--client", "web", "--run-id", "65A1C2E4B0F1A2B3C4D5E6F7"], {
      stdout: { write: () => true },
      stderr: { write: (text: string) => (stderr += text) },
      env: {},
      cwd: temporaryDirectory(),
    });
    expect(code).toBe(ExitCode.usage);
    expect(stderr).toBe('flywheel: error: --run-id: expected a run id (24 hexadecimal digits, lower case), got "65A1C2E4B0F1A2B3C4D5E6F7"\n');
  });

  it("says, when it fails before reaching the store, that the API closes the pending run after its start timeout", async () => {
    let stderr = "";
    const code = await main(["run", "--workload", "support-agent", "--client", "web", "--run-id", newRecordId()], {
      stdout: { write: () => true },
      stderr: { write: (text: string) => (stderr += text) },
      env: {},
      cwd: temporaryDirectory(),
    });
    expect(code).toBe(ExitCode.usage);
    expect(stderr).toMatch(/^flywheel: error: --config is required: .*\n {2}- run [0-9a-f]{24} was not started: it stays pending until the Flywheel API closes it as failed after its start timeout \(flywheel\.startTimeoutMinutes\)\n$/);
  });
});

describe("flywheel run --run-id: failing or cancelled before adopting", () => {
  it("closes the pending run as failed when another run of the pair holds the lock", async () => {
    const locks = new InProcessRunLocks();
    const at = scenario(locks);
    const held = await locks.lock(toolWorkload.workloadId, toolWorkload.clientId);
    const pending = await recordPending(at);
    const failure = await failureOf(runOnDemand(at, pending.id));
    await held?.release();

    expect(failure).toEqual({ exitCode: ExitCode.transient, message: 'another run of workload "support-agent" and client "web" is in progress; only one runs at a time' });
    expect(await recordOf(at, pending.id)).toMatchObject({ status: "failed", error: failure.message, started_at: recordedAt });
    expect((await recordOf(at, pending.id))?.finished_at).toBeInstanceOf(Date);
  });

  it("ends as cancelled, exit code 4, when the run was cancelled while pending, and marks it finished", async () => {
    const at = scenario();
    const pending = await recordPending(at);
    expect(await at.store.requestCancel(pending.id)).toMatchObject({ changed: true });
    const failure = await failureOf(runOnDemand(at, pending.id));

    expect(failure).toEqual({ exitCode: ExitCode.cancelled, message: `run ${pending.id} was cancelled before its Job started it` });
    const record = await recordOf(at, pending.id);
    expect(record).toMatchObject({ status: "cancelled", error: "cancelled before its Job started it" });
    expect(record?.finished_at).toBeInstanceOf(Date);
    expect(at.platform.deployments.created).toEqual([]);
  });

  it("ends as cancelled when the cancel arrives while it waits for the pair's lock", async () => {
    // The cancel comes from another process while this Job waits for the lock, after it read its run.
    const cancel: { run?: () => Promise<unknown> } = {};
    const inProcess = new InProcessRunLocks();
    const cancellingWhileWaiting: RunLocks = {
      lock: async (workloadId, clientId) => {
        await cancel.run?.();
        return inProcess.lock(workloadId, clientId);
      },
    };
    const at = scenario(cancellingWhileWaiting);
    const cancelId = (await recordPending(at)).id;
    cancel.run = () => at.store.requestCancel(cancelId);
    const failure = await failureOf(runOnDemand(at, cancelId));

    expect(failure.exitCode).toBe(ExitCode.cancelled);
    const record = await recordOf(at, cancelId);
    expect(record?.status).toBe("cancelled");
    expect(record?.finished_at).toBeInstanceOf(Date);
    expect(await at.store.details(cancelId)).toMatchObject({ nims: [], judgeRuns: [] });
  });

  it("is closed by the pair's next run with the reason that its Job never started it", async () => {
    const at = scenario();
    const pending = await recordPending(at);
    expect(await runFlywheel({ config: parseJobConfig(workloadConfig, "test config"), ...toolWorkload, workDirectory: at.workDirectory }, at.services, new AbortController().signal)).toMatchObject({ status: "completed" });

    expect(await recordOf(at, pending.id)).toMatchObject({ status: "failed", error: "its Job did not start it before the next run of the pair" });
    expect(at.log.join("")).toContain(`closed runs of the pair whose Job never started them: ${pending.id}`);
  });
});

describe("flywheel run --run-id: two Jobs with the same run", () => {
  it("lets exactly one of two adopters racing on one state directory adopt it", async () => {
    const at = scenario();
    const pending = await recordPending(at);
    // Two processes: each its own store over the same directory.
    const stores = [new RunStore(new JsonFileRecordStore(at.stateDirectory)), new RunStore(new JsonFileRecordStore(at.stateDirectory))];
    const results = await Promise.allSettled(stores.map((store, i) => adoptRun(store, pending.id, toolWorkload, { job: { ...job, name: `job-${i}` } })));

    expect(results.map((result) => result.status).sort()).toEqual(["fulfilled", "rejected"]);
    const winner = results.findIndex((result) => result.status === "fulfilled");
    const loser = results.find((result) => result.status === "rejected");
    expect(loser?.status === "rejected" && loser.reason instanceof FlywheelError ? loser.reason.exitCode : undefined).toBe(ExitCode.usage);
    expect(await recordOf(at, pending.id)).toMatchObject({ status: "running", job: { name: `job-${winner}` } });
  });

  it("runs it once when two Jobs that share no lock start together", async () => {
    const at = scenario();
    const pending = await recordPending(at);
    const other: RunServices = { ...at.services, store: new RunStore(new JsonFileRecordStore(at.stateDirectory)), locks: new InProcessRunLocks() };
    const results = await Promise.allSettled([runOnDemand(at, pending.id), runFlywheel(settings(at, pending.id), other, new AbortController().signal)]);

    const completed = results.filter((result) => result.status === "fulfilled" && result.value.status === "completed");
    const refused = results.filter((result) => result.status === "rejected" && result.reason instanceof FlywheelError && result.reason.exitCode === ExitCode.usage);
    expect([completed.length, refused.length]).toEqual([1, 1]);
    expect(await recordOf(at, pending.id)).toMatchObject({ status: "completed", started_at: recordedAt });
    expect((await at.store.details(pending.id))?.nims).toHaveLength(1);
  });
});
