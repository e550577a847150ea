import type { VerifiedServingEntry } from "../serving/serving-contract";
import { isRecord } from "../json-fields";
import { printableLine } from "../text/printable";
import { sleep } from "../waits/sleep";
import { formatDuration } from "../waits/poll-until";
import { requestBoundedJson } from "./bounded-json";
import { type NimServiceState, type NimServiceStatusReader, nimServiceReadyState } from "./nim-service-status";
import { replaySmoke, type SmokeSettings } from "./smoke-replay";

/** How one entry came out: `ok`, `scaled to zero` (replicas.max 0: nothing to check, not a failure), or `failed`. */
export type EntryState = "ok" | "scaled to zero" | "failed";

export interface EntryResult {
  readonly entry: string;
  readonly state: EntryState;
  /** What was checked, or what failed. */
  readonly detail: string;
}

export interface ServingCheckSettings {
  /** How long an entry's NIMService may take to report Ready (weights load from its cache). */
  readonly readyTimeoutMs: number;
  /** How often the NIMService's state is read while waiting. */
  readonly pollIntervalMs: number;
  /** How long one request to a model may take (a first completion may be slow). */
  readonly requestTimeoutMs: number;
  /** The largest answer read from a model: `/v1/models` and one short completion are small. */
  readonly answerLimitBytes: number;
}

/** What the check asks a model: short, so that its answer is fast and small. */
const chatMaxTokens = 32;

/** The one tool a tool-calling entry is offered, and must call (`tool_choice: "required"`). */
const verifyTool = {
  type: "function",
  function: {
    name: "get_current_time",
    description: "Returns the current time in a time zone.",
    parameters: { type: "object", properties: { timezone: { type: "string", description: "An IANA time zone, such as Europe/Paris" } }, required: ["timezone"] },
  },
} as const;

const toolCallingRequest = { messages: [{ role: "user", content: "What time is it in Paris?" }], tools: [verifyTool], tool_choice: "required" } as const;
const chatRequest = { messages: [{ role: "user", content: "Say hello in one word." }] } as const;

/** Thrown inside one entry's check: the reason it failed, as its table cell says it. */
class EntryFailure extends Error {}

/** Checks every entry, in the order given. */
export async function checkServingEntries(
  entries: readonly VerifiedServingEntry[],
  statuses: NimServiceStatusReader,
  settings: ServingCheckSettings,
  signal: AbortSignal,
  smoke?: SmokeSettings,
): Promise<EntryResult[]> {
  // All at once: the waits for Ready overlap, so the Job's deadline bounds the slowest entry's wait,
  // not the sum of them (entries are independent NIMServices; each check sends a single request).
  return Promise.all(entries.map((entry) => checkServingEntry(entry, statuses, settings, signal, smoke)));
}

/**
 * One entry: scaled to zero when its `replicas.max` is 0; otherwise its NIMService reports Ready
 * within the timeout, `/v1/models` lists its model (and its adapter), and one chat completion naming
 * the adapter (else the model) is well-formed: a message with text or tool calls, and for a
 * tool-calling entry, offered one tool it must call, tool calls each naming a function with
 * arguments that are a JSON object. With `smoke`, records of its recorded evaluation set are replayed
 * too, and the entry fails when their score is off the recorded one.
 */
async function checkServingEntry(entry: VerifiedServingEntry, statuses: NimServiceStatusReader, settings: ServingCheckSettings, signal: AbortSignal, smoke?: SmokeSettings): Promise<EntryResult> {
  if (entry.replicas.max === 0) {
    return { entry: entry.name, state: "scaled to zero", detail: "replicas.max is 0" };
  }
  try {
    await waitUntilReady(entry, statuses, settings, signal);
    await checkModelsListed(entry, settings, signal);
    const served = entry.adapter ?? entry.model;
    const answered = await checkCompletion(entry, served, settings, signal);
    const smoked = smoke === undefined ? undefined : await replaySmoke(entry, served, smoke, settings, signal);
    if (smoked?.passed === false) {
      throw new EntryFailure(smoked.detail);
    }
    const checked = [`Ready; /v1/models lists ${[entry.model, entry.adapter].filter(Boolean).join(" and ")}`, answered, ...(smoked ? [smoked.detail] : [])];
    return { entry: entry.name, state: "ok", detail: checked.join("; ") };
  } catch (error) {
    if (error instanceof EntryFailure) {
      return { entry: entry.name, state: "failed", detail: printableLine(error.message) };
    }
    throw error;
  }
}

async function waitUntilReady(entry: VerifiedServingEntry, statuses: NimServiceStatusReader, settings: ServingCheckSettings, signal: AbortSignal): Promise<void> {
  const deadline = Date.now() + settings.readyTimeoutMs;
  for (;;) {
    const status = await statuses.read(entry.namespace, entry.name, signal);
    if ("state" in status && status.state === nimServiceReadyState) {
      return;
    }
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      throw new EntryFailure(`NIMService ${entry.namespace}/${entry.name} not Ready within ${formatDuration(settings.readyTimeoutMs)} (last seen: ${describeState(status)})`);
    }
    await sleep(Math.min(settings.pollIntervalMs, remaining), signal);
  }
}

function describeState(status: NimServiceState): string {
  if ("missing" in status) {
    return "no such NIMService";
  }
  if ("unreadable" in status) {
    return `unreadable: ${status.unreadable}`;
  }
  return status.state === undefined ? "no status yet" : `state ${status.state}`;
}

async function checkModelsListed(entry: VerifiedServingEntry, settings: ServingCheckSettings, signal: AbortSignal): Promise<void> {
  const body = await ask(entry, "/v1/models", undefined, settings, signal);
  const data = isRecord(body) ? body.data : undefined;
  if (!Array.isArray(data)) {
    throw new EntryFailure("GET /v1/models answered without a data list");
  }
  const listed = new Set(data.map((model: unknown) => (isRecord(model) ? model.id : undefined)).filter((id): id is string => typeof id === "string"));
  const missing = [entry.model, entry.adapter].filter((id): id is string => id !== undefined && !listed.has(id));
  if (missing.length > 0) {
    throw new EntryFailure(`GET /v1/models does not list ${missing.map((id) => JSON.stringify(id)).join(" or ")} (it lists ${listed.size} model${listed.size === 1 ? "" : "s"})`);
  }
}

/** What the completion showed, for the ok row. */
async function checkCompletion(entry: VerifiedServingEntry, model: string, settings: ServingCheckSettings, signal: AbortSignal): Promise<string> {
  const request = { model, max_tokens: chatMaxTokens, ...(entry.toolCalling ? toolCallingRequest : chatRequest) };
  const kind = entry.toolCalling ? "tool-calling completion" : "chat completion";
  const body = await ask(entry, "/v1/chat/completions", request, settings, signal);
  const choices = isRecord(body) ? body.choices : undefined;
  const message = Array.isArray(choices) && isRecord(choices[0]) ? choices[0].message : undefined;
  if (!isRecord(message)) {
    throw new EntryFailure(`the ${kind} is malformed: no choices[0].message`);
  }
  const toolCalls = message.tool_calls;
  if (entry.toolCalling) {
    if (!Array.isArray(toolCalls) || toolCalls.length === 0) {
      throw new EntryFailure(`the ${kind} is malformed: choices[0].message has no tool_calls although the request required one`);
    }
    toolCalls.forEach((call: unknown, index) => checkToolCall(call, index, kind));
    return `${kind} calls ${toolCalls.length} tool${toolCalls.length === 1 ? "" : "s"}`;
  }
  if (typeof message.content !== "string" && !Array.isArray(toolCalls)) {
    throw new EntryFailure(`the ${kind} is malformed: choices[0].message has neither string content nor tool_calls`);
  }
  return `${kind} well-formed`;
}

function checkToolCall(call: unknown, index: number, kind: string): void {
  const where = `the ${kind}'s tool_calls[${index}]`;
  const fn = isRecord(call) ? call.function : undefined;
  if (!isRecord(fn) || typeof fn.name !== "string") {
    throw new EntryFailure(`${where} has no function.name string`);
  }
  if (typeof fn.arguments !== "string") {
    throw new EntryFailure(`${where} (${fn.name}) has no function.arguments string`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(fn.arguments);
  } catch {
    throw new EntryFailure(`${where} (${fn.name}): function.arguments is not JSON`);
  }
  if (!isRecord(parsed)) {
    throw new EntryFailure(`${where} (${fn.name}): function.arguments is not a JSON object`);
  }
}

async function ask(entry: VerifiedServingEntry, path: string, json: unknown, settings: ServingCheckSettings, signal: AbortSignal): Promise<unknown> {
  const what = `${json === undefined ? "GET" : "POST"} ${path}`;
  const outcome = await requestBoundedJson({ url: new URL(path, entry.url).href, json, limitBytes: settings.answerLimitBytes, timeoutMs: settings.requestTimeoutMs, signal });
  if (!outcome.ok) {
    throw new EntryFailure(`${what} failed: ${outcome.reason}`);
  }
  return outcome.body;
}
