import { type MetricName } from "../../config/job-config";
import type { WorkloadType } from "../../curation/records";
import { normaliseSimilarity } from "../../evaluation/judge-rating";
import type { EvaluatedRow } from "../../evaluation/evaluation-samples";
import { metricsFor } from "../../evaluation/metrics";
import { asRecord, isRecord, numberField } from "../../json-fields";
import type { SampleMessage } from "../../store/records";
import { evaluationNames } from "./evaluation-config";

/**
 * One per-sample row of a 25.x custom chat-completion evaluation, read tolerantly.
 *
 * What NVIDIA documents (facts relied on):
 * - The output of a custom evaluation is a dataset with one row per input record: an `id` matching
 *   the input row (its row number when the input has none), `output_text` (the model's output), and
 *   one column per metric computed at the sample level, named after the metric
 *   (https://docs.nvidia.com/nemo/microservices/latest/evaluate/evaluation-custom/output.html).
 * - Templates of a custom task address the input row as `item` and the model's answer as `sample`
 *   (`sample.output_text`, `sample.response.choices[0].message.tool_calls`), which is how
 *   `evaluation-config.ts` writes its judge prompts
 *   (https://docs.nvidia.com/nemo/microservices/25.6.0/evaluate/evaluation-types/custom.html).
 * - Later releases serve row-level scores as JSONL rows with `item`, `sample` and `metrics`
 *   (metric → scores) (https://docs.nvidia.com/nemo/microservices/latest/evaluator/metrics/results.html).
 *
 * Where the docs are silent (the exact column shapes of 25.06), a row may be either nested
 * (`item`, `sample`, `metrics`) or flat (the input's columns `request`/`response` beside
 * `output_text` and the metric columns), and a metric's value may be a number, `{value}`,
 * `{scores: {name: number | {value}}}`, a list of `{name, value}`, or a column `metric.score`.
 * The fields read:
 * - conversation: `item.request.messages` (role, and content as text or text parts);
 * - reference (production's logged answer): `item.response.choices[0].message` — its tool calls as
 *   JSON when it has any, else its content;
 * - response (the candidate's): `sample.response.choices[0].message` the same way, else
 *   `sample.output_text`;
 * - scores: `llm-judge`/`similarity` (1–10, normalised to 0–1), `tool-calling-accuracy`'s
 *   `function_name_accuracy` and `function_name_and_args_accuracy` (0–1), `correctness`/`rating`
 *   (0/1) as `tool_calling_correctness`. A value outside its range is left out, not clamped.
 *
 * The row must already be bounded (line length, nesting): tool calls are serialised here.
 */
export function evaluatedRowOf(row: Record<string, unknown>, workloadType: WorkloadType): EvaluatedRow | undefined {
  const item = asRecord(row.item) ?? row;
  // A flat row's `response` is the dataset's (production's): the candidate's is only `output_text` there.
  const nested = asRecord(row.sample);
  const sample = nested ?? row;
  const messages = asRecord(item.request)?.messages;
  const conversation: SampleMessage[] = Array.isArray(messages) ? messages.filter(isRecord).map((message) => ({ role: typeof message.role === "string" ? message.role : "unknown", content: messageText(message) })) : [];
  const reference = messageText(firstChoice(item.response));
  const candidate = nested === undefined ? undefined : firstChoice(nested.response);
  const response = candidate !== undefined ? messageText(candidate) : typeof sample.output_text === "string" ? sample.output_text : "";
  const scores = scoresOf(row, workloadType);
  if (conversation.length === 0 && reference === "" && response === "" && Object.keys(scores).length === 0) {
    return undefined;
  }
  return { conversation, reference, response, scores };
}

function firstChoice(response: unknown): Record<string, unknown> | undefined {
  const choices = asRecord(response)?.choices;
  return Array.isArray(choices) ? asRecord(asRecord(choices[0])?.message) : undefined;
}

/** A message's tool calls as JSON when it has any, else its text (text parts joined). */
function messageText(message: Record<string, unknown> | undefined): string {
  const toolCalls = message?.tool_calls;
  if (Array.isArray(toolCalls) && toolCalls.length > 0) {
    return JSON.stringify(toolCalls);
  }
  const content = message?.content;
  if (typeof content === "string") {
    return content;
  }
  return Array.isArray(content) ? content.map((part) => (typeof asRecord(part)?.text === "string" ? String(asRecord(part)?.text) : "")).join("") : "";
}

/** A raw per-sample value: the metric (task-config name) and score names it was reported under. */
interface RawScore {
  readonly metric: string;
  readonly score: string;
  readonly value: number;
}

function scoresOf(row: Record<string, unknown>, workloadType: WorkloadType): Partial<Record<MetricName, number>> {
  const raw: RawScore[] = [];
  for (const source of [asRecord(row.metrics), asRecord(row.scores), row]) {
    for (const [key, entry] of Object.entries(source ?? {})) {
      const dot = key.lastIndexOf(".");
      const [metric, score] = dot > 0 ? [key.slice(0, dot), key.slice(dot + 1)] : [key, key];
      raw.push(...rawScores(metric, score, entry));
    }
  }
  const wanted = metricsFor(workloadType);
  const scores: Partial<Record<MetricName, number>> = {};
  for (const entry of raw) {
    const named = runMetric(entry);
    if (named !== undefined && wanted.includes(named.metric) && scores[named.metric] === undefined) {
      scores[named.metric] = named.value;
    }
  }
  return scores;
}

function rawScores(metric: string, score: string, entry: unknown): RawScore[] {
  const direct = numberField(entry) ?? numberField(asRecord(entry)?.value);
  if (direct !== undefined) {
    return [{ metric, score, value: direct }];
  }
  if (Array.isArray(entry)) {
    return entry.flatMap((part) => {
      const record = asRecord(part);
      const value = numberField(record?.value);
      return value === undefined ? [] : [{ metric, score: typeof record?.name === "string" ? record.name : score, value }];
    });
  }
  const named = asRecord(asRecord(entry)?.scores);
  return Object.entries(named ?? {}).flatMap(([name, value]) => {
    const number = numberField(value) ?? numberField(asRecord(value)?.value);
    return number === undefined ? [] : [{ metric, score: name, value: number }];
  });
}

const { generic, toolCalling } = evaluationNames;

/** A raw score as the run's metric on 0–1, or undefined when it is not one of them or out of its range. */
function runMetric({ metric, score, value }: RawScore): { readonly metric: MetricName; readonly value: number } | undefined {
  const share = (name: MetricName) => (value >= 0 && value <= 1 ? { metric: name, value } : undefined);
  if (score === "function_name_accuracy" || score === "function_name_and_args_accuracy") {
    return share(score);
  }
  if ((metric === toolCalling.judgeMetric && score === toolCalling.judgeScore) || score === "tool_calling_correctness") {
    return share("tool_calling_correctness");
  }
  if ((metric === generic.judgeMetric && score === generic.judgeScore) || score === "similarity") {
    return value >= 1 && value <= 10 ? { metric: "similarity", value: normaliseSimilarity(value) } : undefined;
  }
  return undefined;
}
