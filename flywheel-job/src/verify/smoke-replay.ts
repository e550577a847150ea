import { isDeepStrictEqual } from "node:util";
import { evaluationFile } from "../backends/nemo-25/dataset-layout";
import { describeFetchError } from "../http/service-client";
import { loadUndici } from "../http/undici";
import { isRecord } from "../json-fields";
import type { VerifiedServingEntry } from "../serving/serving-contract";
import { requestBoundedJson } from "./bounded-json";

/**
 * `flywheel verify serving --smoke N`: a few records of the evaluation that promoted an entry, sent
 * to the entry again, scored as that evaluation scored them, and compared with the score it recorded:
 * a wrong adapter or image answers well-formed completions but scores far from it.
 */

/** The metric a smoke replay computes: the one `tool-calling` evaluations score without the judge. */
export const smokeMetric = "function_name_and_args_accuracy";

/** The most records `--smoke` replays: each is a completion, and the Job has a deadline. */
export const smokeMaxRecords = 100;

/** Where the records of a recorded evaluation set come from: Data Store, or a test's stand-in. */
export interface EvaluationRecordSource {
  /** The first `count` lines of the dataset at `location` (`hf://datasets/<namespace>/<name>`), parsed; fewer when it has fewer. Throws, with the reason, when it cannot be read. */
  firstRecords(location: string, count: number, signal: AbortSignal): Promise<unknown[]>;
}

export interface SmokeSettings {
  /** How many records to replay (`--smoke N`). */
  readonly count: number;
  /** How far the smoke score may be from the recorded one (`--tolerance`). */
  readonly tolerance: number;
  /** Undefined when the configuration names no Data Store (`dataStoreUrl`). */
  readonly source: EvaluationRecordSource | undefined;
}

export interface SmokeRequestSettings {
  readonly requestTimeoutMs: number;
  readonly answerLimitBytes: number;
}

/** How a replay came out; `passed` false only when the score is off the recorded one, or the replay could not be made. */
export interface SmokeOutcome {
  readonly passed: boolean;
  readonly detail: string;
}

/** Replays up to `smoke.count` records of the entry's recorded evaluation set to `model` and compares the score with the recorded one. */
export async function replaySmoke(entry: VerifiedServingEntry, model: string, smoke: SmokeSettings, settings: SmokeRequestSettings, signal: AbortSignal): Promise<SmokeOutcome> {
  if (!entry.toolCalling) {
    return { passed: true, detail: "smoke: not checked (similarity needs the judge)" };
  }
  const recorded = entry.promotedFrom?.scores[smokeMetric];
  if (recorded === undefined) {
    return { passed: true, detail: `smoke: not checked (no ${smokeMetric} recorded)` };
  }
  const location = entry.promotedFrom?.evalDataset;
  if (location === undefined || smoke.source === undefined) {
    return { passed: true, detail: "smoke: not checked (no evaluation set recorded)" };
  }
  let records: unknown[];
  try {
    records = await smoke.source.firstRecords(location, smoke.count, signal);
  } catch (error) {
    if (signal.aborted) {
      throw signal.reason;
    }
    return { passed: false, detail: `smoke: cannot read the evaluation set ${location}: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (records.length === 0) {
    return { passed: false, detail: `smoke: the evaluation set ${location} has no records` };
  }
  let matched = 0;
  for (const [index, record] of records.entries()) {
    const replay = await replayRecord(record, entry.url, model, settings, signal);
    if ("failure" in replay) {
      return { passed: false, detail: `smoke: record ${index + 1} of ${location}: ${replay.failure}` };
    }
    matched += replay.matched ? 1 : 0;
  }
  const score = matched / records.length;
  const compared = `${smokeMetric} ${formatShare(score)} over ${records.length} record${records.length === 1 ? "" : "s"}, recorded ${formatShare(recorded)}`;
  // A small rounding margin, so that a difference of exactly the tolerance passes.
  return Math.abs(score - recorded) > smoke.tolerance + 1e-9
    ? { passed: false, detail: `smoke: ${compared}: more than ${smoke.tolerance} apart (a wrong adapter or image?)` }
    : { passed: true, detail: `smoke: ${compared} (within ${smoke.tolerance})` };
}

function formatShare(value: number): string {
  return String(Math.round(value * 1000) / 1000);
}

/** One function call, its arguments parsed. */
interface ExpectedCall {
  readonly name: string;
  readonly arguments: unknown;
}

/** Sends the record's request and says whether the answer calls the functions the logged response called, with the same arguments. */
async function replayRecord(record: unknown, entryUrl: string, model: string, settings: SmokeRequestSettings, signal: AbortSignal): Promise<{ matched: boolean } | { failure: string }> {
  const request = isRecord(record) ? record.request : undefined;
  const response = isRecord(record) ? record.response : undefined;
  if (!isRecord(request) || !Array.isArray(request.messages)) {
    return { failure: "no request.messages" };
  }
  const expected = callsOf(firstMessage(response));
  if (expected === undefined) {
    return { failure: "its response has no readable tool calls" };
  }
  const outcome = await requestBoundedJson({
    url: new URL("/v1/chat/completions", entryUrl).href,
    json: { ...request, model, stream: false },
    limitBytes: settings.answerLimitBytes,
    timeoutMs: settings.requestTimeoutMs,
    signal,
  });
  if (!outcome.ok) {
    return { failure: `POST /v1/chat/completions failed: ${outcome.reason}` };
  }
  const answered = callsOf(firstMessage(outcome.body));
  return { matched: answered !== undefined && answered.length === expected.length && answered.every((call, i) => call.name === expected[i].name && isDeepStrictEqual(call.arguments, expected[i].arguments)) };
}

function firstMessage(body: unknown): unknown {
  const choices = isRecord(body) ? body.choices : undefined;
  return Array.isArray(choices) && isRecord(choices[0]) ? choices[0].message : undefined;
}

/** A message's tool calls with their arguments parsed (a string is JSON; the logged response keeps objects), or undefined when they cannot be read. */
function callsOf(message: unknown): ExpectedCall[] | undefined {
  const calls = isRecord(message) ? (message.tool_calls ?? []) : undefined;
  if (!Array.isArray(calls)) {
    return undefined;
  }
  const parsed: ExpectedCall[] = [];
  for (const call of calls) {
    const fn = isRecord(call) ? call.function : undefined;
    if (!isRecord(fn) || typeof fn.name !== "string") {
      return undefined;
    }
    let args: unknown = fn.arguments;
    if (typeof args === "string") {
      try {
        args = JSON.parse(args);
      } catch {
        return undefined;
      }
    }
    parsed.push({ name: fn.name, arguments: args });
  }
  return parsed;
}

/** The first lines of a dataset's evaluation file, read from Data Store's Hugging Face–compatible API and abandoned past `limitBytes`. */
export class DataStoreRecordSource implements EvaluationRecordSource {
  constructor(
    private readonly dataStoreUrl: string,
    private readonly limitBytes: number,
    private readonly timeoutMs: number,
  ) {}

  async firstRecords(location: string, count: number, signal: AbortSignal): Promise<unknown[]> {
    const repo = /^hf:\/\/datasets\/([^/]+\/[^/]+)$/.exec(location)?.[1];
    if (repo === undefined) {
      throw new Error(`${location} is not a Data Store dataset (hf://datasets/<namespace>/<name>)`);
    }
    const url = `${this.dataStoreUrl.replace(/\/+$/, "")}/v1/hf/datasets/${repo}/resolve/main/${evaluationFile}`;
    const { fetch } = loadUndici();
    let response;
    try {
      response = await fetch(url, { signal: AbortSignal.any([signal, AbortSignal.timeout(this.timeoutMs)]) });
    } catch (error) {
      if (signal.aborted) {
        throw signal.reason;
      }
      throw new Error(`GET ${url}: ${describeFetchError(error, this.timeoutMs)}`);
    }
    if (!response.ok || response.body === null) {
      await response.body?.cancel();
      throw new Error(`GET ${url}: HTTP ${response.status}`);
    }
    const lines: string[] = [];
    let pending = "";
    let size = 0;
    const decoder = new TextDecoder();
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      size += chunk.length;
      if (size > this.limitBytes) {
        throw new Error(`GET ${url}: ${count} records are more than the ${this.limitBytes} bytes allowed`);
      }
      pending += decoder.decode(chunk, { stream: true });
      const complete = pending.split("\n");
      pending = complete.pop() ?? "";
      lines.push(...complete.filter((line) => line.trim() !== ""));
      if (lines.length >= count) {
        break;
      }
    }
    if (lines.length < count && pending.trim() !== "") {
      lines.push(pending);
    }
    return lines.slice(0, count).map((line, index) => {
      try {
        return JSON.parse(line) as unknown;
      } catch {
        throw new Error(`line ${index + 1} of ${location}'s ${evaluationFile} is not JSON`);
      }
    });
  }
}
