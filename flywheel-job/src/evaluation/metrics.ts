import type { MetricName } from "../config/job-config";
import type { WorkloadType } from "../curation/records";
import { normaliseSimilarity } from "./judge-rating";

/** Evaluation types of a run, as recorded in the `evaluations` collection. */
export type EvalType = "base-eval" | "icl-eval" | "customized-eval";

export const evalTypes: readonly EvalType[] = ["base-eval", "icl-eval", "customized-eval"];

/** The metrics an evaluation of a workload type reports. */
export function metricsFor(workloadType: WorkloadType): readonly MetricName[] {
  return workloadType === "tool_calling" ? ["function_name_accuracy", "function_name_and_args_accuracy", "tool_calling_correctness"] : ["similarity"];
}

/**
 * An evaluation's raw results as the platform reported them: the tool-calling accuracies (0–1) and
 * the judge's ratings as the service aggregated them. A value may be NaN or out of range, which
 * `scoresFrom` refuses.
 */
export interface EvaluationResults {
  readonly functionNameAccuracy?: number;
  readonly functionNameAndArgsAccuracy?: number;
  readonly judge?: {
    /** Mean of the ratings the judge gave (1–10 for similarity, 0/1 for tool-call correctness). */
    readonly mean?: number;
    /** Ratings that parsed. */
    readonly rated?: number;
    /** Judge replies in which no rating could be found. */
    readonly unparsed?: number;
  };
}

/** What an evaluation scored, every metric on a 0–1 scale, and how many judge replies could not be read. */
export interface EvaluationScores {
  readonly scores: Partial<Record<MetricName, number>>;
  readonly judgeRatings: { readonly rated?: number; readonly unparsed?: number; readonly meanRating?: number };
}

/** An Evaluator reported a value no metric can have: the evaluation failed, it has no score. */
export class MetricOutOfRange extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`the Evaluator reported values outside their metrics' ranges, so they are not scores: ${problems.join("; ")}`);
    this.name = "MetricOutOfRange";
  }
}

/** The range of each raw value before it becomes a metric: shares are 0–1; the similarity judge rates 1–10. */
const rawRanges = {
  function_name_accuracy: { min: 0, max: 1, what: "a share from 0 to 1" },
  function_name_and_args_accuracy: { min: 0, max: 1, what: "a share from 0 to 1" },
  tool_calling_correctness: { min: 0, max: 1, what: "the share of records rated correct, from 0 to 1" },
  similarity: { min: 1, max: 10, what: "the judge's mean rating from 1 to 10" },
} as const satisfies Record<MetricName, { readonly min: number; readonly max: number; readonly what: string }>;

/**
 * Turns an Evaluator's raw results into the run's metrics (see `judge-rating.ts` for the judge's
 * scale). A metric the results leave out has no score; a value outside its range, NaN or infinite
 * throws MetricOutOfRange naming the metric and the value: it is a fault of the service or of the
 * judge, and printed as a score it would mislead the person deciding.
 */
export function scoresFrom(workloadType: WorkloadType, results: EvaluationResults): EvaluationScores {
  const judge = results.judge ?? {};
  const raw: Partial<Record<MetricName, number>> =
    workloadType === "tool_calling"
      ? { function_name_accuracy: results.functionNameAccuracy, function_name_and_args_accuracy: results.functionNameAndArgsAccuracy, tool_calling_correctness: judge.mean }
      : { similarity: judge.mean };
  const problems: string[] = [];
  const scores: Partial<Record<MetricName, number>> = {};
  for (const [metric, value] of Object.entries(raw) as [MetricName, number | undefined][]) {
    if (value === undefined) {
      continue;
    }
    const range = rawRanges[metric];
    if (!Number.isFinite(value) || value < range.min || value > range.max) {
      problems.push(`${metric} ${value}, expected ${range.what}`);
    } else {
      scores[metric] = metric === "similarity" ? normaliseSimilarity(value) : value;
    }
  }
  if (problems.length > 0) {
    throw new MetricOutOfRange(problems);
  }
  return { scores, judgeRatings: { rated: judge.rated, unparsed: judge.unparsed, meanRating: judge.mean } };
}
