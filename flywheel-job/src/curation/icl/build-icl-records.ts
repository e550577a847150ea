import type { ChatMessage, CuratedRecord, JsonObject } from "../records";
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

/** An evaluation record with examples in its system message. */
export interface IclRecord {
  readonly record: CuratedRecord;
  /** `request.messages` with the examples injected. */
  readonly messages: ChatMessage[];
  readonly examples: number;
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
 * The examples go at the top of the system message, or into a new system message when there is none.
 */
export async function buildIclRecords(
  evalRecords: readonly CuratedRecord[],
  train: readonly CuratedRecord[],
  selector: ExampleSelector,
  settings: IclSettings,
): Promise<{ readonly records: IclRecord[]; readonly stats: IclStats }> {
  const candidates = await selector.candidates(evalRecords, train);
  const pad = (tokens: number): number => Math.ceil(tokens * (1 + settings.tokenSafetyMargin));
  const exampleCost = new Map<CuratedRecord, number>();
  const costOf = (example: CuratedRecord): number => {
    let cost = exampleCost.get(example);
    if (cost === undefined) {
      cost = pad(countTokens(`${renderExample(example, 99)}\n\n`));
      exampleCost.set(example, cost);
    }
    return cost;
  };
  const instructionCost = pad(countTokens(`${examplesInstruction}\n\n`));

  const histogram = new Array<number>(settings.maxExamples + 1).fill(0);
  const records = evalRecords.map((record, i) => {
    let budget = settings.maxContextLength - settings.reservedTokens - pad(requestTokens(record)) - instructionCost;
    const chosen: CuratedRecord[] = [];
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
    return { record, messages: injectExamples(record.request.messages, chosen), examples: chosen.length };
  });
  return { records, stats: { selection: selector.mode, examplesPerRecord: histogram } };
}

function injectExamples(messages: readonly ChatMessage[], examples: readonly CuratedRecord[]): ChatMessage[] {
  if (examples.length === 0) {
    return [...messages];
  }
  const block = [examplesInstruction, ...examples.map((example, i) => renderExample(example, i + 1))].join("\n\n");
  const [first, ...rest] = messages;
  if (first.role === "system" && typeof first.content === "string") {
    const content: JsonObject["content"] = first.content === "" ? block : `${block}\n\n${first.content}`;
    return [{ ...first, content }, ...rest];
  }
  return [{ role: "system", content: block }, ...messages];
}
