import { blueprintJobStatuses, blueprintJobStatus } from "../../api/blueprint-shapes";
import type { RunRecord, RunStatus } from "../../store/records";
import { dataTable, missing, note } from "../components";
import { formatDuration, formatNumber, formatTime, textOf } from "../format";
import { type Html, html } from "../html";
import { layout, type Viewer } from "../layout";
import { storedReport } from "../report-of-run";
import { runPath, runsPath, uiRoutes, workloadPath } from "../ui-paths";
import { statusText } from "./run-parts";

/** The runs list's filters as the query string holds them: `status` in the API's words (`queued` …). */
export interface RunsFilters {
  readonly workload_id?: string;
  readonly client_id?: string;
  readonly status?: string;
}

export interface RunsPageInput {
  readonly runs: readonly RunRecord[];
  readonly filters: RunsFilters;
  /** The cursor of the next page, when more runs match. */
  readonly next?: string;
  /** Why the filters were not applied as given. */
  readonly problems: readonly string[];
  readonly viewer: Viewer;
  readonly now: Date;
}

function statusWord(status: unknown): string {
  const text = statusText(status);
  return text === status ? blueprintJobStatus(status as RunStatus) : text;
}

function recommendation(run: RunRecord): string {
  if (run.report === null || run.report === undefined) {
    return "no report yet";
  }
  const report = storedReport(run.report);
  if (report === undefined) {
    return "report unreadable";
  }
  const chosen = report.recommendation;
  return chosen === null || chosen === undefined ? "none: keep production" : `${textOf(chosen.model) ?? "—"} (${textOf(chosen.eval_type) ?? "—"})`;
}

function filtersForm(filters: RunsFilters): Html {
  return html`<form class="filters" method="get" action="${uiRoutes.runs}" aria-label="Filter runs">
<label for="filter-workload">Workload<input id="filter-workload" name="workload_id" value="${filters.workload_id ?? ""}" maxlength="200"></label>
<label for="filter-client">Client<input id="filter-client" name="client_id" value="${filters.client_id ?? ""}" maxlength="200"></label>
<label for="filter-status">Status<select id="filter-status" name="status">
<option value="">any</option>
${blueprintJobStatuses.map((status) => (status === filters.status ? html`<option value="${status}" selected>${status}</option>` : html`<option value="${status}">${status}</option>`))}
</select></label>
<button type="submit">Filter</button>
</form>`;
}

export function runsPage(input: RunsPageInput): Html {
  const rows = input.runs.map((run) => {
    const workload = textOf(run.workload_id) ?? "—";
    const client = textOf(run.client_id) ?? "—";
    return [
      html`<a href="${runPath(run.id)}">${run.id}</a>`,
      html`<a href="${workloadPath(workload, client)}">${workload}</a>`,
      client,
      statusWord(run.status),
      formatTime(run.started_at),
      formatDuration(run.started_at, run.finished_at ?? null, input.now),
      run.num_records === null || run.num_records === undefined ? "—" : formatNumber(run.num_records),
      recommendation(run),
    ];
  });
  const table = rows.length === 0 ? missing("no run matches these filters") : dataTable("Runs, newest first", ["Run", "Workload", "Client", "Status", "Started", "Duration", "Records used", "Recommendation"], rows, [6]);
  const more = input.next === undefined ? "" : html`<p><a href="${runsPath({ ...input.filters, cursor: input.next })}">Older runs</a></p>`;
  return layout({ title: "Runs", viewer: input.viewer }, html`${input.problems.map((problem) => missing(problem))}${filtersForm(input.filters)}${table}${more}${note("Statuses are the API's words: queued is a run recorded but not started yet.")}`);
}
