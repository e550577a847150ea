import type { DataLimits } from "../config/job-config";
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

/** A check failed: carries the reason the record is dropped for. */
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
  try {
    return { ok: true, record: normalise(pulled, options) };
  } catch (error) {
    if (error instanceof Rejected) {
      return { ok: false, reason: error.reason };
    }
    throw error;
  }
}

function normalise(pulled: Pick<PulledDocument, "timestamp" | "document">, options: ValidationOptions): CuratedRecord {
  const document = pulled.document as JsonObject;
  if (exceedsCounts(document, options.limits)) {
    throw new Rejected("too_large");
  }
  if (pulled.timestamp === undefined) {
    throw new Rejected("invalid_timestamp");
  }
  const fault = structureFault(document, options.limits.maxDepth);
  if (fault !== undefined) {
    throw new Rejected(fault);
  }
  const request = document.request;
  if (!isObject(request)) {
    throw new Rejected("missing_request");
  }
  if (!Array.isArray(request.messages) || request.messages.length === 0) {
    throw new Rejected("missing_messages");
  }
  const messages = request.messages.map((message) => normaliseMessage(message, "invalid_message"));
  if (request.tools !== undefined && request.tools !== null && !(Array.isArray(request.tools) && request.tools.every(isObject))) {
    throw new Rejected("invalid_tools");
  }

  const response = document.response;
  const choices = isObject(response) ? response.choices : undefined;
  const firstChoice = Array.isArray(choices) ? choices[0] : undefined;
  if (!isObject(response) || !isObject(firstChoice) || !isObject(firstChoice.message)) {
    throw new Rejected(isObject(firstChoice) && firstChoice.delta !== undefined ? "unassembled_stream" : "missing_response_message");
  }
  const responseMessage = normaliseMessage(firstChoice.message, undefined);
  const toolCalls = (responseMessage.tool_calls ?? []) as ToolCall[];
  if (toolCalls.length === 0 && contentText(responseMessage.content).trim() === "") {
    throw new Rejected("empty_response");
  }
  if (options.maxToolProperties !== undefined && Array.isArray(request.tools) && request.tools.some((tool) => toolPropertyCount(tool) > options.maxToolProperties!)) {
    throw new Rejected("too_many_tool_properties");
  }

  return {
    workloadId: String(document.workload_id),
    clientId: String(document.client_id),
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
function normaliseMessage(value: JsonValue, reason: DropReason | undefined): ChatMessage {
  if (!isObject(value) || typeof value.role !== "string" || value.role === "") {
    throw new Rejected(reason ?? "missing_response_message");
  }
  const content = value.content;
  const hasToolCalls = Array.isArray(value.tool_calls) && value.tool_calls.length > 0;
  const contentOk = typeof content === "string" || content === null || Array.isArray(content) || (content === undefined && hasToolCalls);
  if (!contentOk) {
    throw new Rejected(reason ?? "empty_response");
  }
  if (value.tool_calls === undefined || value.tool_calls === null) {
    return value as ChatMessage;
  }
  if (!Array.isArray(value.tool_calls)) {
    throw new Rejected(reason ?? "invalid_tool_calls");
  }
  const toolCalls = value.tool_calls.map((call) => normaliseToolCall(call, reason));
  return { ...value, role: value.role, tool_calls: toolCalls };
}

function normaliseToolCall(value: JsonValue, reason: DropReason | undefined): ToolCall {
  if (!isObject(value) || !isObject(value.function) || typeof value.function.name !== "string" || value.function.name === "") {
    throw new Rejected(reason ?? "invalid_tool_calls");
  }
  if (value.type !== undefined && value.type !== "function") {
    throw new Rejected(reason ?? "unsupported_tool_call_type");
  }
  const args = parseArguments(value.function.arguments);
  if (args === undefined) {
    throw new Rejected(reason ?? "invalid_tool_arguments");
  }
  return { ...value, type: "function", function: { ...value.function, name: value.function.name, arguments: args } };
}

/** Arguments as an object: already one, a string holding one, or "" (what some loggers write for a call without arguments). */
function parseArguments(value: JsonValue | undefined): JsonObject | undefined {
  if (isObject(value)) {
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
    return isObject(parsed as JsonValue) ? (parsed as JsonObject) : undefined;
  } catch {
    return undefined;
  }
}

function toolPropertyCount(tool: JsonValue): number {
  const fn = isObject(tool) ? tool.function : undefined;
  const parameters = isObject(fn) ? fn.parameters : undefined;
  const properties = isObject(parameters) ? parameters.properties : undefined;
  return isObject(properties) ? Object.keys(properties).length : 0;
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
