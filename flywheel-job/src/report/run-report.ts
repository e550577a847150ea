import { type MetricName, metricNames } from "../config/job-config";
import type { WorkloadType } from "../curation/records";
import { similarityNormalisation } from "../evaluation/judge-rating";
import { type EvalType, evalTypes, metricsFor } from "../evaluation/metrics";
import type { EvaluationRecord, NimRecord, RunRecord, StepStatus } from "../store/records";

/** One candidate × evaluation type (or a candidate that never got to evaluate). */
export interface ReportRow {
  readonly model: string;
  readonly gpus: number;
  /** Null for a candidate that failed before any evaluation started. */
  readonly eval_type: EvalType | null;
  readonly status: StepStatus;
  readonly error: string | null;
  readonly scores: Readonly<Partial<Record<MetricName, number>>>;
  /** Per metric that has a target: whether the score reached it. */
  readonly target_met: Readonly<Partial<Record<MetricName, boolean>>>;
  readonly promotable: boolean;
  /** GPUs × the price of a GPU-hour, or the GPU count when no price is configured. */
  readonly cost: number;
  /** Position among the promotable ones, cheapest first; null when not promotable. */
  readonly rank: number | null;
  readonly judge_unparsed: number | null;
  readonly judge_rated: number | null;
}

/** The run's verdict, stored with the run as `report` and printed at the end of the job's log. */
export interface RunReport {
  readonly workload_type: WorkloadType | null;
  /** The metrics this workload type reports, in table order. */
  readonly metrics: readonly MetricName[];
  /** Targets that apply to this workload type. */
  readonly targets: Readonly<Partial<Record<MetricName, number>>>;
  /** Targets configured for metrics this workload type does not report. */
  readonly ignored_targets: readonly MetricName[];
  readonly gpu_hourly_cost: number | null;
  readonly rows: readonly ReportRow[];
  readonly recommendation: { readonly model: string; readonly eval_type: EvalType; readonly reason: string } | null;
  readonly notes: readonly string[];
}

const evalTypeOrder = (evalType: EvalType | null): number => (evalType === null ? -1 : evalTypes.indexOf(evalType));

/**
 * Builds the report from what the run recorded. A candidate × evaluation type that completed and
 * meets every target that applies is promotable; promotable ones are ranked by GPU cost (GPUs × the
 * price of a GPU-hour, or the GPU count without a price), then by the simpler change (base before
 * ICL before a fine-tuned adapter), then by how far they clear the targets.
 */
export function buildRunReport(run: RunRecord, nims: readonly NimRecord[], evaluations: readonly EvaluationRecord[]): RunReport {
  const workloadType = run.workload_type;
  const metrics = workloadType === null ? [] : metricsFor(workloadType);
  const configured = metricNames.filter((name) => run.targets[name] !== undefined);
  const targets = Object.fromEntries(configured.filter((name) => metrics.includes(name)).map((name) => [name, run.targets[name] as number]));
  const ignored = workloadType === null ? [] : configured.filter((name) => !metrics.includes(name));
  const price = run.gpu_hourly_cost;

  const rows: ReportRow[] = [];
  for (const nim of [...nims].sort((a, b) => a.model_name.localeCompare(b.model_name))) {
    const cost = nim.gpus * (price ?? 1);
    const ofNim = evaluations.filter((e) => e.nim_id === nim.id).sort((a, b) => evalTypeOrder(a.eval_type) - evalTypeOrder(b.eval_type));
    if (ofNim.length === 0) {
      rows.push({ model: nim.model_name, gpus: nim.gpus, eval_type: null, status: nim.status, error: nim.error, scores: {}, target_met: {}, promotable: false, cost, rank: null, judge_unparsed: null, judge_rated: null });
      continue;
    }
    for (const evaluation of ofNim) {
      const targetMet = Object.fromEntries(Object.entries(targets).map(([name, target]) => [name, (evaluation.scores[name as MetricName] ?? -1) >= target]));
      const promotable = evaluation.status === "completed" && Object.keys(targets).length > 0 && Object.values(targetMet).every(Boolean);
      rows.push({
        model: nim.model_name,
        gpus: nim.gpus,
        eval_type: evaluation.eval_type,
        status: evaluation.status,
        error: evaluation.error,
        scores: evaluation.scores,
        target_met: targetMet,
        promotable,
        cost,
        rank: null,
        judge_unparsed: evaluation.judge_ratings?.unparsed ?? null,
        judge_rated: evaluation.judge_ratings?.rated ?? null,
      });
    }
  }

  const margin = (row: ReportRow): number => Object.entries(targets).reduce((sum, [name, target]) => sum + (row.scores[name as MetricName] ?? 0) - target, 0);
  const ranked = rows
    .filter((row) => row.promotable)
    .sort((a, b) => a.cost - b.cost || evalTypeOrder(a.eval_type) - evalTypeOrder(b.eval_type) || margin(b) - margin(a) || a.model.localeCompare(b.model));
  const ranks = new Map(ranked.map((row, i) => [row, i + 1]));
  const finalRows = rows.map((row) => ({ ...row, rank: ranks.get(row) ?? null }));

  const best = ranked[0];
  const recommendation =
    best === undefined || best.eval_type === null
      ? null
      : { model: best.model, eval_type: best.eval_type, reason: recommendationReason(best, targets, price, ranked.length) };

  return {
    workload_type: workloadType,
    metrics,
    targets,
    ignored_targets: ignored,
    gpu_hourly_cost: price,
    rows: finalRows,
    recommendation,
    notes: reportNotes(workloadType, Object.keys(targets).length, ignored, finalRows, best !== undefined),
  };
}

function recommendationReason(row: ReportRow, targets: Readonly<Partial<Record<MetricName, number>>>, price: number | null, promotable: number): string {
  const met = Object.entries(targets)
    .map(([name, target]) => `${name} ${formatScore(row.scores[name as MetricName])} ≥ ${target}`)
    .join(", ");
  const gpus = `${row.gpus} GPU${row.gpus === 1 ? "" : "s"}`;
  const cost = price === null ? gpus : `${gpus} × ${price} = ${Number(row.cost.toFixed(2))} per hour`;
  const others = promotable > 1 ? `; ${promotable - 1} more promotable in the table, in order` : "";
  return `it meets every target (${met}) at the lowest GPU cost (${cost})${others}`;
}

function reportNotes(workloadType: WorkloadType | null, targets: number, ignored: readonly MetricName[], rows: readonly ReportRow[], anyPromotable: boolean): string[] {
  const notes: string[] = [];
  if (workloadType === "generic") {
    notes.push(similarityNormalisation);
  }
  if (workloadType === "tool_calling") {
    notes.push("tool_calling_correctness is the share of records the judge rated correct (0 or 1 each)");
  }
  if (ignored.length > 0) {
    notes.push(`targets for ${ignored.join(", ")} do not apply to a ${workloadType} workload and were ignored`);
  }
  if (workloadType !== null && targets === 0) {
    notes.push("no targets apply to this workload, so no candidate can be promotable: set targets in the workload's stack config");
  } else if (workloadType !== null && !anyPromotable) {
    notes.push("no candidate × evaluation type met every target: keep the production model");
  }
  for (const row of rows) {
    const what = `${row.model}${row.eval_type ? ` ${row.eval_type}` : ""}`;
    if (row.error !== null) {
      notes.push(`${what} ${row.status}: ${row.error}`);
    }
    if (row.judge_unparsed !== null && row.judge_unparsed > 0) {
      const total = row.judge_rated === null ? "" : ` of ${row.judge_rated + row.judge_unparsed}`;
      notes.push(`${what}: ${row.judge_unparsed}${total} judge replies held no rating and were left out of the mean`);
    }
  }
  return notes;
}

export function formatScore(value: number | undefined): string {
  return value === undefined ? "—" : value.toFixed(3);
}
