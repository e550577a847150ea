import { evalTypes } from "../../evaluation/metrics";
import type { EvaluationRecord, EvaluationSampleRecord } from "../../store/records";
import type { RunDetails } from "../../store/run-store";
import { missing, note, section } from "../components";
import { entriesOf, formatNumber, formatScore, listOf, numberOf, textOf } from "../format";
import { type Html, html } from "../html";
import { layout, type Viewer } from "../layout";
import { runPath } from "../ui-paths";
import { statusText } from "./run-parts";

/** The bounds an evaluation's samples were kept under, as far as its record says (older records do not). */
interface KeptBounds {
  readonly maxTextBytes: number | undefined;
  readonly maxMessages: number | undefined;
}

function boundsOf(evaluation: EvaluationRecord): KeptBounds {
  const bounds = Object.fromEntries(entriesOf(Object.fromEntries(entriesOf(evaluation.samples)).bounds));
  return { maxTextBytes: numberOf(bounds.max_text_bytes), maxMessages: numberOf(bounds.max_messages) };
}

/** What the page says of a text the job cut when it stored it, e.g. "cut to 8 KiB". */
export function cutNote(bounds: KeptBounds): string {
  const bytes = bounds.maxTextBytes;
  if (bytes === undefined) {
    return "cut to the sample bound";
  }
  return bytes % 1024 === 0 ? `cut to ${bytes / 1024} KiB` : `cut to ${formatNumber(bytes)} bytes`;
}

export interface SamplesPageInput {
  readonly details: RunDetails;
  readonly samples: readonly EvaluationSampleRecord[];
  readonly viewer: Viewer;
}

function cut(sample: EvaluationSampleRecord, field: string, bounds: KeptBounds): Html {
  return listOf(sample.truncated).includes(field) ? html` <span class="note">(${cutNote(bounds)})</span>` : html``;
}

function textBlock(text: unknown): Html {
  const value = textOf(text);
  return value === undefined ? missing("not recorded") : html`<pre class="text">${value}</pre>`;
}

function conversation(sample: EvaluationSampleRecord, bounds: KeptBounds): Html {
  const messages = listOf(sample.conversation);
  const kept = bounds.maxMessages === undefined ? "" : ` (${formatNumber(bounds.maxMessages)} kept: the first and the latest)`;
  const cutWhole = listOf(sample.truncated).includes("conversation") ? note(`Some messages of a longer conversation were left out${kept}.`) : html``;
  return html`<h5>Conversation</h5>${cutWhole}<ol class="conversation">${messages.map((message, i) => {
    const fields = Object.fromEntries(entriesOf(message));
    return html`<li><strong>${textOf(fields.role) ?? "unknown role"}</strong>${cut(sample, `conversation[${i}]`, bounds)}${textBlock(fields.content)}</li>`;
  })}</ol>`;
}

function sampleArticle(sample: EvaluationSampleRecord, heading: string, bounds: KeptBounds): Html {
  const scores = entriesOf(sample.scores).map(([metric, score]) => `${metric} ${formatScore(score)}`);
  return html`<article class="sample" aria-label="${heading}, record ${formatNumber(sample.rank)}">
<h4>Lowest-scoring record ${formatNumber(sample.rank)}: ${textOf(sample.metric) ?? "score"} ${formatScore(sample.score)}</h4>
${scores.length > 0 ? note(`All scores: ${scores.join(", ")}`) : ""}
${conversation(sample, bounds)}
<div class="side-by-side">
<div><h5>Production's logged response${cut(sample, "reference", bounds)}</h5>${textBlock(sample.reference)}</div>
<div><h5>Candidate's response${cut(sample, "response", bounds)}</h5>${textBlock(sample.response)}</div>
</div>
</article>`;
}

/** Why an evaluation has no samples: the job's stated problem, or where the evaluation is. */
function noSamplesReason(evaluation: EvaluationRecord): string {
  const summary = Object.fromEntries(entriesOf(evaluation.samples));
  const problem = textOf(summary.problem);
  if (problem !== undefined) {
    return `no per-sample results: ${problem}`;
  }
  if (evaluation.status !== "completed") {
    return `no per-sample results: the evaluation is ${statusText(evaluation.status)}`;
  }
  return evaluation.samples === null || evaluation.samples === undefined ? "no per-sample results: none were recorded for this evaluation" : "no per-sample results";
}

function evaluationSection(details: RunDetails, evaluation: EvaluationRecord, samples: readonly EvaluationSampleRecord[], index: number): Html {
  const model = textOf(details.nims.find((nim) => nim.id === evaluation.nim_id)?.model_name) ?? "a deployment not recorded";
  const heading = `${model} — ${textOf(evaluation.eval_type) ?? "evaluation"}`;
  const summary = Object.fromEntries(entriesOf(evaluation.samples));
  const stored = numberOf(summary.stored);
  const total = numberOf(summary.total);
  const counts = stored === undefined ? "" : note(`${stored} lowest-scoring record${stored === 1 ? "" : "s"} kept${total === undefined ? "" : ` of ${total}`}.${textOf(summary.problem) === undefined ? "" : ` ${textOf(summary.problem) ?? ""}`}`);
  const body = samples.length === 0 ? missing(noSamplesReason(evaluation)) : html`${counts}${samples.map((sample) => sampleArticle(sample, heading, boundsOf(evaluation)))}`;
  return html`<section aria-labelledby="evaluation-${index}"><h3 id="evaluation-${index}">${heading}</h3>${body}</section>`;
}

const order = (evaluation: EvaluationRecord): number => evalTypes.indexOf(evaluation.eval_type);

export function samplesPage(input: SamplesPageInput): Html {
  const { details } = input;
  const modelOf = (evaluation: EvaluationRecord): string => textOf(details.nims.find((nim) => nim.id === evaluation.nim_id)?.model_name) ?? "";
  const evaluations = [...details.evaluations].sort((a, b) => modelOf(a).localeCompare(modelOf(b)) || order(a) - order(b));
  const byEvaluation = new Map<string, EvaluationSampleRecord[]>();
  for (const sample of input.samples) {
    const list = byEvaluation.get(sample.evaluation_id) ?? [];
    list.push(sample);
    byEvaluation.set(sample.evaluation_id, list);
  }
  const content =
    evaluations.length === 0
      ? missing("no evaluation is recorded for this run yet, so there are no samples")
      : evaluations.map((evaluation, i) => evaluationSection(details, evaluation, byEvaluation.get(evaluation.id) ?? [], i));
  return layout(
    { title: `Side by side: run ${details.run.id}`, viewer: input.viewer },
    html`<p><a href="${runPath(details.run.id)}">Back to the run</a></p>
<p class="note">For each candidate × evaluation type, its lowest-scoring records: the conversation, production's logged response, the candidate's response, and the score.</p>
${section("samples", "Lowest-scoring records", content)}`,
  );
}
