import { evalTypes } from "../evaluation/metrics";
import { printableLine } from "../text/printable";
import { renderRunReport } from "../report/render-report";
import { buildRunReport } from "../report/run-report";
import type { CustomizationRecord, EvaluationRecord, NimRecord, RunRecord } from "../store/records";
import type { RunDetails } from "../store/run-store";

/** `runs show`: the lines about the run and its parts, then its report as the job printed it. */
export function renderRunDetails(details: RunDetails): string {
  const { run } = details;
  const report = run.report ?? buildRunReport(run, details.nims, details.evaluations);
  return `${runDetailLines(details).join("\n")}\n\n${renderRunReport(report, run.report ? "report:" : "report so far:")}`;
}

/** What `runs show` prints before the report: the run's stages, its datasets, then each candidate. */
export function runDetailLines(details: RunDetails): string[] {
  return [...runLines(details.run), ...details.nims.flatMap((nim) => candidateLines(details, nim))];
}

function runLines(run: RunRecord): string[] {
  const lines = [
    `run ${run.id}: workload "${run.workload_id}", client "${run.client_id}"`,
    `status: ${run.status}${run.error ? ` (${run.error})` : ""}`,
    `started: ${formatTime(run.started_at)}; finished: ${formatTime(run.finished_at) || "not yet"}`,
    `seed: ${run.seed}; records: ${run.num_records ?? "not curated yet"}${run.job ? `; Job ${run.job.namespace}/${run.job.name}` : ""}`,
  ];
  if (run.drop_counts) {
    const drops = Object.entries(run.drop_counts).filter(([, n]) => n > 0);
    lines.push(`dropped: ${drops.length > 0 ? drops.map(([reason, n]) => `${reason} ${n}`).join(", ") : "none"}`);
  }
  for (const dataset of run.datasets) {
    lines.push(`dataset ${dataset.kind}: ${dataset.nmp_uri} (${dataset.num_records} records)`);
  }
  return lines;
}

/** One candidate: its deployment, then each of its NeMo jobs with its progress. */
function candidateLines(details: RunDetails, nim: NimRecord): string[] {
  const customization = details.customizations.find((c) => c.nim_id === nim.id);
  const adapter = customization ? `; fine-tuning ${customization.status}${customization.customized_model ? ` → ${customization.customized_model}` : ""}` : "";
  const jobs = [
    ...(customization ? [jobLine("fine-tuning", customization, `, epoch ${customization.epochs_completed}, step ${customization.steps_completed}`)] : []),
    ...details.evaluations
      .filter((e) => e.nim_id === nim.id)
      .sort((a, b) => evalTypes.indexOf(a.eval_type) - evalTypes.indexOf(b.eval_type))
      .flatMap((evaluation) => [jobLine(evaluation.eval_type, evaluation, ""), ...samplesLine(evaluation), ...mlflowLine(evaluation)]),
  ];
  return [`candidate ${nim.model_name}: ${nim.status}, deployment ${nim.deployment_status}${nim.runtime_seconds === null ? "" : `, ${nim.runtime_seconds} s`}${adapter}`, ...jobs];
}

/**
 * A NeMo job of a candidate: its status, its last recorded progress while it runs, the job's id, and
 * what the run did to it when it stopped waiting (`job_stop`).
 */
function jobLine(label: string, record: EvaluationRecord | CustomizationRecord, steps: string): string {
  const progress = record.status === "running" ? `, ${record.progress}% done${steps}` : "";
  const job = record.job_id === null ? "" : ` (job ${record.job_id}${record.job_stop ? `: ${record.job_stop}` : ""})`;
  return `  ${label}: ${record.status}${progress}${job}`;
}

/** Where the evaluation's run is in MLflow, once it was logged there. */
function mlflowLine(evaluation: EvaluationRecord): string[] {
  return typeof evaluation.mlflow_uri === "string" ? [`    mlflow: ${printableLine(evaluation.mlflow_uri)}`] : [];
}

/** What became of a completed evaluation's per-sample results; nothing before it completed. */
function samplesLine(evaluation: EvaluationRecord): string[] {
  const samples = evaluation.samples;
  if (samples === undefined || samples === null) {
    return [];
  }
  const kept = samples.total === null ? "no per-sample results" : `${samples.stored} of ${samples.total} per-sample results kept`;
  // The problem can quote the service's answer: printed as one line, control and bidi characters escaped.
  return [`    samples: ${kept}${samples.problem === null ? "" : ` (${printableLine(samples.problem)})`}`];
}

/** A record's time as `runs` prints it: ISO-8601 to the second, or "" for none. */
export function formatTime(value: Date | null): string {
  return value === null ? "" : value.toISOString().replace(/\.\d+Z$/, "Z");
}
