import { correctnessRatingPattern, normaliseSimilarity, parseRating, similarityRatingPattern } from "../src/evaluation/judge-rating";
import { MetricOutOfRange, scoresFrom } from "../src/evaluation/metrics";
import { parseWithNonFinite } from "../src/http/service-client";
import { renderRunReport } from "../src/report/render-report";
import { buildRunReport } from "../src/report/run-report";
import type { EvaluationRecord, NimRecord, RunRecord } from "../src/store/records";

describe("reading the judge's replies", () => {
  it.each([
    ["10", 10],
    ["7", 7],
    ["Rating: 7/10", 7],
    ["Score: 8 out of 10", 8],
    ["  9\n", 9],
    ["10/10", 10],
    ["11", undefined],
    ["0", undefined],
    ["100", undefined],
    ["The answers differ in tone.", undefined],
    ["", undefined],
  ])("similarity %j is %p", (reply, rating) => {
    expect(parseRating(reply, similarityRatingPattern)).toBe(rating);
  });

  it.each([
    ["RATING: 1\nEXPLANATION: same call", 1],
    ["RATING:0", 0],
    ["RATING: 10", undefined],
    ["I think it is right", undefined],
  ])("correctness %j is %p", (reply, rating) => {
    expect(parseRating(reply, correctnessRatingPattern)).toBe(rating);
  });

  it("maps the judge's 1–10 onto 0–1 as (mean − 1) / 9", () => {
    expect([1, 5.5, 10].map(normaliseSimilarity)).toEqual([0, 0.5, 1]);
    expect(scoresFrom("generic", { judge: { mean: 8.5, rated: 4, unparsed: 2 } })).toEqual({
      scores: { similarity: 7.5 / 9 },
      judgeRatings: { rated: 4, unparsed: 2, meanRating: 8.5 },
    });
    expect(scoresFrom("tool_calling", { functionNameAccuracy: 0.9, functionNameAndArgsAccuracy: 0.8, judge: { mean: 0.75 } }).scores).toEqual({
      function_name_accuracy: 0.9,
      function_name_and_args_accuracy: 0.8,
      tool_calling_correctness: 0.75,
    });
  });
});

describe("a metric outside its range", () => {
  it.each([
    ["a correctness share above 1", "tool_calling", { functionNameAccuracy: 0.9, judge: { mean: 5.59 } }, "tool_calling_correctness 5.59, expected the share of records rated correct, from 0 to 1"],
    ["an accuracy below 0", "tool_calling", { functionNameAccuracy: -0.2 }, "function_name_accuracy -0.2, expected a share from 0 to 1"],
    ["NaN", "tool_calling", { functionNameAndArgsAccuracy: Number.NaN }, "function_name_and_args_accuracy NaN, expected a share from 0 to 1"],
    ["a similarity mean above 10 before normalising", "generic", { judge: { mean: 11.5 } }, "similarity 11.5, expected the judge's mean rating from 1 to 10"],
    ["a similarity mean below 1 before normalising", "generic", { judge: { mean: 0.4 } }, "similarity 0.4, expected the judge's mean rating from 1 to 10"],
  ] as const)("is not a score: %s", (_, workloadType, results, problem) => {
    expect(() => scoresFrom(workloadType, results)).toThrow(new MetricOutOfRange([problem]));
  });

  it("leaves a metric the results do not hold unscored", () => {
    expect(scoresFrom("tool_calling", { functionNameAccuracy: 1 }).scores).toEqual({ function_name_accuracy: 1 });
  });
});

describe("a NeMo answer written by Python's json", () => {
  it("reads bare NaN and Infinity as numbers, and leaves strings alone", () => {
    expect(parseWithNonFinite('{"value": NaN, "max": Infinity, "min": -Infinity, "text": "NaN Infinity \\" NaN"}')).toEqual({ value: Number.NaN, max: Number.POSITIVE_INFINITY, min: Number.NEGATIVE_INFINITY, text: 'NaN Infinity " NaN' });
    expect(parseWithNonFinite("not json")).toBeUndefined();
  });
});

const runId = "6500000000000000000000aa";

function runRecord(overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    id: runId,
    workload_id: "w",
    client_id: "c",
    status: "completed",
    started_at: new Date(0),
    finished_at: new Date(1),
    num_records: 10,
    datasets: [],
    error: null,
    seed: 1,
    drop_counts: null,
    report: null,
    workload_type: "tool_calling",
    targets: { function_name_and_args_accuracy: 0.9, similarity: 0.5 },
    gpu_hourly_cost: 1.5,
    job: null,
    ...overrides,
  };
}

function nimRecord(id: string, model: string, gpus: number, status: NimRecord["status"] = "completed", error: string | null = null): NimRecord {
  return { id, flywheel_run_id: runId, model_name: model, status, deployment_status: "deleted", started_at: null, finished_at: null, runtime_seconds: null, error, gpus, nim_service: null };
}

function evaluationRecord(nimId: string, evalType: EvaluationRecord["eval_type"], args: number, status: EvaluationRecord["status"] = "completed"): EvaluationRecord {
  return {
    id: `${nimId}${evalType}`,
    nim_id: nimId,
    eval_type: evalType,
    scores: { function_name_accuracy: 1, function_name_and_args_accuracy: args, tool_calling_correctness: 0.8 },
    progress: 100,
    job_id: "j",
    nmp_uri: null,
    started_at: null,
    finished_at: null,
    runtime_seconds: null,
    error: status === "completed" ? null : "evaluation job j failed",
    status,
    judge_ratings: { rated: 10, unparsed: 0, mean_rating: 0.8 },
    job_stop: null,
  };
}

describe("the run report", () => {
  const nims = [nimRecord("a", "big", 4), nimRecord("b", "small", 1), nimRecord("c", "tiny", 1, "failed", "NIMService fw-x failed: no GPU")];
  const evaluations = [
    evaluationRecord("a", "base-eval", 0.99),
    evaluationRecord("b", "base-eval", 0.85),
    evaluationRecord("b", "icl-eval", 0.92),
    evaluationRecord("b", "customized-eval", 0.97),
    evaluationRecord("a", "icl-eval", 0.95, "failed"),
  ];

  it("marks a candidate × evaluation type meeting every target promotable and ranks those by GPU cost, then the simpler change", () => {
    const report = buildRunReport(runRecord(), nims, evaluations);
    expect(report.targets).toEqual({ function_name_and_args_accuracy: 0.9 });
    expect(report.ignored_targets).toEqual(["similarity"]);
    expect(report.rows.map((r) => [r.model, r.eval_type, r.promotable, r.rank, r.cost])).toEqual([
      ["big", "base-eval", true, 3, 6],
      ["big", "icl-eval", false, null, 6],
      ["small", "base-eval", false, null, 1.5],
      ["small", "icl-eval", true, 1, 1.5],
      ["small", "customized-eval", true, 2, 1.5],
      ["tiny", null, false, null, 1.5],
    ]);
    expect(report.recommendation).toEqual({
      model: "small",
      eval_type: "icl-eval",
      reason: "it meets every target (function_name_and_args_accuracy 0.920 ≥ 0.9) at the lowest GPU cost (1 GPU × 1.5 = 1.5 per hour); 2 more promotable in the table, in order",
    });
    expect(report.notes).toEqual([
      "tool_calling_correctness is the share of records the judge rated correct (0 or 1 each)",
      "targets for similarity do not apply to a tool_calling workload and were ignored",
      "big icl-eval failed: evaluation job j failed",
      "tiny failed: NIMService fw-x failed: no GPU",
    ]);
  });

  it("ranks by GPU count when no price is configured, and recommends nothing when no target is met or none applies", () => {
    expect(buildRunReport(runRecord({ gpu_hourly_cost: null }), nims, evaluations).rows.find((r) => r.rank === 1)).toMatchObject({ model: "small", cost: 1 });
    const unmet = buildRunReport(runRecord({ targets: { function_name_and_args_accuracy: 0.999 } }), nims, evaluations);
    expect(unmet.recommendation).toBeNull();
    expect(unmet.notes).toContain("no candidate × evaluation type met every target: keep the production model");
    const none = buildRunReport(runRecord({ targets: {} }), nims, evaluations);
    expect(none.rows.some((r) => r.promotable)).toBe(false);
    expect(none.notes).toContain("no targets apply to this workload, so no candidate can be promotable: set targets in the workload's stack config");
  });

  it("prints a table with every metric against its target, and the recommendation", () => {
    const text = renderRunReport(buildRunReport(runRecord(), nims, evaluations), "run x");
    expect(text.split("\n").slice(0, 11)).toEqual([
      "run x",
      "workload type: tool_calling; targets: function_name_and_args_accuracy ≥ 0.9",
      "",
      "model  GPUs  eval type        function_name_accuracy  function_name_and_args_accuracy  tool_calling_correctness  targets  recommendation",
      "-----  ----  ---------------  ----------------------  -------------------------------  ------------------------  -------  ---------------",
      "big       4  base-eval                         1.000                          0.990 ✓                     0.800  all met  #3",
      "big       4  icl-eval                          1.000                          0.950 ✓                     0.800  failed",
      "small     1  base-eval                         1.000                          0.850 ✗                     0.800  not met",
      "small     1  icl-eval                          1.000                          0.920 ✓                     0.800  all met  #1 review first",
      "small     1  customized-eval                   1.000                          0.970 ✓                     0.800  all met  #2",
      "tiny      1  (not evaluated)                       —                                —                         —  failed",
    ]);
    expect(text).toContain("recommendation: review small (icl-eval) first: it meets every target");
  });
});
