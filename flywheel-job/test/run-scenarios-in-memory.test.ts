import { join } from "node:path";
import { InProcessGpuBudget, InProcessRunLocks } from "../src/budget/in-process-budget";
import { type FlywheelJobConfigInput, parseJobConfig } from "../src/config/job-config";
import { streamLog } from "../src/log";
import { JsonlLogSource } from "../src/logs/jsonl-log-source";
import type { RunServices } from "../src/run/run-context";
import { runFlywheel } from "../src/run/run-flywheel";
import { JsonFileRecordStore } from "../src/store/json-file-record-store";
import type { RunDetails } from "../src/store/run-store";
import { RunStore } from "../src/store/run-store";
import { eventually } from "./support/eventually";
import { largerModel, smallModel, toolWorkload } from "./support/flywheel-fixture";
import { InMemoryPlatform } from "./support/in-memory-platform";
import { temporaryDirectory, toolLogs, withEarlierToolCall, writeLogFile } from "./support/logs";

/**
 * The run's scenarios against a model platform held in memory (`support/in-memory-platform.ts`):
 * the pipeline, unchanged, on a second implementation of its platform port. They assert what the
 * scenarios against the NeMo and Kubernetes stand-ins (`run-scenarios.test.ts`) assert of the same
 * runs — the records, the report, nothing left running — without the wire.
 */

interface Scenario {
  readonly platform: InMemoryPlatform;
  readonly store: RunStore;
  readonly budget: InProcessGpuBudget;
  readonly services: RunServices;
  readonly log: string[];
  readonly workDirectory: string;
}

function scenario(options: { readonly canFineTune?: boolean } = {}): Scenario {
  const directory = temporaryDirectory();
  const logs = toolLogs(60, ["lookup_order", "issue_refund", "escalate_to_human"], { workload: toolWorkload.workloadId, client: toolWorkload.clientId }).map((document, i) =>
    i % 3 === 0 ? document : withEarlierToolCall(document, i % 3 === 1 ? "string" : "object"),
  );
  const platform = new InMemoryPlatform(options);
  const store = new RunStore(new JsonFileRecordStore(join(directory, "state")));
  const budget = new InProcessGpuBudget(2);
  const log: string[] = [];
  const services: RunServices = {
    store,
    budget,
    locks: new InProcessRunLocks(),
    platform,
    models: {
      checkChatModel: () => Promise.resolve(),
      embed: () => Promise.reject(new Error("these scenarios select ICL examples uniformly: nothing is embedded")),
    },
    logSource: new JsonlLogSource(writeLogFile(logs, directory)),
    log: streamLog({ write: (text: string) => log.push(text) }),
  };
  return { platform, store, budget, services, log, workDirectory: join(directory, "work") };
}

/** A job configuration like the stand-in scenarios': polling in milliseconds, a budget of 2 GPUs. */
function config(overrides: Partial<FlywheelJobConfigInput> = {}): FlywheelJobConfigInput {
  return {
    ...toolWorkload,
    data: { limit: 30, evalSize: 6, minTotalRecords: 10, seed: 7 },
    candidates: [{ ...smallModel }, { ...largerModel }],
    judge: { url: "https://judge.example.com/v1/chat/completions", modelId: "judge/llama-3.3-70b-instruct" },
    targets: { function_name_and_args_accuracy: 0.9 },
    gpuHourlyCost: 2,
    gpuBudget: { gpus: 2, leaseSeconds: 2, waitMinutes: 1 },
    polling: { minSeconds: 0.005, maxSeconds: 0.02 },
    stallTimeouts: { deploymentMinutes: 0.5, customizationMinutes: 0.5, evaluationMinutes: 0.5 },
    ...overrides,
  };
}

function run(at: Scenario, input: FlywheelJobConfigInput, shutdown = new AbortController().signal) {
  return runFlywheel({ config: parseJobConfig(input, "test config"), ...toolWorkload, workDirectory: at.workDirectory }, at.services, shutdown);
}

async function details(at: Scenario): Promise<RunDetails> {
  const [only] = await at.store.listRuns();
  const found = await at.store.details(only.id);
  if (found === undefined) {
    throw new Error(`run ${only.id} has no records`);
  }
  return found;
}

/** Nothing a run holds is left: no deployment, no running evaluation or fine-tune, no held GPUs. */
function expectNothingLeft(at: Scenario): void {
  expect([...at.platform.deployments.live.keys()]).toEqual([]);
  expect(at.platform.activeJobs()).toEqual([]);
  expect(at.budget.heldGpus).toBe(0);
}

const nimOf = (run: RunDetails, model: string) => run.nims.find((nim) => nim.model_name === model);

describe("a run on an in-memory platform", () => {
  it("publishes the datasets, evaluates every candidate, fine-tunes one, ranks the promotable ones by GPU cost and leaves nothing behind", async () => {
    const at = scenario();
    at.platform.evaluationBehaviour.set(smallModel.model, { results: { functionNameAccuracy: 0.97, functionNameAndArgsAccuracy: 0.86 } });
    at.platform.evaluationBehaviour.set(largerModel.model, { results: { functionNameAccuracy: 0.99, functionNameAndArgsAccuracy: 0.96 } });
    const outcome = await run(at, config());

    expect(outcome).toMatchObject({ status: "completed", exitCode: 0 });
    const { run: record, nims, evaluations, customizations } = await details(at);
    expect(record).toMatchObject({ status: "completed", workload_type: "tool_calling", num_records: 30, error: null, seed: 7 });
    expect(record.finished_at).toBeInstanceOf(Date);
    expect(record.datasets.map((d) => `${d.kind} ${d.name} ${d.num_records}`)).toEqual([
      `eval flywheel-eval-support-agent-${record.id} 6`,
      `icl flywheel-icl-support-agent-${record.id} 6`,
      `train flywheel-train-support-agent-${record.id} 24`,
    ]);
    expect(at.platform.datasets.get(`flywheel-train-support-agent-${record.id}`)?.lines).toEqual({ training: 22, validation: 2 });

    expect([smallModel.model, largerModel.model].map((model) => nims.find((nim) => nim.model_name === model)).map((nim) => [nim?.status, nim?.deployment_status, nim?.nim_service])).toEqual([
      ["completed", "deleted", `mem-${record.id}-0`],
      ["completed", "deleted", `mem-${record.id}-1`],
    ]);
    // 1 + 2 GPUs do not fit a budget of 2: the candidates ran one after the other.
    expect(at.platform.deployments.maxGpusInUse).toBe(2);
    expect(evaluations.map((e) => [e.eval_type, e.status, e.job_stop]).sort()).toEqual([
      ["base-eval", "completed", null],
      ["base-eval", "completed", null],
      ["customized-eval", "completed", null],
      ["icl-eval", "completed", null],
      ["icl-eval", "completed", null],
    ]);
    expect(customizations).toMatchObject([{ status: "completed", base_model: smallModel.model, customized_model: expect.stringMatching(new RegExp(`^flywheel-llama-3-2-1b-instruct-${record.id}@cust-\\d+$`)) }]);
    const [customization] = customizations;
    expect([...at.platform.evaluator.specs.values()].filter((spec) => spec.target.modelId === customization.customized_model)).toHaveLength(1);

    expect(record.report?.rows.map((r) => [r.model, r.eval_type, r.promotable, r.rank])).toEqual([
      [largerModel.model, "base-eval", true, 2],
      [largerModel.model, "icl-eval", true, 3],
      [smallModel.model, "base-eval", false, null],
      [smallModel.model, "icl-eval", false, null],
      [smallModel.model, "customized-eval", true, 1],
    ]);
    expect(record.report?.recommendation).toMatchObject({ model: smallModel.model, eval_type: "customized-eval" });
    expect(outcome.report).toEqual(record.report);
    expectNothingLeft(at);
  });

  it("records a candidate whose deployment fails and goes on with the others", async () => {
    const at = scenario();
    at.platform.deployments.behaviour.set(largerModel.model, { failWith: "0/3 nodes are available: 3 Insufficient nvidia.com/gpu" });
    expect(await run(at, config())).toMatchObject({ status: "completed", exitCode: 0 });

    const run_ = await details(at);
    expect(nimOf(run_, largerModel.model)).toMatchObject({ status: "failed", deployment_status: "deleted" });
    expect(nimOf(run_, largerModel.model)?.error).toContain("Insufficient nvidia.com/gpu");
    expect(nimOf(run_, smallModel.model)).toMatchObject({ status: "completed" });
    expect(run_.run.report?.rows.filter((row) => row.model === largerModel.model).map((row) => [row.eval_type, row.status])).toEqual([[null, "failed"]]);
    expectNothingLeft(at);
  });

  it("records a fine-tuning that fails; the candidate's other evaluations still count", async () => {
    const at = scenario();
    at.platform.customizationBehaviour.set(smallModel.model, { failWith: "CUDA out of memory" });
    expect(await run(at, config({ candidates: [{ ...smallModel }] }))).toMatchObject({ status: "completed", exitCode: 0 });

    const run_ = await details(at);
    expect(run_.customizations).toMatchObject([{ status: "failed", error: expect.stringContaining("CUDA out of memory") }]);
    expect(run_.evaluations.map((e) => [e.eval_type, e.status]).sort()).toEqual([
      ["base-eval", "completed"],
      ["customized-eval", "failed"],
      ["icl-eval", "completed"],
    ]);
    expect(run_.evaluations.find((e) => e.eval_type === "customized-eval")?.error).toMatch(/^not run: customization job cust-\d+ failed: CUDA out of memory/);
    expect(run_.nims[0]).toMatchObject({ status: "failed", deployment_status: "deleted" });
    expect(run_.run.report?.recommendation).toMatchObject({ model: smallModel.model, eval_type: "base-eval" });
    expectNothingLeft(at);
  });

  it("fails the evaluations a platform fails, and reports them failed, not as scores", async () => {
    const at = scenario();
    at.platform.evaluationBehaviour.set(largerModel.model, { failWith: "inference failed on record 0" });
    expect(await run(at, config({ candidates: [{ ...smallModel, customize: false }, { ...largerModel }] }))).toMatchObject({ status: "completed", exitCode: 0 });

    const run_ = await details(at);
    const larger = nimOf(run_, largerModel.model);
    const failed = run_.evaluations.filter((e) => e.nim_id === larger?.id);
    expect(failed.map((e) => [e.status, e.scores, e.job_stop])).toEqual([
      ["failed", {}, null],
      ["failed", {}, null],
    ]);
    expect(failed[0].error).toMatch(/^evaluation job eval-\d+ failed: inference failed on record 0$/);
    expect(larger).toMatchObject({ status: "failed", deployment_status: "deleted" });
    expect(run_.run.report?.rows.filter((row) => row.model === largerModel.model).every((row) => row.status === "failed" && !row.promotable)).toBe(true);
    expect(run_.run.report?.recommendation).toMatchObject({ model: smallModel.model });
    expectNothingLeft(at);
  });

  it("fails before any GPU is held when a candidate is to be fine-tuned on a platform that cannot", async () => {
    const at = scenario({ canFineTune: false });
    const outcome = await run(at, config());

    expect(outcome).toMatchObject({ status: "failed", exitCode: 2 });
    const run_ = await details(at);
    expect(run_.run.error).toContain("without fine-tuning");
    expect(run_.nims.map((nim) => [nim.status, nim.deployment_status])).toEqual([
      ["cancelled", "not_deployed"],
      ["cancelled", "not_deployed"],
    ]);
    expect(at.platform.deployments.created).toEqual([]);
    expect(at.platform.datasets.size).toBe(0);
    expectNothingLeft(at);
  });
});

describe("a run on an in-memory platform, stopped", () => {
  /** A fine-tune and the small model's evaluations that never end, so the run is stopped while they run. */
  const stalled = (): Scenario => {
    const at = scenario();
    at.platform.customizationBehaviour.set(smallModel.model, { stall: true });
    at.platform.evaluationBehaviour.set(smallModel.model, { stall: true });
    return at;
  };
  const patient = config({ stallTimeouts: { deploymentMinutes: 1, customizationMinutes: 10, evaluationMinutes: 1 } });

  it("stops at its next check when the run is cancelled, then removes its deployments and cancels its jobs", async () => {
    const at = stalled();
    const running = run(at, patient);
    await eventually(() => at.platform.activeJobs().length === 3, "the fine-tune and the evaluations to start");
    const [{ id }] = await at.store.listRuns();
    expect(await at.store.requestCancel(id)).toMatchObject({ changed: true });

    const outcome = await running;
    expect(outcome).toMatchObject({ status: "cancelled", exitCode: 4, stop: { kind: "cancelled", message: `run ${id} was cancelled` } });
    const run_ = await details(at);
    expect(run_.run.status).toBe("cancelled");
    expect(run_.run.finished_at).toBeInstanceOf(Date);
    expect(run_.customizations.map((c) => [c.status, c.job_stop])).toEqual([["cancelled", "cancelled"]]);
    // The small model was deployed; the larger one still waited for the GPUs it held.
    expect(nimOf(run_, smallModel.model)).toMatchObject({ status: "cancelled", deployment_status: "deleted" });
    expect(nimOf(run_, largerModel.model)).toMatchObject({ status: "cancelled", deployment_status: "not_deployed" });
    expect(run_.evaluations.map((e) => [e.eval_type, e.status, e.job_stop]).sort()).toEqual([
      ["base-eval", "cancelled", "cancelled"],
      ["customized-eval", "cancelled", null],
      ["icl-eval", "cancelled", "cancelled"],
    ]);
    expect(at.platform.evaluator.jobs.all().map((job) => job.status)).toEqual(["cancelled", "cancelled"]);
    expect(at.platform.customizer?.jobs.all().map((job) => job.status)).toEqual(["cancelled"]);
    expectNothingLeft(at);
  });

  it("cleans up and exits 143 on SIGTERM, giving its GPUs back", async () => {
    const at = stalled();
    const shutdown = new AbortController();
    const running = run(at, patient, shutdown.signal);
    await eventually(() => at.platform.activeJobs().length === 3, "the fine-tune and the evaluations to start");
    expect(at.budget.heldGpus).toBe(1);
    shutdown.abort("SIGTERM");

    const outcome = await running;
    expect(outcome).toMatchObject({ status: "cancelled", exitCode: 143, stop: { kind: "terminated", message: "received SIGTERM" } });
    const run_ = await details(at);
    expect(run_.run).toMatchObject({ status: "cancelled", error: "received SIGTERM" });
    expect(at.log.join("")).toContain("stopping the run: received SIGTERM");
    expect(run_.evaluations.filter((e) => e.job_id !== null).map((e) => e.job_stop)).toEqual(["cancelled", "cancelled"]);
    expectNothingLeft(at);
  });
});
