import type { FlywheelJobConfig, MetricName } from "../config/job-config";
import { TopK } from "../collections/top-k";
import type { WorkloadType } from "../curation/records";
import type { EvaluationSampleRecord, SampleMessage } from "../store/records";

/** How much of an evaluation's per-sample results a run keeps (`evaluationSamples` of the job config). */
export type SampleBounds = FlywheelJobConfig["evaluationSamples"];

/** One evaluated record as the platform reported it, before anything is cut. */
export interface EvaluatedRow {
  readonly conversation: readonly SampleMessage[];
  readonly reference: string;
  readonly response: string;
  /** Every metric the platform scored the record in, on the run's 0–1 scale. */
  readonly scores: Readonly<Partial<Record<MetricName, number>>>;
}

/** A kept record, in the run's terms; the step adds the ids. */
export type EvaluationSample = Omit<EvaluationSampleRecord, "id" | "flywheel_run_id" | "evaluation_id">;

/** The records kept of an evaluation's results, how many the results held, and what could not be read of them. */
export interface SampledResults {
  readonly samples: readonly EvaluationSample[];
  readonly total: number;
  /** e.g. "3 lines of results/outputs.jsonl could not be read and were skipped"; null when everything was read. */
  readonly problem: string | null;
}

/** The platform's per-sample results could not be had: the message says what was wrong (shown on the run as the samples' `problem`). */
export class SamplesUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SamplesUnavailable";
  }
}

/**
 * The metric samples are ordered by: the one a reviewer asks "where did it go wrong" of. Tool
 * calling: whether name and arguments matched (the strictest automatic check); generic: the judge's
 * similarity to production's answer.
 */
export function sampleRankMetric(workloadType: WorkloadType): MetricName {
  return workloadType === "tool_calling" ? "function_name_and_args_accuracy" : "similarity";
}

/** Rank of a row: lower score first; a row without a score first of all (nothing vouched for it); then the earlier row. */
interface Rank {
  readonly score: number;
  readonly index: number;
}

/**
 * The `perEvaluation` lowest-scoring rows of a stream, in O(perEvaluation) memory, each cut to the
 * bounds once it is known to be kept.
 */
export class LowestScoring {
  private readonly kept: TopK<Rank, EvaluatedRow>;
  private offered = 0;
  readonly metric: MetricName;

  constructor(
    workloadType: WorkloadType,
    private readonly bounds: SampleBounds,
  ) {
    this.metric = sampleRankMetric(workloadType);
    // TopK keeps the highest-ranked; here "higher" is the lower score, ties to the earlier row.
    this.kept = new TopK<Rank, EvaluatedRow>(bounds.perEvaluation, (a, b) => a.score < b.score || (a.score === b.score && a.index < b.index));
  }

  /** Rows offered so far: the evaluation's total. */
  get total(): number {
    return this.offered;
  }

  offer(row: EvaluatedRow): void {
    const score = row.scores[this.metric];
    this.kept.offer({ score: score ?? Number.NEGATIVE_INFINITY, index: this.offered }, row);
    this.offered += 1;
  }

  /** The kept rows, lowest score first, ranked from 1 and cut to the bounds. */
  results(problem: string | null): SampledResults {
    const samples = this.kept.sorted().map((row, index) => cutSample(row, index + 1, this.metric, this.bounds));
    return { samples, total: this.offered, problem };
  }
}

function cutSample(row: EvaluatedRow, rank: number, metric: MetricName, bounds: SampleBounds): EvaluationSample {
  const truncated: string[] = [];
  const cut = (text: string, field: string): string => {
    const result = cutUtf8(text, bounds.maxTextBytes);
    if (result.length !== text.length) {
      truncated.push(field);
    }
    return result;
  };
  const { messages, leftOut } = keptMessages(row.conversation, bounds.maxMessages);
  if (leftOut) {
    truncated.push("conversation");
  }
  const conversation = messages.map(({ message, index }) => ({ role: cutUtf8(message.role, 64), content: cut(message.content, `conversation[${index}]`) }));
  return {
    rank,
    metric,
    score: row.scores[metric] ?? null,
    scores: row.scores,
    conversation,
    reference: cut(row.reference, "reference"),
    response: cut(row.response, "response"),
    truncated,
  };
}

/** The first message (usually the system prompt) and the latest ones, `max` in all, with their indexes in the conversation. */
function keptMessages(conversation: readonly SampleMessage[], max: number): { readonly messages: { readonly message: SampleMessage; readonly index: number }[]; readonly leftOut: boolean } {
  const indexed = conversation.map((message, index) => ({ message, index }));
  if (indexed.length <= max) {
    return { messages: indexed, leftOut: false };
  }
  return { messages: [indexed[0], ...indexed.slice(indexed.length - (max - 1))], leftOut: true };
}

/**
 * The longest prefix of `text` within `maxBytes` UTF-8 bytes that ends on a code point: a cut never
 * splits a character (or a surrogate pair) in two.
 */
export function cutUtf8(text: string, maxBytes: number): string {
  // Each UTF-16 unit is at most 3 UTF-8 bytes: a text this short fits without counting.
  if (text.length * 3 <= maxBytes) {
    return text;
  }
  let bytes = 0;
  let end = 0;
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    const size = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    if (bytes + size > maxBytes) {
      return text.slice(0, end);
    }
    bytes += size;
    end += char.length;
  }
  return text;
}
