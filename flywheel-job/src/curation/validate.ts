import type { DataLimits } from "../config/job-config";
import { isRecord, jsonText } from "../json-fields";
import type { PulledDocument } from "../logs/log-source";
import { dedupKey } from "./dedup-key";
import type { DropReason } from "./drop-reasons";
import { exceedsCounts, structureFault } from "./record-bounds";
import type { ChatMessage, CuratedRecord, JsonObject, JsonValue, ToolCall } from "./records";
import { contentText } from "./records";

export interface ValidationOptions {
  /** Bounds checked before anything else looks at the record. */
  readonly limits: DataLimits;
  /** Drop records offering a tool with more parameter properties than this. */
  readonly maxToolProperties?: number;
}

export type ValidationResult = { readonly ok: true; readonly record: CuratedRecord } | { readonly ok: false; readonly reason: DropReason };

/**
 * A check failed: carries the reason the record is dropped for. Returned, not thrown: a dropped
 * record is no error, and a record of a hostile export may be dropped millions of times over.
 */
class Rejected {
  constructor(readonly reason: DropReason) {}
}

/**
 * Validates and normalises one log record (docs/log-contract.md; flywheel-job/README.md, "What the
 * data stages do", step 2). The bounds of `options.limits` come first, so nothing recursive ever
 * sees a record outside them. Tool-call `arguments` logged as JSON strings are parsed into objects,
 * in the response and in earlier assistant turns, so every dataset carries one shape. Everything
 * else stays as logged.
 */
export function validateRecord(pulled: Pick<PulledDocument, "timestamp" | "document">, options: ValidationOptions): ValidationResult {
  const record = normalise(pulled, options);
  return record instanceof Rejected ? { ok: false, reason: record.reason } : { ok: true, record };
}

function normalise(pulled: Pick<PulledDocument, "timestamp" | "document">, options: ValidationOptions): CuratedRecord | Rejected {
  const document = pulled.document as JsonObject;
  if (exceedsCounts(document, options.limits)) {
    return new Rejected("too_large");
  }
  if (pulled.timestamp === undefined) {
    return new Rejected("invalid_timestamp");
  }
  const fault = structureFault(document, options.limits.maxDepth);
  if (fault !== undefined) {
    return new Rejected(fault);
  }
  const request = document.request;
  if (!isRecord(request)) {
    return new Rejected("missing_request");
  }
  if (!Array.isArray(request.messages) || request.messages.length === 0) {
    return new Rejected("missing_messages");
  }
  const messages = normaliseEach(request.messages, (message) => normaliseMessage(message, "invalid_message"));
  if (messages instanceof Rejected) {
    return messages;
  }
  if (request.tools !== undefined && request.tools !== null && !(Array.isArray(request.tools) && request.tools.every(isRecord))) {
    return new Rejected("invalid_tools");
  }

  const response = document.response;
  const choices = isRecord(response) ? response.choices : undefined;
  const firstChoice = Array.isArray(choices) ? choices[0] : undefined;
  if (!isRecord(response) || !isRecord(firstChoice) || !isRecord(firstChoice.message)) {
    return new Rejected(isRecord(firstChoice) && firstChoice.delta !== undefined ? "unassembled_stream" : "missing_response_message");
  }
  const responseMessage = normaliseMessage(firstChoice.message, undefined);
  if (responseMessage instanceof Rejected) {
    return responseMessage;
  }
  const toolCalls = (responseMessage.tool_calls ?? []) as ToolCall[];
  if (toolCalls.length === 0 && contentText(responseMessage.content).trim() === "") {
    return new Rejected("empty_response");
  }
  const { maxToolProperties } = options;
  if (maxToolProperties !== undefined && Array.isArray(request.tools) && request.tools.some((tool) => toolPropertyCount(tool) > maxToolProperties)) {
    return new Rejected("too_many_tool_properties");
  }

  return {
    workloadId: jsonText(document.workload_id),
    clientId: jsonText(document.client_id),
    timestamp: pulled.timestamp,
    request: { ...request, messages },
    response: { ...response, choices: [{ ...firstChoice, message: responseMessage }, ...(choices as JsonValue[]).slice(1)] },
    responseMessage,
    toolCalls,
    dedupKey: dedupKey(messages),
  };
}

/**
 * Checks a message and parses its tool-call arguments. `reason` is what a malformed message in the
 * request is dropped for; undefined means the response message, whose tool-call faults have reasons
 * of their own.
 */
function normaliseMessage(value: JsonValue, reason: DropReason | undefined): ChatMessage | Rejected {
  if (!isRecord(value) || typeof value.role !== "string" || value.role === "") {
    return new Rejected(reason ?? "missing_response_message");
  }
  const content = value.content;
  const hasToolCalls = Array.isArray(value.tool_calls) && value.tool_calls.length > 0;
  const contentOk = typeof content === "string" || content === null || Array.isArray(content) || (content === undefined && hasToolCalls);
  if (!contentOk) {
    return new Rejected(reason ?? "empty_response");
  }
  if (value.tool_calls === undefined || value.tool_calls === null) {
    return value as ChatMessage;
  }
  if (!Array.isArray(value.tool_calls)) {
    return new Rejected(reason ?? "invalid_tool_calls");
  }
  const toolCalls = normaliseEach(value.tool_calls, (call) => normaliseToolCall(call, reason));
  if (toolCalls instanceof Rejected) {
    return toolCalls;
  }
  return { ...value, role: value.role, tool_calls: toolCalls };
}

function normaliseToolCall(value: JsonValue, reason: DropReason | undefined): ToolCall | Rejected {
  if (!isRecord(value) || !isRecord(value.function) || typeof value.function.name !== "string" || value.function.name === "") {
    return new Rejected(reason ?? "invalid_tool_calls");
  }
  if (value.type !== undefined && value.type !== "function") {
    return new Rejected(reason ?? "unsupported_tool_call_type");
  }
  const args = parseArguments(value.function.arguments);
  if (args === undefined) {
    return new Rejected(reason ?? "invalid_tool_arguments");
  }
  return { ...value, type: "function", function: { ...value.function, name: value.function.name, arguments: args } };
}

/** Each value normalised, in order, or what the first that fails is rejected with. */
function normaliseEach<T extends object>(values: readonly JsonValue[], normaliseOne: (value: JsonValue) => T | Rejected): T[] | Rejected {
  const normalised: T[] = [];
  for (const value of values) {
    const one = normaliseOne(value);
    if (one instanceof Rejected) {
      return one;
    }
    normalised.push(one);
  }
  return normalised;
}

/** Arguments as an object: already one, a string holding one, or "" (what some loggers write for a call without arguments). */
function parseArguments(value: JsonValue | undefined): JsonObject | undefined {
  if (isRecord(value)) {
    return value;
  }
  if (typeof value !== "string") {
    return undefined;
  }
  if (value.trim() === "") {
    return {};
  }
  try {
    const parsed: unknown = JSON.parse(value);
    return isRecord(parsed) ? (parsed as JsonObject) : undefined;
  } catch {
    return undefined;
  }
}

function toolPropertyCount(tool: JsonValue): number {
  const fn = isRecord(tool) ? tool.function : undefined;
  const parameters = isRecord(fn) ? fn.parameters : undefined;
  const properties = isRecord(parameters) ? parameters.properties : undefined;
  return isRecord(properties) ? Object.keys(properties).length : 0;
}
