import type { MetricName } from "../../config/job-config";
import { type EvalType, evalTypes } from "../../evaluation/metrics";
import type { ReportRow, RunReport } from "../../report/run-report";
import type { RunRecord } from "../../store/records";
import { type HistorySeries, scoreHistoryChart } from "../charts/score-history-chart";
import { dataTable, missing, note, section } from "../components";
import { entriesOf, formatNumber, formatScore, formatTime, listOf, numberOf, textOf, timeOf } from "../format";
import { type Html, html } from "../html";
import { layout, type Viewer } from "../layout";
import { storedReport } from "../report-of-run";
import { runPath, runsPath } from "../ui-paths";

/** Runs of a pair the workload page charts: the latest this many. */
export const workloadHistoryRuns = 100;

export interface WorkloadPageInput {
  readonly workloadId: string;
  readonly clientId: string;
  /** The pair's latest runs, newest first, as the store lists them: only their stored reports are read. */
  readonly runs: readonly RunRecord[];
  readonly viewer: Viewer;
}

interface ReportedRun {
  readonly run: RunRecord;
  readonly time: number;
  readonly report: RunReport;
}

function rowsOf(report: RunReport): ReportRow[] {
  return listOf(report.rows).filter((row): row is ReportRow => row !== null && typeof row === "object");
}

function scoreOf(row: ReportRow, metric: MetricName): number | undefined {
  return numberOf(entriesOf(row.scores).find(([name]) => name === metric)?.[1]);
}

function historyBlock(reported: readonly ReportedRun[], evalType: EvalType, metric: MetricName, target: number | undefined, index: number): Html | undefined {
  const models = [...new Set(reported.flatMap(({ report }) => rowsOf(report).filter((row) => row.eval_type === evalType && scoreOf(row, metric) !== undefined).map((row) => textOf(row.model) ?? "—")))].sort();
  if (models.length === 0) {
    return undefined;
  }
  const series: HistorySeries[] = models.map((model) => ({
    label: model,
    points: reported.flatMap(({ report, time }) => {
      const score = rowsOf(report)
        .filter((row) => row.eval_type === evalType && (textOf(row.model) ?? "—") === model)
        .map((row) => scoreOf(row, metric))
        .find((value) => value !== undefined);
      return score === undefined ? [] : [{ time, score }];
    }),
  }));
  const title = `${metric}, ${evalType}`;
  const rows = reported
    .filter(({ report }) => rowsOf(report).some((row) => row.eval_type === evalType))
    .map(({ run, report }) => [
      html`<a href="${runPath(run.id)}">${formatTime(run.started_at)}</a>`,
      ...models.map((model) => formatScore(rowsOf(report).find((row) => row.eval_type === evalType && (textOf(row.model) ?? "—") === model && scoreOf(row, metric) !== undefined)?.scores[metric])),
    ]);
  return html`<h3>${title}</h3>${scoreHistoryChart({ id: `history-${index}`, title, target, series })}${dataTable(`${title} of each candidate by run${target === undefined ? ", no target" : `, target ${target}`}`, ["Run started", ...models], rows, models.map((_, i) => i + 1))}`;
}

export function workloadPage(input: WorkloadPageInput): Html {
  const reported: ReportedRun[] = [];
  for (const run of input.runs) {
    const report = storedReport(run.report);
    const time = timeOf(run.started_at);
    if (report !== undefined && time !== undefined) {
      reported.push({ run, time, report });
    }
  }
  reported.sort((a, b) => a.time - b.time);
  const latest = reported[reported.length - 1]?.report;
  const metrics = [...new Set(reported.flatMap(({ report }) => listOf(report.metrics).filter((metric): metric is MetricName => typeof metric === "string")))];
  const title = `Workload ${input.workloadId}, client ${input.clientId}`;
  const left = input.runs.length - reported.length;
  const intro = html`<p><a href="${runsPath({ workload_id: input.workloadId, client_id: input.clientId })}">This pair's runs</a></p>
${note(`The latest ${input.runs.length} run${input.runs.length === 1 ? "" : "s"} of the pair (at most ${workloadHistoryRuns}), from each run's stored report. Targets are the latest report's.`)}
${left > 0 ? missing(`${left} run${left === 1 ? " has" : "s have"} no stored report (still running, stopped early, or half-written) and ${left === 1 ? "is" : "are"} left out`) : ""}`;
  if (reported.length === 0) {
    return layout({ title, viewer: input.viewer }, html`${intro}${missing("no run of this pair has a report yet, so there are no scores to chart")}`);
  }
  const blocks: Html[] = [];
  let index = 0;
  for (const evalType of evalTypes) {
    for (const metric of metrics) {
      const target = latest === undefined ? undefined : numberOf(entriesOf(latest.targets).find(([name]) => name === metric)?.[1]);
      const block = historyBlock(reported, evalType, metric, target, index);
      if (block !== undefined) {
        blocks.push(block);
        index += 1;
      }
    }
  }
  const unscored = metrics.filter((metric) => !reported.some(({ report }) => rowsOf(report).some((row) => scoreOf(row, metric) !== undefined)));
  return layout(
    { title, viewer: input.viewer },
    html`${intro}${section(
      "history",
      "Scores over runs",
      html`${blocks.length === 0 ? missing("no candidate of these runs has a score yet") : blocks}${unscored.map((metric) => missing(`no run has a ${metric} score`))}${note(`${formatNumber(reported.length)} run${reported.length === 1 ? "" : "s"} charted.`)}`,
    )}`,
  );
}
