import type { InProcessGpuBudget } from "../src/budget/in-process-budget";
import { runFlywheel } from "../src/run/run-flywheel";
import { JsonFileRecordStore } from "../src/store/json-file-record-store";
import type { RunRecord } from "../src/store/records";
import { RunStore } from "../src/store/run-store";
import { eventually } from "./support/eventually";
import { FlywheelFixture, genericWorkload, largerModel, namespace, smallModel, toolWorkload } from "./support/flywheel-fixture";

let fixture: FlywheelFixture;

beforeEach(async () => {
  fixture = await FlywheelFixture.start();
});

afterEach(async () => {
  await fixture.stop();
});

function store(): RunStore {
  return new RunStore(new JsonFileRecordStore(fixture.stateDirectory));
}

async function onlyRun(): Promise<RunRecord> {
  const runs = await store().listRuns();
  expect(runs).toHaveLength(1);
  return runs[0];
}

describe("flywheel run, tool-calling workload", () => {
  it("publishes the datasets, evaluates every candidate, fine-tunes one, ranks the promotable ones by GPU cost and leaves nothing behind", async () => {
    fixture.nemo.evaluationBehaviour.set(smallModel.model, { functionNameAccuracy: 0.97, functionNameAndArgsAccuracy: 0.86 });
    fixture.nemo.evaluationBehaviour.set(largerModel.model, { functionNameAccuracy: 0.99, functionNameAndArgsAccuracy: 0.96 });
    const result = await fixture.run(fixture.config(toolWorkload), fixture.env({ FLYWHEEL_JOB_NAME: "flywheel-support-agent-web-29000000", FLYWHEEL_JOB_UID: "job-uid-1" }));

    expect(result.code).toBe(0);
    const run = await onlyRun();
    expect(run).toMatchObject({ status: "completed", workload_type: "tool_calling", num_records: 30, error: null, seed: 7 });
    // Each job's progress is logged as it changes: percentage, and epoch and step for the fine-tune.
    expect(result.stderr).toContain(`customization of ${smallModel.model}: running, 33% done, epoch 0, step 1\n`);
    expect(result.stderr).toContain(`customization of ${smallModel.model}: running, 67% done, epoch 1, step 2\n`);
    expect(result.stderr).toMatch(/base-eval of meta\/llama-3\.2-1b-instruct: running, 50% done\n/);
    expect(run.finished_at).toBeInstanceOf(Date);

    // Datasets: three repos named with the run id, registered in Entity Store; the training files went through git LFS.
    const names = run.datasets.map((d) => `${d.kind} ${d.name} ${d.num_records}`);
    expect(names).toEqual([`eval flywheel-eval-support-agent-${run.id} 6`, `icl flywheel-icl-support-agent-${run.id} 6`, `train flywheel-train-support-agent-${run.id} 24`]);
    const train = fixture.nemo.repos.get(`dfwbp/flywheel-train-support-agent-${run.id}`)!;
    expect([...train.keys()].sort()).toEqual(["training/train_data.jsonl", "validation/val_data.jsonl"]);
    expect(train.get("training/train_data.jsonl")!.toString("utf8").trim().split("\n")).toHaveLength(22);
    expect(fixture.nemo.lfsObjects.size).toBeGreaterThan(0);
    expect([...fixture.nemo.datasets.keys()]).toHaveLength(3);

    // The NIMServices: inference pool, candidate-nim pods, weights from the NIMCache, adapters from Entity Store, owned by the Job.
    const [small] = fixture.cluster.created as { metadata: { name: string; labels: Record<string, string>; ownerReferences: unknown[] }; spec: Record<string, unknown> }[];
    expect(small.metadata.name).toBe(`fw-${run.id}-0-llama-3-2-1b-instruct`);
    expect(small.metadata.labels).toMatchObject({ "data-flywheel.io/run-id": run.id, "data-flywheel.io/workload": "support-agent", "app.kubernetes.io/component": "candidate-nim" });
    expect(small.metadata.ownerReferences).toEqual([{ apiVersion: "batch/v1", kind: "Job", name: "flywheel-support-agent-web-29000000", uid: "job-uid-1", controller: false, blockOwnerDeletion: false }]);
    expect(small.spec).toMatchObject({
      authSecret: "ngc-api",
      image: { repository: smallModel.image.repository, tag: "1.8.3", pullSecrets: ["nvcr-pull"] },
      storage: { nimCache: { name: smallModel.nimCache } },
      nodeSelector: { "data-flywheel.io/gpu-role": "inference" },
      tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }],
      labels: { "app.kubernetes.io/component": "candidate-nim", "data-flywheel.io/run-id": run.id },
      resources: { limits: { "nvidia.com/gpu": 1 } },
    });
    expect(small.spec.env).toContainEqual({ name: "NIM_PEFT_SOURCE", value: fixture.nemo.url });
    // NIM LLM 1.x: the structured-output backend its tool_choice "required" evaluations run on.
    expect(small.spec.env).toContainEqual({ name: "NIM_GUIDED_DECODING_BACKEND", value: "outlines" });
    // 1 + 2 GPUs do not fit a budget of 2: the candidates ran one after the other.
    expect(fixture.cluster.maxGpusInUse).toBe(2);

    // Evaluations used the logged tool calls, tool_choice "required" and the judge; fine-tuning used the training dataset.
    const evaluationBodies = fixture.nemo.http.requests.filter((r) => r.method === "POST" && r.path === "/v1/evaluation/jobs").map((r) => JSON.stringify(r.json));
    expect(evaluationBodies).toHaveLength(5);
    expect(evaluationBodies.filter((body) => body.includes(`flywheel-icl-support-agent-${run.id}/eval_data.jsonl`))).toHaveLength(2);
    const [customization] = fixture.nemo.customizations.values();
    expect([...fixture.nemo.customizationConfigs.values()].map((c) => c.max_seq_length)).toEqual([8192]);
    expect(customization.body).toMatchObject({ dataset: { name: `flywheel-train-support-agent-${run.id}`, namespace: "dfwbp" }, hyperparameters: { epochs: 2, lora: { adapter_dim: 32 } } });
    expect([...fixture.nemo.evaluations.values()].filter((e) => e.modelId === customization.outputModel)).toHaveLength(1);

    // The report: targets met or not per row, the promotable ranked cheapest first, stored with the run as printed.
    expect(run.report!.rows.map((r) => [r.model, r.eval_type, r.promotable, r.rank])).toEqual([
      [largerModel.model, "base-eval", true, 2],
      [largerModel.model, "icl-eval", true, 3],
      [smallModel.model, "base-eval", false, null],
      [smallModel.model, "icl-eval", false, null],
      [smallModel.model, "customized-eval", true, 1],
    ]);
    expect(run.report!.recommendation).toMatchObject({ model: smallModel.model, eval_type: "customized-eval" });
    expect(result.stdout).toContain("recommendation: review meta/llama-3.2-1b-instruct (customized-eval) first");
    expect(result.stdout).toMatch(/meta\/llama-3\.2-1b-instruct\s+1\s+base-eval\s+0\.970\s+0\.860 ✗\s+1\.000\s+not met/);
    fixture.expectNothingLeft();
  });
});

describe("flywheel run, generic workload", () => {
  it("reads the judge's ratings as whole numbers, counts replies without one, and reports similarity normalised to 0–1", async () => {
    // Replies go to the six evaluation records in turn: 10, 7, none, 10, 7, none.
    fixture.nemo.evaluationBehaviour.set(smallModel.model, { judgeReplies: ["10", "Rating: 7/10", "The answers differ in tone."] });
    fixture.nemo.evaluationBehaviour.set(largerModel.model, { judgeReplies: ["3"] });
    const config = fixture.config(genericWorkload, { icl: { selection: "semantic", maxExamples: 2 }, candidates: [{ ...smallModel, customize: false }, { ...largerModel }] });
    const result = await fixture.run(config);

    expect(result.code).toBe(0);
    const run = await onlyRun();
    expect(run.workload_type).toBe("generic");
    const small = run.report!.rows.find((r) => r.model === smallModel.model && r.eval_type === "base-eval")!;
    expect(small.scores.similarity).toBeCloseTo((8.5 - 1) / 9, 10);
    expect(small).toMatchObject({ judge_rated: 4, judge_unparsed: 2, promotable: true });
    expect(run.report!.rows.find((r) => r.model === largerModel.model)!.scores.similarity).toBeCloseTo(2 / 9, 10);
    expect(result.stdout).toContain("similarity is the judge's mean rating from 1 to 10, normalised to 0–1 as (mean − 1) / 9");
    expect(result.stdout).toContain(`${smallModel.model} base-eval: 2 of 6 judge replies held no rating and were left out of the mean`);
    expect(result.stdout).toMatch(/meta\/llama-3\.1-8b-instruct\s+2\s+base-eval\s+0\.222 ✗\s+not met/);

    // Semantic ICL asked the embedding model, in batches of 4, with the input type its models require.
    const embeddings = fixture.nemo.http.requests.filter((r) => r.path === "/embedding/v1/embeddings").map((r) => r.json as { input: string[]; input_type: string });
    expect(embeddings.length).toBeGreaterThan(1);
    expect(embeddings.every((body) => body.input.length <= 4 && body.input_type === "query")).toBe(true);
    fixture.expectNothingLeft();
  });
});

describe("flywheel run, faults", () => {
  it("records a candidate whose deployment fails and goes on with the others", async () => {
    fixture.cluster.deploymentBehaviour.set(largerModel.model, { failWith: "0/3 nodes are available: 3 Insufficient nvidia.com/gpu" });
    const result = await fixture.run(fixture.config(toolWorkload));

    expect(result.code).toBe(0);
    const details = (await store().details((await onlyRun()).id))!;
    expect(details.run.status).toBe("completed");
    expect(details.nims.find((n) => n.model_name === largerModel.model)).toMatchObject({ status: "failed", deployment_status: "deleted" });
    expect(details.nims.find((n) => n.model_name === largerModel.model)!.error).toContain("Insufficient nvidia.com/gpu");
    expect(details.nims.find((n) => n.model_name === smallModel.model)).toMatchObject({ status: "completed" });
    expect(result.stdout).toMatch(/meta\/llama-3\.1-8b-instruct\s+2\s+\(not evaluated\).*failed/);
    fixture.expectNothingLeft();
  });

  it("records a fine-tuning that fails; the candidate's other evaluations still count", async () => {
    fixture.nemo.customizationBehaviour.set(smallModel.model, { failWith: "CUDA out of memory" });
    const result = await fixture.run(fixture.config(toolWorkload, { candidates: [{ ...smallModel }] }));

    expect(result.code).toBe(0);
    const details = (await store().details((await onlyRun()).id))!;
    expect(details.customizations[0]).toMatchObject({ status: "failed" });
    expect(details.customizations[0].error).toContain("CUDA out of memory");
    expect(details.evaluations.map((e) => [e.eval_type, e.status]).sort()).toEqual([
      ["base-eval", "completed"],
      ["customized-eval", "failed"],
      ["icl-eval", "completed"],
    ]);
    expect(details.evaluations.find((e) => e.eval_type === "customized-eval")!.error).toMatch(/^not run: customization job cust-\d+ failed: CUDA out of memory/);
    expect(details.nims[0]).toMatchObject({ status: "failed", deployment_status: "deleted" });
    expect(details.run.report!.recommendation).toMatchObject({ model: smallModel.model, eval_type: "base-eval" });
    fixture.expectNothingLeft();
  });

  it("fails an evaluation whose metric is outside its range or NaN, naming it, and reports it failed, not as a score", async () => {
    fixture.nemo.evaluationBehaviour.set(smallModel.model, { functionNameAccuracy: 0.9, functionNameAndArgsAccuracy: 0.95, judgeMean: 5.59 });
    fixture.nemo.evaluationBehaviour.set(largerModel.model, { functionNameAccuracy: Number.NaN, functionNameAndArgsAccuracy: 0.99 });
    const result = await fixture.run(fixture.config(toolWorkload, { candidates: [{ ...smallModel, customize: false }, { ...largerModel }] }));

    expect(result.code).toBe(0);
    const details = (await store().details((await onlyRun()).id))!;
    const small = details.nims.find((n) => n.model_name === smallModel.model)!;
    const larger = details.nims.find((n) => n.model_name === largerModel.model)!;
    for (const evaluation of details.evaluations) {
      expect(evaluation).toMatchObject({ status: "failed", scores: {}, job_stop: null });
      expect(evaluation.error).toContain(evaluation.nim_id === small.id ? "tool_calling_correctness 5.59, expected the share of records rated correct, from 0 to 1" : "function_name_accuracy NaN, expected a share from 0 to 1");
    }
    expect(details.evaluations.filter((e) => e.nim_id === larger.id)).toHaveLength(2);
    expect(details.run.report!.rows.every((row) => row.status === "failed" && !row.promotable)).toBe(true);
    const table = result.stdout.slice(0, result.stdout.indexOf("notes:"));
    expect(table).not.toContain("5.59");
    expect(result.stdout).toMatch(/meta\/llama-3\.2-1b-instruct\s+1\s+base-eval\s+—\s+—\s+—/);
    expect(result.stdout).toContain(`${smallModel.model} base-eval failed: the Evaluator reported values outside their metrics' ranges, so they are not scores: tool_calling_correctness 5.59`);
    fixture.expectNothingLeft();
  });

  it("retries NeMo calls that fail with 5xx, 429 or a slow answer, and fails the run on a 4xx with the call and the answer", async () => {
    fixture.nemo.http.inject({ method: "POST", path: /^\/v1\/evaluation\/jobs$/, status: 503, times: 2 });
    fixture.nemo.http.inject({ method: "GET", path: /^\/v1\/customization\/jobs\/.+\/status$/, status: 429, times: 1 });
    fixture.nemo.http.inject({ method: "POST", path: /^\/v1\/customization\/configs$/, delayMs: 300, times: 1 });
    const config = fixture.config(toolWorkload, { candidates: [{ ...smallModel }], nemo: { namespace: "dfwbp", requestTimeoutSeconds: 0.2, retries: 2, retryDelaySeconds: 0.01 } });
    expect((await fixture.run(config)).code).toBe(0);
    const posts = (path: string) => fixture.nemo.http.requests.filter((r) => r.method === "POST" && r.path === path).length;
    // Three evaluations; the first was refused twice. The config request timed out once and was sent again.
    expect(posts("/v1/evaluation/jobs")).toBe(5);
    expect(posts("/v1/customization/configs")).toBe(2);
    fixture.expectNothingLeft();

    fixture.nemo.http.inject({ method: "POST", path: /^\/v1\/datasets$/, status: 400, times: 1 });
    const failed = await fixture.run(fixture.config(toolWorkload));
    expect(failed.code).toBe(2);
    expect(failed.stderr).toMatch(/flywheel: error: Entity Store: register dataset dfwbp\/flywheel-eval-support-agent-\w+ \(POST http:\/\/127\.0\.0\.1:\d+\/v1\/datasets\) was refused: HTTP 400: \{"detail":"injected fault"\}/);
    const runs = await store().listRuns();
    expect(runs[0]).toMatchObject({ status: "failed" });
    expect(runs[0].error).toContain("HTTP 400");
    fixture.expectNothingLeft();
  });

  it("fails with exit code 3 when the logs hold too few records, and records why", async () => {
    const result = await fixture.run(fixture.config({ workloadId: "unknown-workload", clientId: "web" }));
    expect(result.code).toBe(3);
    expect(result.stderr).toContain("flywheel: error:");
    const run = await onlyRun();
    expect(run.status).toBe("failed");
    expect(fixture.cluster.created).toHaveLength(0);
    fixture.expectNothingLeft();
  });
});

/**
 * Evaluator 25.06, the stacks' pin, has no cancel call for evaluations (its route answers 404): a job
 * the run stops waiting for is deleted and read back until it is gone. Later 25.x releases cancel.
 */
const evaluators = [
  { release: "an Evaluator with a cancel call (25.x after 25.06)", cancel: true, stopped: "cancelled" },
  { release: "Evaluator 25.06, which has none (jobs are deleted)", cancel: false, stopped: "deleted" },
] as const;

describe.each(evaluators)("stopping NeMo jobs, against $release", ({ cancel, stopped }) => {
  beforeEach(() => {
    fixture.nemo.evaluationCancel = cancel;
  });

  /** What the stand-in's evaluation jobs of a model ended as. */
  const evaluationJobs = (model: string): string[] => [...fixture.nemo.evaluations.values()].filter((job) => job.modelId === model).map((job) => job.status);

  it("fails an evaluation that stops making progress, stops its job and records how", async () => {
    fixture.nemo.evaluationBehaviour.set(largerModel.model, { stall: true });
    const config = fixture.config(toolWorkload, { stallTimeouts: { deploymentMinutes: 0.5, customizationMinutes: 0.5, evaluationMinutes: 0.004 } });
    const result = await fixture.run(config);

    expect(result.code).toBe(0);
    const details = (await store().details((await onlyRun()).id))!;
    const larger = details.nims.find((n) => n.model_name === largerModel.model)!;
    const stalled = details.evaluations.filter((e) => e.nim_id === larger.id);
    expect(stalled.map((e) => [e.status, e.job_stop])).toEqual([
      ["failed", stopped],
      ["failed", stopped],
    ]);
    expect(stalled[0].error).toMatch(/nothing changed for 0\.24 s \(last seen: running, 10% done\)/);
    expect(evaluationJobs(largerModel.model)).toEqual([stopped, stopped]);
    expect(result.stderr).toContain(`${stalled[0].eval_type} of ${largerModel.model}: evaluation job ${stalled[0].job_id} ${stopped === "deleted" ? "deleted (the service has no cancel call for it)" : "cancelled"}`);
    if (!cancel) {
      // Read back until it answered 404: one read found it still deleting.
      const reads = fixture.nemo.http.requests.filter((r) => r.method === "GET" && r.path === `/v1/evaluation/jobs/${stalled[0].job_id}`);
      expect(reads.length).toBeGreaterThanOrEqual(2);
    }
    expect(details.nims.find((n) => n.model_name === smallModel.model)!.status).toBe("completed");
    fixture.expectNothingLeft();
  });

  it("stops at its next check when `flywheel runs cancel` sets the status, then deletes its NIMs and stops its jobs", async () => {
    fixture.nemo.customizationBehaviour.set(smallModel.model, { stall: true });
    fixture.nemo.evaluationBehaviour.set(smallModel.model, { stall: true });
    const config = fixture.config(toolWorkload, { stallTimeouts: { deploymentMinutes: 1, customizationMinutes: 10, evaluationMinutes: 1 } });
    const running = fixture.run(config);
    await eventually(() => fixture.nemo.activeCustomizations().length === 1, "the fine-tuning to start");
    const { id } = await onlyRun();
    await eventually(async () => /fine-tuning: running, 0% done, epoch 0, step [1-9]/.test((await fixture.cli(["runs", "show", id, "--state-dir", fixture.stateDirectory])).stdout), "runs show to print the fine-tune's progress");
    const cancelled = await fixture.cli(["runs", "cancel", id, "--state-dir", fixture.stateDirectory]);
    expect(cancelled).toMatchObject({ code: 0, stdout: `run ${id} cancelled: it stops at its next check, deletes its deployments and cancels its jobs\n` });

    const result = await running;
    expect(result.code).toBe(4);
    const details = (await store().details(id))!;
    expect(details.run.status).toBe("cancelled");
    expect(details.run.finished_at).toBeInstanceOf(Date);
    expect(details.customizations.map((c) => [c.status, c.job_stop])).toEqual([["cancelled", "cancelled"]]);
    expect([...fixture.nemo.customizations.values()].map((job) => job.status)).toEqual(["cancelled"]);
    expect(details.nims.map((n) => n.status)).toEqual(["cancelled", "cancelled"]);
    const evaluations = details.evaluations.map((e) => [e.eval_type, e.status, e.job_stop]).sort();
    expect(evaluations).toEqual([
      ["base-eval", "cancelled", stopped],
      ["customized-eval", "cancelled", null],
      ["icl-eval", "cancelled", stopped],
    ]);
    expect(evaluationJobs(smallModel.model)).toEqual([stopped, stopped]);
    const shown = (await fixture.cli(["runs", "show", id, "--state-dir", fixture.stateDirectory])).stdout;
    expect(shown).toMatch(new RegExp(`\n  base-eval: cancelled \\(job eval-\\d+: ${stopped}\\)\n`));
    expect(shown).toMatch(/\n {2}fine-tuning: cancelled \(job cust-\d+: cancelled\)\n/);
    expect(result.stderr).toContain(`flywheel: run ${id} cancelled: run ${id} was cancelled`);
    expect((await fixture.cli(["runs", "cancel", id, "--state-dir", fixture.stateDirectory])).stdout).toBe(`run ${id} was already cancelled\n`);
    fixture.expectNothingLeft();
  });

  it("cleans up and exits 143 on SIGTERM, giving its GPUs back", async () => {
    fixture.nemo.customizationBehaviour.set(smallModel.model, { stall: true });
    fixture.nemo.evaluationBehaviour.set(smallModel.model, { stall: true });
    const config = fixture.parsed(fixture.config(toolWorkload, { stallTimeouts: { deploymentMinutes: 1, customizationMinutes: 10, evaluationMinutes: 1 } }));
    const opened = await fixture.services(config);
    const shutdown = new AbortController();
    const settings = { config, ...toolWorkload, workDirectory: fixture.directory };
    const running = runFlywheel(settings, opened.services, shutdown.signal);
    await eventually(() => fixture.nemo.activeCustomizations().length === 1 && fixture.nemo.activeEvaluations().length === 2, "the fine-tuning and evaluations to start");
    expect((opened.services.budget as InProcessGpuBudget).heldGpus).toBe(1);
    shutdown.abort("SIGTERM");

    const outcome = await running;
    await opened.close();
    expect(outcome).toMatchObject({ status: "cancelled", exitCode: 143, stop: { kind: "terminated", message: "received SIGTERM" } });
    const run = await onlyRun();
    expect(run).toMatchObject({ status: "cancelled", error: "received SIGTERM" });
    expect(opened.log.join("")).toContain("stopping the run: received SIGTERM");
    expect(evaluationJobs(smallModel.model)).toEqual([stopped, stopped]);
    const details = (await store().details(run.id))!;
    expect(details.evaluations.filter((e) => e.job_id !== null).map((e) => e.job_stop)).toEqual([stopped, stopped]);
    fixture.expectNothingLeft(opened.services.budget);
  });
});

describe("the sweep at the start of a run", () => {
  it("deletes NIMServices whose run's Job is gone or finished, and keeps those of a Job that still runs", async () => {
    const planted = (name: string, runId: string, job?: string) => ({
      apiVersion: "apps.nvidia.com/v1alpha1",
      kind: "NIMService",
      metadata: {
        name,
        namespace,
        labels: { "data-flywheel.io/run-id": runId, "app.kubernetes.io/component": "candidate-nim" },
        ...(job ? { ownerReferences: [{ apiVersion: "batch/v1", kind: "Job", name: job, uid: `uid-${job}` }] } : {}),
      },
      spec: { image: { repository: "nvcr.io/nim/meta/llama-3.2-1b-instruct", tag: "1.8.3" }, authSecret: "ngc-api", storage: { nimCache: { name: smallModel.nimCache } } },
    });
    fixture.cluster.jobs.set("finished-job", { uid: "uid-finished-job", finished: true });
    fixture.cluster.jobs.set("running-job", { uid: "uid-running-job", finished: false });
    await fixture.cluster.plant(planted("fw-gone", "a".repeat(24), "deleted-job"));
    await fixture.cluster.plant(planted("fw-finished", "b".repeat(24), "finished-job"));
    await fixture.cluster.plant(planted("fw-running", "c".repeat(24), "running-job"));
    await fixture.cluster.plant(planted("fw-offline-unknown", "d".repeat(24)));

    const result = await fixture.run(fixture.config(toolWorkload, { candidates: [{ ...smallModel, customize: false }] }));
    expect(result.code).toBe(0);
    expect([...fixture.cluster.nimServices.keys()].sort()).toEqual(["fw-offline-unknown", "fw-running"]);
    expect(result.stderr).toContain(`deleted NIMService fw-gone left behind by run ${"a".repeat(24)}: its Job deleted-job no longer exists`);
    expect(result.stderr).toContain(`deleted NIMService fw-finished left behind by run ${"b".repeat(24)}: its Job finished-job has finished`);
    expect(result.stderr).toContain("NIMService fw-offline-unknown belongs to run dddddddddddddddddddddddd, which was not started by a Job and is not in this run store; left alone");
    expect(fixture.nemo.activeCustomizations()).toEqual([]);
    expect(fixture.nemo.activeEvaluations()).toEqual([]);
  });
});
