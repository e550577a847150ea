import { renderTable } from "../text/table";
import type { MetricName } from "../config/job-config";
import { formatScore, type ReportRow, type RunReport } from "./run-report";

/**
 * The report as text, for the end of the job's log and `flywheel runs show`: one row per candidate ×
 * evaluation type with every metric (✓/✗ against its target), whether it meets all targets, and the
 * order in which a person should review the promotable ones; then the recommendation and notes.
 */
export function renderRunReport(report: RunReport, heading: string): string {
  const targets = Object.entries(report.targets).map(([name, target]) => `${name} ≥ ${target}`);
  const lines = [heading, `workload type: ${report.workload_type ?? "unknown"}; targets: ${targets.length > 0 ? targets.join(", ") : "none"}`, ""];
  if (report.rows.length === 0) {
    lines.push("(no candidate results)");
  } else {
    const headers = ["model", "GPUs", "eval type", ...report.metrics, "targets", "recommendation"];
    const rows = report.rows.map((row) => [
      row.model,
      String(row.gpus),
      row.eval_type ?? "(not evaluated)",
      ...report.metrics.map((metric) => metricCell(row, metric)),
      targetsCell(row, Object.keys(report.targets).length),
      row.rank === null ? "" : row.rank === 1 ? "#1 review first" : `#${row.rank}`,
    ]);
    lines.push(renderTable(headers, rows, ["left", "right", "left", ...report.metrics.map(() => "right" as const), "left", "left"]));
  }
  lines.push("");
  lines.push(
    report.recommendation === null
      ? "recommendation: none of the candidates can take over yet"
      : `recommendation: review ${report.recommendation.model} (${report.recommendation.eval_type}) first: ${report.recommendation.reason}`,
  );
  if (report.notes.length > 0) {
    lines.push("notes:", ...report.notes.map((note) => `- ${note}`));
  }
  return `${lines.join("\n")}\n`;
}

function metricCell(row: ReportRow, metric: MetricName): string {
  const score = row.scores[metric];
  const met = row.target_met[metric];
  if (score === undefined) {
    return "—";
  }
  return met === undefined ? formatScore(score) : `${formatScore(score)} ${met ? "✓" : "✗"}`;
}

function targetsCell(row: ReportRow, targets: number): string {
  if (row.status !== "completed") {
    return row.status;
  }
  if (targets === 0) {
    return "no targets";
  }
  return row.promotable ? "all met" : "not met";
}
