import type { DataLimits } from "../config/job-config";
import { isRecord } from "../json-fields";
import type { JsonObject, JsonValue } from "./records";

/**
 * The checks that make a parsed log record safe for everything after validation: JSON
 * serialisation and the tokenizer recurse over it, deduplication and ICL scale with its messages
 * and tools. Both checks here are iterative (an explicit stack, never recursion), so a document
 * nested 100,000 levels deep costs its size and no call stack. `JSON.parse` itself is iterative too.
 */

/** Whether the record has more messages, tools, tool calls in a message or properties in a tool's schema than the limits allow. */
export function exceedsCounts(document: JsonObject, limits: DataLimits): boolean {
  const request = document.request;
  if (!isRecord(request)) {
    return false;
  }
  const { messages, tools } = request;
  if (Array.isArray(messages) && (messages.length > limits.maxMessages || messages.some((message) => toolCallCount(message) > limits.maxToolCalls))) {
    return true;
  }
  if (Array.isArray(tools) && (tools.length > limits.maxTools || tools.some((tool) => exceedsSchemaProperties(tool, limits.maxSchemaProperties)))) {
    return true;
  }
  return toolCallCount(responseMessage(document)) > limits.maxToolCalls;
}

export type StructureFault = "too_deep" | "invalid_text" | "invalid_number";

/**
 * The first structural fault of the record, in the order of the drop reasons: nesting deeper than
 * `maxDepth`, a string or key with a lone surrogate, a non-finite number. Tool-call arguments logged
 * as JSON strings (in request messages and the response message, the ones validation parses) are
 * checked as if they were written inline, so a string cannot smuggle in what an object could not.
 */
export function structureFault(document: JsonObject, maxDepth: number): StructureFault | undefined {
  const found = { invalidText: false, invalidNumber: false };
  if (!withinDepth(document, documentDepth, maxDepth, found)) {
    return "too_deep";
  }
  for (const [argumentsText, depth] of argumentStrings(document)) {
    let parsed: JsonValue;
    try {
      parsed = JSON.parse(argumentsText) as JsonValue;
    } catch {
      // Validation drops it as invalid_tool_arguments.
      continue;
    }
    if (!withinDepth(parsed, depth, maxDepth, found)) {
      return "too_deep";
    }
  }
  return found.invalidText ? "invalid_text" : found.invalidNumber ? "invalid_number" : undefined;
}

/** Depth of the document object itself; a value inside a container at depth d that is itself a container is at d + 1. */
const documentDepth = 1;
/** `request.messages[i]` sits at depth 3 + 1; `response.choices[0].message` at 4 + 1. */
const requestMessageDepth = 4;
const responseMessageDepth = 5;
/** From a message to its calls' arguments: message → tool_calls → call → function → arguments. */
const messageToArguments = 4;

/** Walks `root` (at `rootDepth`) without recursion; false as soon as a container is deeper than `maxDepth`. Notes bad text and numbers in `found`. */
function withinDepth(root: JsonValue, rootDepth: number, maxDepth: number, found: { invalidText: boolean; invalidNumber: boolean }): boolean {
  const check = (value: JsonValue): boolean => {
    if (typeof value === "string") {
      if (!isWellFormed(value)) {
        found.invalidText = true;
      }
      return false;
    }
    if (typeof value === "number") {
      if (!Number.isFinite(value)) {
        found.invalidNumber = true;
      }
      return false;
    }
    return value !== null && typeof value === "object";
  };
  if (!check(root)) {
    return true;
  }
  const containers: Array<JsonValue[] | JsonObject> = [root as JsonValue[] | JsonObject];
  const depths: number[] = [rootDepth];
  for (;;) {
    const container = containers.pop();
    const depth = depths.pop();
    if (container === undefined || depth === undefined) {
      return true;
    }
    if (depth > maxDepth) {
      return false;
    }
    if (Array.isArray(container)) {
      for (const item of container) {
        if (check(item)) {
          containers.push(item as JsonValue[] | JsonObject);
          depths.push(depth + 1);
        }
      }
    } else {
      for (const key in container) {
        if (!isWellFormed(key)) {
          found.invalidText = true;
        }
        const item = container[key];
        if (check(item)) {
          containers.push(item as JsonValue[] | JsonObject);
          depths.push(depth + 1);
        }
      }
    }
  }
}

/** Tool-call arguments logged as strings, with the depth an object in their place would have. */
function* argumentStrings(document: JsonObject): Generator<[string, number]> {
  const request = document.request;
  const messages = isRecord(request) && Array.isArray(request.messages) ? request.messages : [];
  for (const message of messages) {
    yield* messageArgumentStrings(message, requestMessageDepth + messageToArguments);
  }
  yield* messageArgumentStrings(responseMessage(document), responseMessageDepth + messageToArguments);
}

function* messageArgumentStrings(message: JsonValue | undefined, depth: number): Generator<[string, number]> {
  const calls = isRecord(message) ? message.tool_calls : undefined;
  if (!Array.isArray(calls)) {
    return;
  }
  for (const call of calls) {
    const fn = isRecord(call) ? call.function : undefined;
    const args = isRecord(fn) ? fn.arguments : undefined;
    if (typeof args === "string") {
      yield [args, depth];
    }
  }
}

function responseMessage(document: JsonObject): JsonValue | undefined {
  const response = document.response;
  const choices = isRecord(response) ? response.choices : undefined;
  const first = Array.isArray(choices) ? choices[0] : undefined;
  return isRecord(first) ? first.message : undefined;
}

function toolCallCount(message: JsonValue | undefined): number {
  const calls = isRecord(message) ? message.tool_calls : undefined;
  return Array.isArray(calls) ? calls.length : 0;
}

/** Counts the properties of every object schema in a tool's `function.parameters` (nested ones too), stopping past `max`. */
function exceedsSchemaProperties(tool: JsonValue, max: number): boolean {
  const fn = isRecord(tool) ? tool.function : undefined;
  const pending: JsonValue[] = isRecord(fn) && fn.parameters !== undefined ? [fn.parameters] : [];
  let count = 0;
  // Parsed JSON holds no undefined: the stack is empty when pop gives none.
  for (let value = pending.pop(); value !== undefined; value = pending.pop()) {
    if (Array.isArray(value)) {
      for (const item of value) {
        pending.push(item);
      }
    } else if (isRecord(value)) {
      if (isRecord(value.properties)) {
        count += Object.keys(value.properties).length;
        if (count > max) {
          return true;
        }
      }
      for (const key in value) {
        pending.push(value[key]);
      }
    }
  }
  return false;
}

/** `String.prototype.isWellFormed` (ES2024, in Node.js since 20): false for a lone surrogate. The project's `lib` is ES2023. */
function isWellFormed(text: string): boolean {
  return (text as string & { isWellFormed(): boolean }).isWellFormed();
}
