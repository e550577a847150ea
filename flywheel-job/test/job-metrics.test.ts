import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadEnvironment } from "../src/config/environment";
import { jobMetricFamilies, jobMetrics, type MetricFamily, runStages } from "../src/metrics/job-metrics";
import type { JobMetricsSink } from "../src/metrics/run-metrics";
import { pendingEvaluation, pendingNim } from "../src/store/records";
import { largerModel, smallModel, toolWorkload } from "./support/flywheel-fixture";
import { metricsRun, metricsRunConfig, RecordingSink } from "./support/metrics-run";

/** Every sample of the families as `name{label="value",…}` → value, labels sorted. */
function series(families: readonly MetricFamily[]): Map<string, number> {
  return new Map(
    families.flatMap((family) =>
      family.samples.map((sample) => {
        const labels = Object.entries(sample.labels)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([name, value]) => `${name}="${value}"`)
          .join(",");
        return [`${family.name}{${labels}}`, sample.value] as const;
      }),
    ),
  );
}

const namesOf = (families: readonly MetricFamily[]): string[] => families.map((family) => family.name);

/** No label name nor value of any sample mentions the run. */
function expectNoRunId(families: readonly MetricFamily[], runId: string): void {
  const labels = families.flatMap((family) => family.samples.flatMap((sample) => Object.entries(sample.labels)));
  expect(labels.filter(([name, value]) => /run/i.test(name) || value.includes(runId))).toEqual([]);
}

describe("the job's metrics of a run", () => {
  it("are pushed for the run's workload and client at each stage's end and at its exit, with every score and the GPU-seconds of a completed tool-calling run", async () => {
    const at = metricsRun();
    at.platform.evaluationBehaviour.set(smallModel.model, { results: { functionNameAccuracy: 0.97, functionNameAndArgsAccuracy: 0.86 } });
    at.platform.evaluationBehaviour.set(largerModel.model, { results: { functionNameAccuracy: 0.99, functionNameAndArgsAccuracy: 0.96 } });
    const sink = new RecordingSink();
    const outcome = await at.run(metricsRunConfig(), sink);

    expect(outcome).toMatchObject({ status: "completed", exitCode: 0 });
    expect(sink.pushes.map((push) => push.group)).toEqual(Array(runStages.length + 1).fill({ workload: toolWorkload.workloadId, client: toolWorkload.clientId }));
    // Each stage's push holds the stages so far, the run still running.
    expect(sink.pushes.slice(0, runStages.length).map((push) => [series(push.families).get('flywheel_run_status{status="running"}'), push.families.find((f) => f.name === jobMetrics.stageDuration.name)?.samples.length])).toEqual(
      runStages.map((_, i) => [1, i + 1]),
    );
    const last = sink.pushes[runStages.length].families;
    const values = series(last);
    expect(namesOf(last)).toEqual(Object.values(jobMetrics).map((metric) => metric.name));
    expect([...values].filter(([name]) => name.startsWith("flywheel_run_status"))).toEqual([
      ['flywheel_run_status{status="running"}', 0],
      ['flywheel_run_status{status="completed"}', 1],
      ['flywheel_run_status{status="failed"}', 0],
      ['flywheel_run_status{status="cancelled"}', 0],
    ]);
    expect(runStages.map((stage) => values.get(`flywheel_stage_duration_seconds{stage="${stage}"}`))).toEqual(runStages.map(() => expect.any(Number)));
    expect(values.get("flywheel_run_duration_seconds{}")).toBeGreaterThanOrEqual(runStages.reduce((sum, stage) => sum + (values.get(`flywheel_stage_duration_seconds{stage="${stage}"}`) ?? 0), 0) - 0.001);
    expect(["pulled", "valid", "of_workload_type", "unique", "sampled"].map((stage) => values.get(`flywheel_curation_records{stage="${stage}"}`))).toEqual([60, 60, 60, 60, 30]);
    expect(values.get('flywheel_curation_dropped_records{reason="duplicate"}')).toBe(0);
    // The workload's target, once per metric: the dashboards draw it against every evaluation type's scores.
    expect([...values].filter(([name]) => name.startsWith("flywheel_evaluation_target_ratio"))).toEqual([['flywheel_evaluation_target_ratio{metric="function_name_and_args_accuracy"}', 0.9]]);

    const { nims } = (await at.store.details(outcome.runId)) ?? { nims: [] };
    const scores = [...values].filter(([name]) => name.startsWith("flywheel_evaluation_score_ratio") && name.includes('metric="function_name_and_args_accuracy"'));
    // The adapter is a model of its own, which the in-memory Evaluator scores perfectly.
    expect(new Map(scores)).toEqual(
      new Map([
        [`flywheel_evaluation_score_ratio{candidate="${largerModel.model}",eval_type="base-eval",metric="function_name_and_args_accuracy"}`, 0.96],
        [`flywheel_evaluation_score_ratio{candidate="${largerModel.model}",eval_type="icl-eval",metric="function_name_and_args_accuracy"}`, 0.96],
        [`flywheel_evaluation_score_ratio{candidate="${smallModel.model}",eval_type="base-eval",metric="function_name_and_args_accuracy"}`, 0.86],
        [`flywheel_evaluation_score_ratio{candidate="${smallModel.model}",eval_type="icl-eval",metric="function_name_and_args_accuracy"}`, 0.86],
        [`flywheel_evaluation_score_ratio{candidate="${smallModel.model}",eval_type="customized-eval",metric="function_name_and_args_accuracy"}`, 1],
      ]),
    );
    for (const nim of nims) {
      expect(values.get(`flywheel_candidate_gpu_seconds{candidate="${nim.model_name}"}`)).toBeCloseTo(nim.gpus * (nim.runtime_seconds ?? Number.NaN), 6);
    }
    for (const push of sink.pushes) {
      expectNoRunId(push.families, outcome.runId);
    }
  });

  it("of a failed run say so and hold no candidate series, only the stages that ended", async () => {
    const at = metricsRun();
    const sink = new RecordingSink();
    // 60 records in the logs, 100 needed: curation fails the run before any candidate starts.
    const outcome = await at.run(metricsRunConfig({ data: { limit: 50, evalSize: 6, minTotalRecords: 100, seed: 7 } }), sink);

    expect(outcome.status).toBe("failed");
    expect(outcome.exitCode).not.toBe(0);
    const last = sink.pushes[sink.pushes.length - 1].families;
    const values = series(last);
    expect(values.get('flywheel_run_status{status="failed"}')).toBe(1);
    expect(values.get('flywheel_run_status{status="running"}')).toBe(0);
    expect([...values.keys()].filter((name) => name.startsWith("flywheel_stage_duration_seconds"))).toEqual(['flywheel_stage_duration_seconds{stage="sweep"}', 'flywheel_stage_duration_seconds{stage="judge_check"}']);
    // The workload's targets are its configuration, not a result: a failed run pushes them too.
    expect(namesOf(last)).toEqual([jobMetrics.runStatus.name, jobMetrics.runStart.name, jobMetrics.runDuration.name, jobMetrics.stageDuration.name, jobMetrics.evaluationTarget.name]);
    expect(sink.pushes).toHaveLength(3);
    expectNoRunId(last, outcome.runId);
  });

  it("of a run stopped by SIGTERM are pushed at its exit, as cancelled", async () => {
    const at = metricsRun();
    const sigterm = new AbortController();
    const sink = new RecordingSink();
    const stopping: JobMetricsSink = {
      description: sink.description,
      push: async (group, families) => {
        await sink.push(group, families);
        // The pod is stopped once the datasets are published.
        if (families.some((family) => family.samples.some((sample) => sample.labels.stage === "publish_datasets"))) {
          sigterm.abort("SIGTERM");
        }
      },
    };
    const outcome = await at.run(metricsRunConfig(), stopping, sigterm.signal);

    expect(outcome.status).toBe("cancelled");
    expect(outcome.exitCode).toBe(143);
    const values = series(sink.pushes[sink.pushes.length - 1].families);
    expect(values.get('flywheel_run_status{status="cancelled"}')).toBe(1);
    expect(values.get('flywheel_stage_duration_seconds{stage="publish_datasets"}')).toEqual(expect.any(Number));
  });

  it("that cannot be pushed leave the run's outcome as it was, with a warning in its log", async () => {
    const at = metricsRun();
    const failing: JobMetricsSink = { description: "a Pushgateway that answers 500", push: () => Promise.reject(new Error("push failed with status 500")) };
    const outcome = await at.run(metricsRunConfig({ candidates: [{ ...largerModel }] }), failing);

    expect(outcome).toMatchObject({ status: "completed", exitCode: 0 });
    const warnings = at.log.filter((line) => line.includes("could not push the run's metrics"));
    expect(warnings).toHaveLength(runStages.length + 1);
    expect(warnings[0]).toContain("warn");
    expect(warnings[0]).toContain("a Pushgateway that answers 500 (the run goes on): push failed with status 500");
  });
});

describe("the metric families", () => {
  const startedAt = new Date("2026-12-01T03:00:00Z");
  const at = new Date("2026-12-01T03:20:00Z");

  it("hold scores of completed evaluations only and GPU-seconds of candidates that held GPUs and finished", () => {
    const done = { ...pendingNim({ flywheel_run_id: "r", model_name: "meta/a", gpus: 2 }), status: "completed" as const, runtime_seconds: 90 };
    const running = { ...pendingNim({ flywheel_run_id: "r", model_name: "meta/b", gpus: 1 }), status: "running" as const };
    const neverHeld = { ...pendingNim({ flywheel_run_id: "r", model_name: "meta/c", gpus: 1 }), status: "cancelled" as const };
    const evaluations = [
      { ...pendingEvaluation({ nim_id: done.id, eval_type: "base-eval" }), status: "completed" as const, scores: { similarity: 0.7 } },
      { ...pendingEvaluation({ nim_id: done.id, eval_type: "icl-eval" }), status: "failed" as const, scores: { similarity: 0.1 } },
      { ...pendingEvaluation({ nim_id: running.id, eval_type: "base-eval" }), status: "running" as const },
    ];
    const values = series(jobMetricFamilies({ status: "completed", startedAt, at, stageSeconds: { sweep: 1.5 }, nims: [done, running, neverHeld], evaluations, targets: {} }));

    expect([...values].filter(([name]) => name.startsWith("flywheel_evaluation_score_ratio") || name.startsWith("flywheel_candidate_gpu_seconds"))).toEqual([
      ['flywheel_evaluation_score_ratio{candidate="meta/a",eval_type="base-eval",metric="similarity"}', 0.7],
      ['flywheel_candidate_gpu_seconds{candidate="meta/a"}', 180],
    ]);
    expect(values.get("flywheel_run_start_timestamp_seconds{}")).toBe(startedAt.getTime() / 1000);
    expect(values.get("flywheel_run_duration_seconds{}")).toBe(1200);
    expect(values.get('flywheel_stage_duration_seconds{stage="sweep"}')).toBe(1.5);
  });

  it("give every drop reason a series once curation recorded its counts", () => {
    const families = jobMetricFamilies({ status: "running", startedAt, at, stageSeconds: {}, dropCounts: { invalid_timestamp: 4 }, nims: [], evaluations: [], targets: {} });
    const dropped = families.find((family) => family.name === jobMetrics.droppedRecords.name);
    expect(dropped?.samples.find((sample) => sample.labels.reason === "invalid_timestamp")?.value).toBe(4);
    expect(dropped?.samples.find((sample) => sample.labels.reason === "duplicate")?.value).toBe(0);
  });

  it("are each a row of the README's metrics table, with their labels", () => {
    const readme = readFileSync(join(__dirname, "..", "README.md"), "utf8");
    for (const metric of Object.values(jobMetrics)) {
      const row = readme.split("\n").find((line) => line.startsWith(`| \`${metric.name}\` |`));
      expect(row).toBeDefined();
      for (const label of metric.labelNames) {
        expect(row).toContain(`\`${label}\``);
      }
    }
  });
});

describe("FLYWHEEL_PUSHGATEWAY_URL", () => {
  it("is read as an http(s) URL and refused, by name, when it is not one", () => {
    expect(loadEnvironment({ FLYWHEEL_PUSHGATEWAY_URL: "http://pushgateway.monitoring:9091" }).FLYWHEEL_PUSHGATEWAY_URL).toBe("http://pushgateway.monitoring:9091");
    expect(() => loadEnvironment({ FLYWHEEL_PUSHGATEWAY_URL: "pushgateway:9091" })).toThrow(
      expect.objectContaining({ details: expect.arrayContaining([expect.stringContaining("FLYWHEEL_PUSHGATEWAY_URL")]) }),
    );
  });
});
