import { runStatuses } from "../../store/records";
import type { RunDetails } from "../../store/run-store";
import { dataTable, missing, section } from "../components";
import { entriesOf, formatDuration, formatNumber, formatSeconds, formatTime, listOf, numberOf, textOf } from "../format";
import { type Html, html } from "../html";

/**
 * The parts of a run as the run page shows them: the NIM deployments, customizations, evaluations
 * and the judge, with their progress, and every error recorded on the run or a part. Fields are read
 * as a half-written record may hold them.
 */

/** A status word, or a note that the record holds one this version does not know. */
export function statusText(value: unknown): string {
  const text = textOf(value);
  if (text === undefined) {
    return "status not recorded";
  }
  return (runStatuses as readonly string[]).includes(text) ? text : `unknown status "${text}"`;
}

function percent(value: unknown): string {
  const number = numberOf(value);
  return number === undefined ? "—" : `${Math.round(number)} %`;
}

function runtime(part: { readonly started_at?: unknown; readonly finished_at?: unknown; readonly runtime_seconds?: unknown }, now: Date): string {
  const recorded = numberOf(part.runtime_seconds);
  return recorded === undefined ? formatDuration(part.started_at, part.finished_at ?? null, now) : formatSeconds(recorded);
}

/** The model a part's `nim_id` points at, or a note when no deployment of the run has that id. */
function modelOf(details: RunDetails, nimId: unknown): string {
  return textOf(details.nims.find((nim) => nim.id === nimId)?.model_name) ?? "a deployment not recorded";
}

/**
 * The evaluation's MLflow run as a link, opened without this page as its referrer or opener; only an
 * http or https URL is a link (the record is the job's, but a link must never run script), anything
 * else is shown as text.
 */
function mlflowLink(value: unknown): Html | string {
  const text = textOf(value);
  if (text === undefined) {
    return "—";
  }
  const url = URL.parse(text);
  return url !== null && (url.protocol === "http:" || url.protocol === "https:") ? html`<a href="${url.href}" rel="noopener noreferrer">MLflow run</a>` : text;
}

export function partsSection(details: RunDetails, now: Date, live: boolean): Html {
  const deployments =
    details.nims.length === 0
      ? missing("no NIM deployment is recorded yet")
      : dataTable(
          "NIM deployments",
          ["Model", "GPUs", "Status", "Deployment", "Started", "Runtime"],
          details.nims.map((nim) => [textOf(nim.model_name) ?? "—", formatNumber(nim.gpus), statusText(nim.status), textOf(nim.deployment_status) ?? "—", formatTime(nim.started_at), runtime(nim, now)]),
          [1],
        );
  const customizations =
    details.customizations.length === 0
      ? html`<p class="note">No customization is recorded.</p>`
      : dataTable(
          "Customizations",
          ["Base model", "Status", "Progress", "Epochs", "Steps", "Adapter", "Runtime"],
          details.customizations.map((c) => [textOf(c.base_model) ?? modelOf(details, c.nim_id), statusText(c.status), percent(c.progress), formatNumber(c.epochs_completed), formatNumber(c.steps_completed), textOf(c.customized_model) ?? "—", runtime(c, now)]),
          [2, 3, 4],
        );
  const evaluations =
    details.evaluations.length === 0
      ? missing("no evaluation is recorded yet")
      : dataTable(
          "Evaluations",
          ["Model", "Evaluation", "Status", "Progress", "Runtime", "MLflow"],
          details.evaluations.map((e) => [modelOf(details, e.nim_id), textOf(e.eval_type) ?? "—", statusText(e.status), percent(e.progress), runtime(e, now), mlflowLink(e.mlflow_uri)]),
          [3],
        );
  const judge = details.judgeRuns.map((j) => html`<p>Judge: ${textOf(j.model_name) ?? "—"} (${textOf(j.deployment_type) ?? "—"}), ${textOf(j.deployment_status) ?? "status not recorded"}</p>`);
  return section(
    "progress",
    live ? "Live progress" : "Parts",
    html`${judge}${deployments}${customizations}${evaluations}`,
  );
}

export function errorsSection(details: RunDetails): Html {
  const errors: (readonly [string, string])[] = [];
  const add = (what: string, error: unknown): void => {
    const text = textOf(error);
    if (text !== undefined && text !== "") {
      errors.push([what, text]);
    }
  };
  add("the run", details.run.error);
  for (const judge of details.judgeRuns) {
    add(`judge ${textOf(judge.model_name) ?? ""}`, judge.error);
  }
  for (const nim of details.nims) {
    add(`deployment of ${textOf(nim.model_name) ?? "—"}`, nim.error);
  }
  for (const customization of details.customizations) {
    add(`customization of ${modelOf(details, customization.nim_id)}`, customization.error);
  }
  for (const evaluation of details.evaluations) {
    add(`${textOf(evaluation.eval_type) ?? "evaluation"} of ${modelOf(details, evaluation.nim_id)}`, evaluation.error);
  }
  return section("errors", "Errors", errors.length === 0 ? html`<p class="note">No errors recorded.</p>` : dataTable("Errors of the run and its parts", ["Where", "Error"], errors.map(([where, text]) => [where, html`<span class="error">${text}</span>`])));
}

export function datasetsSection(details: RunDetails): Html {
  const datasets = listOf(details.run.datasets).map((dataset) => Object.fromEntries(entriesOf(dataset)));
  return section(
    "datasets",
    "Datasets",
    datasets.length === 0
      ? missing("no dataset is recorded: the run has not curated its logs yet, or stopped before")
      : dataTable("Datasets and their sizes", ["Kind", "Name", "Records", "Where"], datasets.map((d) => [textOf(d.kind) ?? "—", textOf(d.name) ?? "—", formatNumber(d.num_records), textOf(d.nmp_uri) ?? "—"]), [2]),
  );
}

export function dropsSection(details: RunDetails): Html {
  const drops = entriesOf(details.run.drop_counts);
  const content =
    details.run.drop_counts === null || details.run.drop_counts === undefined
      ? missing("no drop counts are recorded: the run has not read its logs yet")
      : drops.length === 0
        ? html`<p class="note">No record was dropped.</p>`
        : dataTable("Records dropped, by reason", ["Reason", "Records"], drops.map(([reason, count]) => [reason, formatNumber(count)]), [1]);
  return section("drops", "Drops by reason", content);
}
