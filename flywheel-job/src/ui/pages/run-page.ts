import type { MetricName } from "../../config/job-config";
import type { ReportRow, RunReport } from "../../report/run-report";
import { activeStatuses } from "../../store/records";
import type { RunDetails } from "../../store/run-store";
import { type CostPoint, scoreCostChart } from "../charts/score-cost-chart";
import { dataTable, facts, missing, note, section } from "../components";
import { entriesOf, formatDuration, formatNumber, formatScore, formatTime, listOf, numberOf, textOf } from "../format";
import { type Html, html } from "../html";
import { layout, type Viewer } from "../layout";
import type { ReportOfRun } from "../report-of-run";
import { cancelPath, runPathWithLive, samplesPath, workloadPath } from "../ui-paths";
import { datasetsSection, dropsSection, errorsSection, partsSection, statusText } from "./run-parts";

/** How often a running run's page reloads itself. */
export const liveRefreshSeconds = 10;

export interface RunPageInput {
  readonly details: RunDetails;
  readonly report: ReportOfRun;
  readonly viewer: Viewer;
  readonly now: Date;
  /** False when the reader turned live updates off (`?live=off`): the page then does not reload itself. */
  readonly liveUpdates: boolean;
}

function isActive(status: unknown): boolean {
  return (activeStatuses as readonly unknown[]).includes(status);
}

function rowName(row: ReportRow): string {
  return `${textOf(row.model) ?? "—"} ${textOf(row.eval_type) ?? "(no evaluation)"}`;
}

function scoreCell(row: ReportRow, metric: MetricName, target: number | undefined): Html {
  const score = formatScore(entriesOf(row.scores).find(([name]) => name === metric)?.[1]);
  const met = entriesOf(row.target_met).find(([name]) => name === metric)?.[1];
  if (target === undefined || typeof met !== "boolean") {
    return html`${score}`;
  }
  return met ? html`${score} <span class="met">✓ meets ${target}</span>` : html`${score} <span class="unmet">✗ below ${target}</span>`;
}

function targetOf(report: RunReport, metric: MetricName): number | undefined {
  return numberOf(entriesOf(report.targets).find(([name]) => name === metric)?.[1]);
}

function costLabel(report: RunReport): string {
  return numberOf(report.gpu_hourly_cost) === undefined ? "GPUs (no GPU price configured)" : "GPU cost per hour";
}

function reportSection(report: ReportOfRun): Html {
  const notes = report.notes.map((text) => missing(text));
  const built = report.report;
  if (built === undefined) {
    return section("report", "Report", notes);
  }
  const metrics = listOf(built.metrics).filter((metric): metric is MetricName => typeof metric === "string");
  const rows = listOf(built.rows).filter((row): row is ReportRow => row !== null && typeof row === "object");
  const recommendation = built.recommendation;
  const verdict =
    recommendation === null || recommendation === undefined
      ? html`<p><strong>Recommendation:</strong> none — keep the production model.</p>`
      : html`<p><strong>Recommendation:</strong> ${textOf(recommendation.model) ?? "—"} with ${textOf(recommendation.eval_type) ?? "—"}: ${textOf(recommendation.reason) ?? ""}</p>`;
  const table =
    rows.length === 0
      ? missing("the report has no candidate rows yet")
      : dataTable(
          "Candidates × evaluation types",
          ["Model", "GPUs", "Evaluation", "Status", ...metrics, costLabel(built), "Promotable", "Rank"],
          rows.map((row) => [
            textOf(row.model) ?? "—",
            formatNumber(row.gpus),
            textOf(row.eval_type) ?? "(none)",
            statusText(row.status),
            ...metrics.map((metric) => scoreCell(row, metric, targetOf(built, metric))),
            formatNumber(row.cost),
            row.promotable === true ? "yes" : "no",
            numberOf(row.rank) === undefined ? "—" : formatNumber(row.rank),
          ]),
          [1, 4 + metrics.length],
        );
  const reportNotes = listOf(built.notes).map((text) => note(textOf(text) ?? ""));
  return section("report", "Report", html`${notes}${verdict}${table}${reportNotes}`);
}

function chartsSection(report: ReportOfRun): Html {
  const built = report.report;
  const metrics = built === undefined ? [] : listOf(built.metrics).filter((metric): metric is MetricName => typeof metric === "string");
  if (built === undefined || metrics.length === 0) {
    return section("charts", "Score against cost", missing("no metric is known for this run, so there is nothing to chart"));
  }
  const rows = listOf(built.rows).filter((row): row is ReportRow => row !== null && typeof row === "object");
  const charts = metrics.map((metric, i) => {
    const points: CostPoint[] = [];
    for (const row of rows) {
      const score = numberOf(entriesOf(row.scores).find(([name]) => name === metric)?.[1]);
      const cost = numberOf(row.cost);
      if (score !== undefined && cost !== undefined && typeof row.eval_type === "string") {
        points.push({ label: rowName(row), cost, score, best: row.rank === 1 });
      }
    }
    const target = targetOf(built, metric);
    if (points.length === 0) {
      return html`<h3>${metric}</h3>${missing(`no candidate has a ${metric} score yet`)}`;
    }
    return html`<h3>${metric}</h3>${scoreCostChart({ id: `chart-${i}`, metric, xLabel: costLabel(built), target, points })}${dataTable(
      `${metric} and ${costLabel(built)} of each candidate × evaluation type`,
      ["Candidate × evaluation", costLabel(built), metric, "Target", "Recommended"],
      points.map((point) => [point.label, formatNumber(point.cost), formatScore(point.score), target === undefined ? "none" : formatNumber(target), point.best ? "yes (rank 1)" : "no"]),
      [1, 2],
    )}`;
  });
  return section("charts", "Score against cost", charts);
}

function cancelForm(details: RunDetails, viewer: Viewer): Html {
  if (viewer.role !== "operator" || !isActive(details.run.status)) {
    return html``;
  }
  return html`<form method="post" action="${cancelPath(details.run.id)}"><input type="hidden" name="csrf" value="${viewer.formToken}"><button type="submit" class="danger">Cancel this run</button></form>`;
}

/** Lets the reader stop the reloading (WCAG 2.2.1: a time limit can be turned off) and start it again. */
function liveSwitch(runId: string, refreshing: boolean): Html {
  return refreshing
    ? html`<p class="note">This page reloads every ${liveRefreshSeconds} seconds while the run is active. <a href="${runPathWithLive(runId, false)}">Stop live updates</a></p>`
    : html`<p class="note">Live updates are off. <a href="${runPathWithLive(runId, true)}">Turn live updates on</a></p>`;
}

export function runPage(input: RunPageInput): Html {
  const { run } = input.details;
  const live = isActive(run.status);
  const refreshing = live && input.liveUpdates;
  const workload = textOf(run.workload_id);
  const client = textOf(run.client_id);
  const summary = facts([
    ["Workload", workload !== undefined && client !== undefined ? html`<a href="${workloadPath(workload, client)}">${workload}</a>` : (workload ?? "not recorded")],
    ["Client", client ?? "not recorded"],
    ["Status", html`<span class="status">${statusText(run.status)}</span>`],
    ["Started", formatTime(run.started_at)],
    ["Finished", run.finished_at === null ? "not yet" : formatTime(run.finished_at)],
    ["Duration", formatDuration(run.started_at, run.finished_at ?? null, input.now)],
    ["Records used", run.num_records === null ? "not counted yet" : formatNumber(run.num_records)],
    ["Kubernetes Job", textOf(run.job?.name) ?? "none recorded"],
    ["Samples", html`<a href="${samplesPath(run.id)}">Side by side with production</a>`],
  ]);
  return layout(
    { title: `Run ${run.id}`, viewer: input.viewer, refreshSeconds: refreshing ? liveRefreshSeconds : undefined },
    html`${summary}${cancelForm(input.details, input.viewer)}${live ? liveSwitch(run.id, refreshing) : ""}${live ? partsSection(input.details, input.now, true) : ""}${errorsSection(input.details)}${reportSection(input.report)}${chartsSection(input.report)}${datasetsSection(input.details)}${dropsSection(input.details)}${live ? "" : partsSection(input.details, input.now, false)}`,
  );
}
