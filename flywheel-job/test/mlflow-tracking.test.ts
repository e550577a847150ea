import { loadEnvironment } from "../src/config/environment";
import type { ServiceClientSettings } from "../src/http/service-client";
import { batchChunks, MlflowClient, type MlflowMetric, mlflowLimits } from "../src/mlflow/mlflow-client";
import { evaluationBatch, mlflowExperimentName, MlflowTracking, type TrackedEvaluation } from "../src/mlflow/mlflow-tracking";
import { largerModel, smallModel, toolWorkload } from "./support/flywheel-fixture";
import { metricsRun, metricsRunConfig } from "./support/metrics-run";
import { MlflowStandIn } from "./support/mlflow-stand-in";

const settings: ServiceClientSettings = { timeoutMs: 5_000, retries: 1, initialDelayMs: 5, maxDelayMs: 10 };
const experiment = mlflowExperimentName(toolWorkload.workloadId);

describe("a run's evaluations in MLflow", () => {
  let mlflow: MlflowStandIn;

  beforeEach(async () => {
    mlflow = new MlflowStandIn();
    await mlflow.start();
  });

  afterEach(() => mlflow.stop());

  it("are an MLflow run each, in the workload's experiment, with their params, scores, tags and per-sample scores as steps, and their URL on the evaluation", async () => {
    const at = metricsRun();
    at.platform.evaluationBehaviour.set(largerModel.model, { results: { functionNameAccuracy: 0.99, functionNameAndArgsAccuracy: 0.96 } });
    const outcome = await at.run(metricsRunConfig({ candidates: [{ ...largerModel }] }), undefined, undefined, new MlflowTracking(`${mlflow.url}/`, settings));

    expect(outcome).toMatchObject({ status: "completed", exitCode: 0 });
    // One lookup and one creation for the run's two evaluations: the experiment is found once.
    expect(mlflow.calls().filter((call) => call.includes("experiments/"))).toEqual(["GET experiments/get-by-name", "POST experiments/create"]);
    expect(mlflow.http.requests[0].query.get("experiment_name")).toBe(`flywheel-${toolWorkload.workloadId}`);
    expect(mlflow.http.requests[1].json).toEqual({ name: `flywheel-${toolWorkload.workloadId}` });

    const details = await at.store.details(outcome.runId);
    const evaluations = details?.evaluations ?? [];
    expect(evaluations.map((e) => e.eval_type).sort()).toEqual(["base-eval", "icl-eval"]);
    const runs = [...mlflow.runs.values()];
    expect(runs).toHaveLength(2);
    for (const evaluation of evaluations) {
      const run = runs.find((r) => (r.created.run_name as string).endsWith(evaluation.eval_type));
      expect(run).toBeDefined();
      if (run === undefined) continue;
      expect(evaluation.mlflow_uri).toBe(`${mlflow.url}/#/experiments/1/runs/${run.runId}`);
      expect(run.created).toEqual({
        experiment_id: "1",
        run_name: `${largerModel.model} ${evaluation.eval_type}`,
        start_time: evaluation.started_at?.getTime(),
        tags: [
          { key: "flywheel.run_id", value: outcome.runId },
          { key: "flywheel.workload_id", value: toolWorkload.workloadId },
          { key: "flywheel.client_id", value: toolWorkload.clientId },
          { key: "flywheel.eval_type", value: evaluation.eval_type },
          { key: "flywheel.candidate_model", value: largerModel.model },
        ],
      });
      expect(run.batches).toHaveLength(1);
      const [batch] = run.batches;
      expect(batch.run_id).toBe(run.runId);
      expect(batch.tags).toEqual([]);
      const records = Object.fromEntries((details?.run.datasets ?? []).map((d) => [d.kind, String(d.num_records)]));
      expect(batch.params).toEqual([
        { key: "candidate_model", value: largerModel.model },
        { key: "eval_type", value: evaluation.eval_type },
        { key: "target_model", value: largerModel.model },
        { key: "customized", value: "false" },
        { key: "flywheel_run_id", value: outcome.runId },
        { key: "evaluation_id", value: evaluation.id },
        { key: "evaluation_job_id", value: evaluation.job_id },
        { key: "workload_id", value: toolWorkload.workloadId },
        { key: "client_id", value: toolWorkload.clientId },
        { key: "workload_type", value: "tool_calling" },
        { key: "judge_model", value: "judge/llama-3.3-70b-instruct" },
        { key: "eval_records", value: records.eval },
        { key: "icl_records", value: records.icl },
        { key: "train_records", value: records.train },
      ]);
      const metrics = batch.metrics as MlflowMetric[];
      const end = evaluation.finished_at?.getTime();
      const summary = metrics.filter((m) => !m.key.startsWith("sample/"));
      expect(summary).toEqual([
        { key: "function_name_accuracy", value: 0.99, timestamp: end, step: 0 },
        { key: "function_name_and_args_accuracy", value: 0.96, timestamp: end, step: 0 },
        { key: "tool_calling_correctness", value: 1, timestamp: end, step: 0 },
        { key: "judge_rated", value: 6, timestamp: end, step: 0 },
        { key: "judge_unparsed", value: 0, timestamp: end, step: 0 },
        { key: "judge_mean_rating", value: 1, timestamp: end, step: 0 },
        { key: "samples_total", value: 6, timestamp: end, step: 0 },
        { key: "samples_kept", value: 6, timestamp: end, step: 0 },
      ]);
      // Each kept sample's scores, one step per sample, lowest first.
      const steps = metrics.filter((m) => m.key === "sample/function_name_and_args_accuracy");
      expect(steps.map((m) => m.step)).toEqual([0, 1, 2, 3, 4, 5]);
      expect(run.updates).toEqual([{ run_id: run.runId, status: "FINISHED", end_time: end }]);
    }
    expect(at.log.filter((line) => line.includes("logged to MLflow"))).toHaveLength(2);
  });

  it("of a later run reuse the workload's experiment", async () => {
    mlflow.createExperiment("another workload's");
    const id = mlflow.createExperiment(experiment);
    const outcome = await metricsRun().run(metricsRunConfig({ candidates: [{ ...largerModel }] }), undefined, undefined, new MlflowTracking(mlflow.url, settings));

    expect(outcome.status).toBe("completed");
    expect(mlflow.calls().filter((call) => call.includes("experiments/"))).toEqual(["GET experiments/get-by-name"]);
    expect([...mlflow.runs.values()].map((run) => run.experimentId)).toEqual([id, id]);
  });

  it("find the experiment another run created between their lookup and their creation", async () => {
    mlflow.beforeCreate = (name) => {
      mlflow.createExperiment("another workload's");
      mlflow.createExperiment(name);
    };
    const tracking = new MlflowTracking(mlflow.url, settings);
    const { uri } = await tracking.logEvaluation(trackedEvaluation(), new AbortController().signal);

    expect(mlflow.calls()).toEqual(["GET experiments/get-by-name", "POST experiments/create", "GET experiments/get-by-name", "POST runs/create", "POST runs/log-batch", "POST runs/update"]);
    expect(uri).toMatch(new RegExp(`/#/experiments/2/runs/[0-9a-f]{32}$`));
  });

  it("that MLflow cannot take are warnings: the run completes, its MLflow runs are marked failed, and no evaluation has an mlflow_uri", async () => {
    mlflow.http.inject({ method: "POST", path: /runs\/log-batch$/, times: 100, status: 500 });
    const at = metricsRun();
    const outcome = await at.run(metricsRunConfig({ candidates: [{ ...largerModel }] }), undefined, undefined, new MlflowTracking(mlflow.url, settings));

    expect(outcome).toMatchObject({ status: "completed", exitCode: 0 });
    const warnings = at.log.filter((line) => line.includes(`could not log to MLflow at ${mlflow.url} (the run goes on)`));
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toContain(" warn ");
    expect(warnings[0]).toContain("HTTP 500");
    expect([...mlflow.runs.values()].map((run) => run.updates.map((update) => update.status))).toEqual([["FAILED"], ["FAILED"]]);
    expect((await at.store.details(outcome.runId))?.evaluations.map((e) => e.mlflow_uri ?? null)).toEqual([null, null]);
  });

  it("keep their link when only the run's end was not taken, with a warning that the MLflow run shows RUNNING", async () => {
    mlflow.http.inject({ method: "POST", path: /runs\/update$/, times: 100, status: 500 });
    const at = metricsRun();
    const outcome = await at.run(metricsRunConfig({ candidates: [{ ...largerModel }] }), undefined, undefined, new MlflowTracking(mlflow.url, settings));

    expect(outcome).toMatchObject({ status: "completed", exitCode: 0 });
    const uris = (await at.store.details(outcome.runId))?.evaluations.map((e) => e.mlflow_uri ?? null);
    expect(uris).toEqual([expect.stringContaining("/#/experiments/1/runs/"), expect.stringContaining("/#/experiments/1/runs/")]);
    expect(at.log.filter((line) => line.includes(" warn ") && line.includes("was not marked FINISHED, and shows RUNNING"))).toHaveLength(2);
  });

  it("create each MLflow run with one request, never retried: a lost answer would leave a second run behind", async () => {
    mlflow.http.inject({ method: "POST", path: /runs\/create$/, times: 1, status: 503 });
    const tracking = new MlflowTracking(mlflow.url, { ...settings, retries: 3 });

    await expect(tracking.logEvaluation(trackedEvaluation(), new AbortController().signal)).rejects.toThrow(/HTTP 503/);
    expect(mlflow.calls().filter((call) => call === "POST runs/create")).toHaveLength(1);
  });

  it("name a deleted experiment of the workload, and how to bring it back, instead of failing on every run", async () => {
    mlflow.deletedExperiments.add(mlflow.createExperiment(experiment));
    const tracking = new MlflowTracking(mlflow.url, settings);

    await expect(tracking.logEvaluation(trackedEvaluation(), new AbortController().signal)).rejects.toThrow(
      `MLflow's experiment "${experiment}" (id 1) is "deleted", and takes no new run: restore it (\`mlflow experiments restore --experiment-id 1\`)`,
    );
    expect(mlflow.calls()).toEqual(["GET experiments/get-by-name"]);
  });

  it("that MLflow does not answer at all leave the run as it was", async () => {
    const url = mlflow.url;
    await mlflow.stop();
    const at = metricsRun();
    const outcome = await at.run(metricsRunConfig({ candidates: [{ ...largerModel }] }), undefined, undefined, new MlflowTracking(url, { ...settings, retries: 0 }));

    expect(outcome).toMatchObject({ status: "completed", exitCode: 0 });
    expect(at.log.filter((line) => line.includes("could not log to MLflow"))).toHaveLength(2);
  });

  it("that MLflow answers too slowly are given up at the deadline, so the candidate's GPUs are not held for it", async () => {
    mlflow.http.inject({ method: "POST", path: /runs\/create$/, times: 100, delayMs: 2_000 });
    const at = metricsRun();
    const started = Date.now();
    const outcome = await at.run(metricsRunConfig({ candidates: [{ ...largerModel }] }), undefined, undefined, new MlflowTracking(mlflow.url, settings, 200));

    expect(outcome).toMatchObject({ status: "completed", exitCode: 0 });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(at.log.filter((line) => line.includes("could not log to MLflow") && line.includes("not logged within 0.2 s"))).toHaveLength(2);
  });

  it("stop being logged when the run is stopped while an MLflow run is being created", async () => {
    const sigterm = new AbortController();
    mlflow.onRunCreated = () => sigterm.abort("SIGTERM");
    const at = metricsRun();
    const outcome = await at.run(metricsRunConfig({ candidates: [{ ...smallModel }] }), undefined, sigterm.signal, new MlflowTracking(mlflow.url, settings));

    expect(outcome).toMatchObject({ status: "cancelled", exitCode: 143 });
    const calls = mlflow.calls();
    expect(calls.slice(calls.indexOf("POST runs/create") + 1).filter((call) => call !== "POST runs/create")).toEqual([]);
    expect(at.log.filter((line) => line.includes("could not log to MLflow"))).toEqual([]);
  });

  it("end the MLflow run they were logging KILLED when the run is stopped, and log nothing more", async () => {
    const sigterm = new AbortController();
    mlflow.http.inject({ method: "POST", path: /runs\/log-batch$/, times: 100, delayMs: 2_000 });
    mlflow.onRunCreated = () => {
      setTimeout(() => sigterm.abort("SIGTERM"), 100);
    };
    const at = metricsRun();
    const outcome = await at.run(metricsRunConfig({ candidates: [{ ...smallModel }] }), undefined, sigterm.signal, new MlflowTracking(mlflow.url, settings));

    expect(outcome).toMatchObject({ status: "cancelled", exitCode: 143 });
    // Every MLflow run the stopped run had created, one per evaluation under way, and nothing else.
    const runs = [...mlflow.runs.values()];
    expect(runs.length).toBeGreaterThan(0);
    expect(runs.map((run) => run.updates.map((update) => update.status))).toEqual(runs.map(() => ["KILLED"]));
    expect(mlflow.calls().filter((call) => call === "POST runs/update")).toHaveLength(runs.length);
  });
});

describe("what an evaluation's MLflow run holds", () => {
  it("is cut to MLflow's limits, and no text of a sample or a model becomes a key", () => {
    const long = "m".repeat(mlflowLimits.paramValueLength + 500);
    const hostile = { ...trackedEvaluation(), candidateModel: long, targetModel: long };
    const sample = { ...hostile.samples[0], scores: { function_name_and_args_accuracy: 0, ["ignore=all\nkeys"]: 1 } as TrackedEvaluation["scores"] };
    const batch = evaluationBatch({ ...hostile, samples: [sample] });

    expect(batch.params.find((p) => p.key === "candidate_model")?.value).toHaveLength(mlflowLimits.paramValueLength);
    expect(batch.params.every((p) => p.value.length <= mlflowLimits.paramValueLength)).toBe(true);
    expect(batch.tags.every((t) => t.value.length <= mlflowLimits.tagValueLength)).toBe(true);
    const keys = [...batch.metrics, ...batch.params, ...batch.tags].map((entity) => entity.key);
    expect(keys.every((key) => /^[\w./-]{1,250}$/.test(key))).toBe(true);
    expect(batch.metrics.filter((m) => m.key.startsWith("sample/"))).toEqual([{ key: "sample/function_name_and_args_accuracy", value: 0, timestamp: hostile.finishedAt.getTime(), step: 0 }]);
    expect(mlflowExperimentName("w".repeat(600))).toHaveLength(mlflowLimits.experimentNameLength);
  });

  it("goes in requests within MLflow's per-request limits, every entity once, params and tags first", async () => {
    const metrics = Array.from({ length: 2500 }, (_, step) => ({ key: "sample/similarity", value: step / 2500, timestamp: 1, step }));
    const params = Array.from({ length: 150 }, (_, i) => ({ key: `p${i}`, value: "v" }));
    const tags = Array.from({ length: 120 }, (_, i) => ({ key: `t${i}`, value: "v" }));
    const chunks = batchChunks({ metrics, params, tags });

    for (const chunk of chunks) {
      expect(chunk.metrics.length).toBeLessThanOrEqual(mlflowLimits.metricsPerBatch);
      expect(chunk.params.length).toBeLessThanOrEqual(mlflowLimits.paramsPerBatch);
      expect(chunk.tags.length).toBeLessThanOrEqual(mlflowLimits.tagsPerBatch);
      expect(chunk.metrics.length + chunk.params.length + chunk.tags.length).toBeLessThanOrEqual(mlflowLimits.entitiesPerBatch);
    }
    expect(chunks.map((c) => [c.metrics.length, c.params.length, c.tags.length])).toEqual([
      [800, 100, 100],
      [930, 50, 20],
      [770, 0, 0],
    ]);
    expect(chunks.flatMap((c) => c.metrics)).toEqual(metrics);

    // MLflow's stand-in refuses a request over any limit: the client's requests all pass.
    const mlflow = new MlflowStandIn();
    await mlflow.start();
    try {
      const client = new MlflowClient(mlflow.url, settings);
      const signal = new AbortController().signal;
      const runId = await client.createRun(await client.experimentId("limits", signal), { name: "limits", startTime: 1, tags: [] }, signal);
      await client.logBatch(runId, { metrics, params, tags }, signal);
      expect(mlflow.runs.get(runId)?.batches.map((b) => (b.metrics as unknown[]).length)).toEqual([800, 930, 770]);
    } finally {
      await mlflow.stop();
    }
  });
});

describe("FLYWHEEL_MLFLOW_URL", () => {
  it("is read as an http(s) URL and refused, by name, when it is not one", () => {
    expect(loadEnvironment({ FLYWHEEL_MLFLOW_URL: "http://mlflow.nemo.svc.cluster.local:80" }).FLYWHEEL_MLFLOW_URL).toBe("http://mlflow.nemo.svc.cluster.local:80");
    expect(() => loadEnvironment({ FLYWHEEL_MLFLOW_URL: "mlflow:5000" })).toThrow(expect.objectContaining({ details: expect.arrayContaining([expect.stringContaining("FLYWHEEL_MLFLOW_URL")]) }));
  });

  it("with credentials keeps them out of the runs' URLs and the warnings", async () => {
    const mlflow = new MlflowStandIn();
    await mlflow.start();
    try {
      const withCredentials = mlflow.url.replace("http://", "http://user:secret@");
      const tracking = new MlflowTracking(withCredentials, settings);
      const { uri } = await tracking.logEvaluation(trackedEvaluation(), new AbortController().signal);
      expect(tracking.description).toBe(`MLflow at ${mlflow.url}`);
      expect(uri.startsWith(`${mlflow.url}/#/experiments/1/runs/`)).toBe(true);
      // MLflow's basic auth, on every call.
      expect(mlflow.http.requests.map((request) => request.headers.authorization)).toEqual(mlflow.http.requests.map(() => `Basic ${Buffer.from("user:secret").toString("base64")}`));
      expect(mlflow.http.requests).toHaveLength(5);
    } finally {
      await mlflow.stop();
    }
  });
});

function trackedEvaluation(): TrackedEvaluation {
  const sample = { rank: 1, metric: "function_name_and_args_accuracy" as const, score: 0, scores: { function_name_and_args_accuracy: 0 }, conversation: [], reference: "r", response: "s", truncated: [] };
  return {
    flywheelRunId: "6650a1c2e4b0f1a2b3c4d5e6",
    workloadId: toolWorkload.workloadId,
    clientId: toolWorkload.clientId,
    workloadType: "tool_calling",
    evaluationId: "6650a1c2e4b0f1a2b3c4d5e7",
    evalType: "base-eval",
    candidateModel: smallModel.model,
    targetModel: smallModel.model,
    jobId: "eval-1",
    judgeModel: "judge/j",
    datasetRecords: { eval: 6, icl: 6, train: 20 },
    startedAt: new Date("2026-12-01T03:00:00Z"),
    finishedAt: new Date("2026-12-01T03:05:00Z"),
    scores: { function_name_and_args_accuracy: 0.9 },
    judgeRatings: null,
    samples: [sample],
    samplesTotal: 6,
  };
}
