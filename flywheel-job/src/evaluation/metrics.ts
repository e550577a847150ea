import type { MetricName } from "../config/job-config";
import type { WorkloadType } from "../curation/records";
import type { EvaluationResults } from "../nemo/services";
import { normaliseSimilarity } from "./judge-rating";

/** Evaluation types of a run, as recorded in the `evaluations` collection. */
export type EvalType = "base-eval" | "icl-eval" | "customized-eval";

export const evalTypes: readonly EvalType[] = ["base-eval", "icl-eval", "customized-eval"];

/** The metrics an evaluation of a workload type reports. */
export function metricsFor(workloadType: WorkloadType): readonly MetricName[] {
  return workloadType === "tool_calling" ? ["function_name_accuracy", "function_name_and_args_accuracy", "tool_calling_correctness"] : ["similarity"];
}

/** What an evaluation scored, every metric on a 0–1 scale, and how many judge replies could not be read. */
export interface EvaluationScores {
  readonly scores: Partial<Record<MetricName, number>>;
  readonly judgeRatings: { readonly rated?: number; readonly unparsed?: number; readonly meanRating?: number };
}

/** Turns an Evaluator's raw results into the run's metrics (see `judge-rating.ts` for the judge's scale). */
export function scoresFrom(workloadType: WorkloadType, results: EvaluationResults): EvaluationScores {
  const judge = results.judge ?? {};
  const scores: Partial<Record<MetricName, number>> = {};
  if (workloadType === "tool_calling") {
    assign(scores, "function_name_accuracy", results.functionNameAccuracy);
    assign(scores, "function_name_and_args_accuracy", results.functionNameAndArgsAccuracy);
    assign(scores, "tool_calling_correctness", judge.mean);
  } else {
    assign(scores, "similarity", judge.mean === undefined ? undefined : normaliseSimilarity(judge.mean));
  }
  return { scores, judgeRatings: { rated: judge.rated, unparsed: judge.unparsed, meanRating: judge.mean } };
}

function assign(scores: Partial<Record<MetricName, number>>, metric: MetricName, value: number | undefined): void {
  if (value !== undefined && Number.isFinite(value)) {
    scores[metric] = value;
  }
}
