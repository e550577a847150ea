import type { ChatMessage, CuratedRecord, JsonObject, SampledRecord } from "../records";
import type { ExampleSelector } from "./example-selector";
import { examplesInstruction, renderExample, requestTokens } from "./example-text";
import { countTokens } from "./tokenizer";

export interface IclSettings {
  readonly maxExamples: number;
  /** Context budget of the smallest candidate, in tokens. */
  readonly maxContextLength: number;
  /** Tokens kept free for the answer. */
  readonly reservedTokens: number;
  /** Counted tokens are multiplied by 1 + this, because cl100k_base is not the candidates' tokenizer. */
  readonly tokenSafetyMargin: number;
}

/** An evaluation record and the examples chosen for its system message (see `withExamples`). */
export interface IclRecord {
  readonly record: SampledRecord;
  /** In the order they are shown. */
  readonly examples: readonly SampledRecord[];
}

export interface IclStats {
  readonly selection: ExampleSelector["mode"];
  /** How many evaluation records got 0, 1, 2, ... examples. */
  readonly examplesPerRecord: readonly number[];
}

/**
 * Stage 8: for each evaluation record, walks the selector's candidates and keeps each example that
 * still fits the record's budget, `maxContextLength − reservedTokens − tokens(record)`, with every
 * count padded by the safety margin; an example that does not fit is skipped and the next one tried.
 * Records are read again to be counted, one at a time; the writer puts the examples in (`withExamples`).
 */
export async function buildIclRecords(
  evalRecords: readonly SampledRecord[],
  train: readonly SampledRecord[],
  selector: ExampleSelector,
  settings: IclSettings,
): Promise<{ readonly records: IclRecord[]; readonly stats: IclStats }> {
  const candidates = await selector.candidates(evalRecords, train);
  const pad = (tokens: number): number => Math.ceil(tokens * (1 + settings.tokenSafetyMargin));
  const exampleCost = new Map<SampledRecord, number>();
  const costOf = (example: SampledRecord): number => {
    let cost = exampleCost.get(example);
    if (cost === undefined) {
      cost = pad(countTokens(`${renderExample(example.load(), 99)}\n\n`));
      exampleCost.set(example, cost);
    }
    return cost;
  };
  const instructionCost = pad(countTokens(`${examplesInstruction}\n\n`));

  const histogram = new Array<number>(settings.maxExamples + 1).fill(0);
  const records = evalRecords.map((record, i) => {
    let budget = settings.maxContextLength - settings.reservedTokens - pad(requestTokens(record.load())) - instructionCost;
    const chosen: SampledRecord[] = [];
    for (const example of candidates[i]) {
      if (chosen.length === settings.maxExamples) {
        break;
      }
      const cost = costOf(example);
      if (cost <= budget) {
        chosen.push(example);
        budget -= cost;
      }
    }
    histogram[chosen.length] += 1;
    return { record, examples: chosen };
  });
  return { records, stats: { selection: selector.mode, examplesPerRecord: histogram } };
}

/** The record's messages with the examples at the top of its system message, or in a new one before them. */
export function withExamples(record: CuratedRecord, examples: readonly CuratedRecord[]): ChatMessage[] {
  const messages = record.request.messages;
  if (examples.length === 0) {
    return [...messages];
  }
  const block = [examplesInstruction, ...examples.map((example, i) => renderExample(example, i + 1))].join("\n\n");
  const [first, ...rest] = messages;
  if (first.role === "system" && typeof first.content === "string") {
    const content: JsonObject["content"] = first.content === "" ? block : `${block}\n\n${first.content}`;
    return [{ ...first, content }, ...rest];
  }
  if (first.role === "system" && Array.isArray(first.content)) {
    // A system prompt of content parts gets the examples as its first part: a second system message
    // would be refused by chat templates that take one.
    return [{ ...first, content: [{ type: "text", text: block }, ...first.content] }, ...rest];
  }
  return [{ role: "system", content: block }, ...messages];
}
