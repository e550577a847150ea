import { compare } from "../labels";
import { type CuratedRecord, contentText, noToolLabel, type SampledRecord } from "../records";
import type { ExampleSelector } from "./example-selector";

/** Embeds texts, one vector per text, in order. */
export type Embed = (texts: readonly string[]) => Promise<readonly (readonly number[])[]>;

export interface SemanticSelectionSettings {
  readonly maxExamples: number;
  /** Tool calling: share of the example slots given to the most similar records; the rest show tools not yet covered. */
  readonly relevanceRatio: number;
}

/**
 * Nearest neighbours by embedding of the last user message (`semantic`; flywheel-job/README.md,
 * "What the data stages do", step 8). The index is the training records' unit vectors in memory for
 * the run; cosine similarity is a dot product.
 *
 * For tool calling, `round(maxExamples × relevanceRatio)` slots go to the most similar records, and
 * the remaining slots to the most similar record of each tool not yet shown, most similar first, so
 * the candidate also sees tools the closest examples do not use. After those come the remaining
 * records by similarity, for when the token budget skips some (see `buildIclRecords`).
 */
export class SemanticExampleSelector implements ExampleSelector {
  readonly mode = "semantic" as const;

  constructor(
    private readonly embed: Embed,
    private readonly settings: SemanticSelectionSettings,
  ) {}

  async candidates(evalRecords: readonly SampledRecord[], train: readonly SampledRecord[]): Promise<ReadonlyArray<readonly SampledRecord[]>> {
    if (train.length === 0) {
      return evalRecords.map(() => []);
    }
    const vectors = (await this.embed([...train, ...evalRecords].map((record) => lastUserText(record.load())))).map(unit);
    const trainVectors = vectors.slice(0, train.length);
    const toolCalling = train.some((record) => record.toolLabel !== noToolLabel);
    return evalRecords.map((_, i) => {
      const query = vectors[train.length + i];
      const ranked = train
        .map((record, j) => ({ record, similarity: dot(query, trainVectors[j]) }))
        .sort((a, b) => b.similarity - a.similarity || compare(a.record.dedupKey, b.record.dedupKey))
        .map((entry) => entry.record);
      return toolCalling ? this.withToolCoverage(ranked) : ranked;
    });
  }

  private withToolCoverage(ranked: readonly SampledRecord[]): SampledRecord[] {
    const relevant = Math.min(this.settings.maxExamples, Math.round(this.settings.maxExamples * this.settings.relevanceRatio));
    const chosen = ranked.slice(0, relevant);
    const covered = new Set(chosen.map((record) => record.toolLabel));
    for (const record of ranked.slice(relevant)) {
      if (chosen.length >= this.settings.maxExamples) {
        break;
      }
      if (!covered.has(record.toolLabel)) {
        covered.add(record.toolLabel);
        chosen.push(record);
      }
    }
    const picked = new Set(chosen);
    return [...chosen, ...ranked.filter((record) => !picked.has(record))];
  }
}

/** The last user message's text: what the request asks. */
function lastUserText(record: CuratedRecord): string {
  const messages = record.request.messages;
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i].role === "user") {
      const text = contentText(messages[i].content).trim();
      if (text !== "") {
        return text;
      }
    }
  }
  return messages.map((message) => contentText(message.content)).join("\n").trim() || "(empty)";
}

function unit(vector: readonly number[]): number[] {
  const norm = Math.sqrt(vector.reduce((sum, x) => sum + x * x, 0));
  return norm === 0 ? [...vector] : vector.map((x) => x / norm);
}

function dot(a: readonly number[], b: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    sum += a[i] * b[i];
  }
  return sum;
}
