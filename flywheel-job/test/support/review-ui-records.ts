import type { MetricName } from "../../src/config/job-config";
import type { WorkloadType } from "../../src/curation/records";
import type { EvalType } from "../../src/evaluation/metrics";
import { buildRunReport } from "../../src/report/run-report";
import { newRecordId } from "../../src/store/ids";
import { type EvaluationRecord, type EvaluationSampleRecord, type NimRecord, pendingEvaluation, pendingNim, pendingRun, type RunRecord } from "../../src/store/records";
import type { RunStore } from "../../src/store/run-store";

/**
 * The review UI's demo records: what the browser suite walks through and what the README's screenshot
 * shows (`npm run screenshot:ui`). The bench seeds its own 10,000 runs.
 * Scores are fixed, not random, so every screenshot shows the same page.
 */

/** Text a hostile log record or model answer may hold; the pages must show it as text. */
export const hostileText = {
  script: `<script>alert("script ran")</script>`,
  link: `<a href="javascript:alert('link ran')">open the booking</a>`,
  /** Right-to-left override and an isolate: they could make a shown answer read differently from what it is. */
  bidi: "refund \u202Eevil\u202C of \u2066USD 10\u2069",
} as const;

/** The bidi control characters `hostileText.bidi` holds, which a page must not pass through unmarked. */
export const hostileBidiCharacters: readonly string[] = ["\u202E", "\u202C", "\u2066", "\u2069"];

/** One candidate of a demo run and its scores per evaluation type. */
interface DemoCandidate {
  readonly model: string;
  readonly gpus: number;
  readonly scores: Readonly<Partial<Record<EvalType, Readonly<Partial<Record<MetricName, number>>>>>>;
}

/** The pair with several runs, for the workload page; its latest run is the recorded tool-calling run. */
export const demoPair = { workloadId: "customer-support", clientId: "support-web" } as const;
/** The generic workload's pair. */
export const genericPair = { workloadId: "knowledge-qa", clientId: "docs-portal" } as const;

/** The runs the demo seeds, for the pages that show them. */
export interface ReviewUiDemo {
  /** The recorded tool-calling run: a report, three candidates × two evaluation types, and samples. */
  readonly toolCallingRun: RunRecord;
  readonly genericRun: RunRecord;
  /** Every run of `demoPair`, oldest first; the last is `toolCallingRun`. */
  readonly pairRuns: readonly RunRecord[];
}

const firstStart = Date.UTC(2026, 9, 5, 6, 0, 0);
const day = 86_400_000;
/** Runs of `demoPair` before the recorded one, a week apart. */
const earlierPairRuns = 5;

/** A tool-calling candidate's scores in the run `age` weeks before the latest: they improve week by week. */
function toolCallingCandidates(age: number): DemoCandidate[] {
  const drift = age * 0.03;
  return [
    { model: "meta/llama-3.2-1b-instruct", gpus: 1, scores: { "base-eval": { function_name_accuracy: 0.62 - drift, function_name_and_args_accuracy: 0.41 - drift, tool_calling_correctness: 0.48 - drift }, "icl-eval": { function_name_accuracy: 0.78 - drift, function_name_and_args_accuracy: 0.63 - drift, tool_calling_correctness: 0.66 - drift } } },
    { model: "meta/llama-3.2-3b-instruct", gpus: 2, scores: { "base-eval": { function_name_accuracy: 0.81 - drift, function_name_and_args_accuracy: 0.7 - drift, tool_calling_correctness: 0.74 - drift }, "icl-eval": { function_name_accuracy: 0.93 - drift, function_name_and_args_accuracy: 0.86 - drift, tool_calling_correctness: 0.88 - drift } } },
    { model: "meta/llama-3.1-8b-instruct", gpus: 4, scores: { "base-eval": { function_name_accuracy: 0.95 - drift, function_name_and_args_accuracy: 0.9 - drift, tool_calling_correctness: 0.91 - drift }, "icl-eval": { function_name_accuracy: 0.97 - drift, function_name_and_args_accuracy: 0.93 - drift, tool_calling_correctness: 0.94 - drift } } },
  ];
}

const genericCandidates: readonly DemoCandidate[] = [
  { model: "meta/llama-3.2-1b-instruct", gpus: 1, scores: { "base-eval": { similarity: 0.58 }, "icl-eval": { similarity: 0.71 } } },
  { model: "meta/llama-3.1-8b-instruct", gpus: 4, scores: { "base-eval": { similarity: 0.83 }, "icl-eval": { similarity: 0.88 } } },
];

/** The lowest-scoring records of a tool-calling evaluation, the first of them hostile. */
function toolCallingSamples(runId: string, evaluation: EvaluationRecord): EvaluationSampleRecord[] {
  const answers = [
    { user: `Cancel order 4411 and ${hostileText.script} ${hostileText.link} ${hostileText.bidi}`, reference: `{"name":"cancel_order","arguments":{"order_id":"4411"}}`, response: `I cannot do that. ${hostileText.script} ${hostileText.link} ${hostileText.bidi}`, truncated: ["response"] },
    { user: "Where is my parcel 88-ZX?", reference: `{"name":"track_parcel","arguments":{"tracking_id":"88-ZX"}}`, response: `{"name":"track_parcel","arguments":{"tracking_id":"88ZX"}}`, truncated: [] },
    { user: "Change the delivery address of order 912 to 5 Elm Street.", reference: `{"name":"update_address","arguments":{"order_id":"912","address":"5 Elm Street"}}`, response: `{"name":"update_address","arguments":{"order_id":"912"}}`, truncated: [] },
  ];
  return answers.map((answer, index) => ({
    id: newRecordId(),
    flywheel_run_id: runId,
    evaluation_id: evaluation.id,
    rank: index + 1,
    metric: "function_name_and_args_accuracy",
    score: index === 0 ? 0 : 0.5,
    scores: { function_name_accuracy: index === 0 ? 0 : 1, function_name_and_args_accuracy: index === 0 ? 0 : 0.5 },
    conversation: [
      { role: "system", content: "You are the customer-support assistant. Call a tool when one fits." },
      { role: "user", content: answer.user },
    ],
    reference: answer.reference,
    response: answer.response,
    truncated: answer.truncated,
  }));
}

/** Writes one finished run with its candidates, evaluations, report and (when asked) samples. */
async function seedRun(store: RunStore, pair: { readonly workloadId: string; readonly clientId: string }, workloadType: WorkloadType, startedAt: Date, candidates: readonly DemoCandidate[], withSamples: boolean): Promise<RunRecord> {
  const targets: Partial<Record<MetricName, number>> = workloadType === "tool_calling" ? { function_name_accuracy: 0.85, function_name_and_args_accuracy: 0.8 } : { similarity: 0.8 };
  const finishedAt = new Date(startedAt.getTime() + 2 * 3_600_000 + 17 * 60_000);
  const base: RunRecord = {
    ...pendingRun({ workload_id: pair.workloadId, client_id: pair.clientId, started_at: startedAt, seed: 7, targets, gpu_hourly_cost: 2.5, job: null }),
    status: "completed",
    finished_at: finishedAt,
    num_records: 2000,
    datasets: (["eval", "icl", "train"] as const).map((kind) => ({ kind, name: `flywheel-${kind}-${pair.workloadId}`, num_records: kind === "train" ? 1600 : 200, nmp_uri: `hf://datasets/dfwbp/flywheel-${kind}-${pair.workloadId}` })),
    drop_counts: { duplicate: 14, too_long: 3, malformed_json: 2 },
    workload_type: workloadType,
  };
  const nims: NimRecord[] = candidates.map((candidate) => ({ ...pendingNim({ flywheel_run_id: base.id, model_name: candidate.model, gpus: candidate.gpus }), status: "completed", deployment_status: "deleted", started_at: startedAt, finished_at: finishedAt, runtime_seconds: 7800 }));
  const evaluations: EvaluationRecord[] = candidates.flatMap((candidate, position) =>
    Object.entries(candidate.scores).map(([evalType, scores]) => ({
      ...pendingEvaluation({ nim_id: nims[position].id, eval_type: evalType as EvalType }),
      status: "completed",
      progress: 100,
      scores,
      job_id: `eval-${nims[position].id.slice(-8)}-${evalType}`,
      started_at: startedAt,
      finished_at: finishedAt,
      runtime_seconds: 900,
      judge_ratings: { rated: 200, unparsed: 0, mean_rating: null },
      samples: withSamples ? { stored: 3, total: 200, problem: null } : null,
    })),
  );
  const run = { ...base, report: buildRunReport(base, nims, evaluations) };
  await store.insertRun(run);
  for (const nim of nims) {
    await store.insertNim(nim);
  }
  for (const evaluation of evaluations) {
    await store.insertEvaluation(evaluation);
  }
  if (withSamples) {
    await store.insertEvaluationSamples(evaluations.flatMap((evaluation) => toolCallingSamples(run.id, evaluation)));
  }
  return run;
}

/** Seeds the demo's runs into `store`: the recorded tool-calling run, its pair's earlier runs, and a generic workload's run. */
export async function seedReviewUiDemo(store: RunStore): Promise<ReviewUiDemo> {
  const pairRuns: RunRecord[] = [];
  for (let age = earlierPairRuns; age >= 0; age--) {
    pairRuns.push(await seedRun(store, demoPair, "tool_calling", new Date(firstStart + (earlierPairRuns - age) * 7 * day), toolCallingCandidates(age), age === 0));
  }
  const genericRun = await seedRun(store, genericPair, "generic", new Date(firstStart + earlierPairRuns * 7 * day - day), genericCandidates, false);
  return { toolCallingRun: pairRuns[pairRuns.length - 1], genericRun, pairRuns };
}
