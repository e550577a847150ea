/**
 * Why a pulled record was not used, in the order the checks run (a record is counted under the
 * first check it fails).
 */
export const dropReasons = [
  /**
   * Outside a size bound of `data.limits`: a line or document of more than `maxRecordBytes`, which
   * the reader skips without holding it whole, or more messages, tools, tool calls in one message or
   * properties in one tool's schema than `maxMessages`, `maxTools`, `maxToolCalls`,
   * `maxSchemaProperties`.
   */
  "too_large",
  /** `timestamp` missing, not ISO-8601 / epoch seconds / epoch millis, or not finite (`1e400`). */
  "invalid_timestamp",
  /** Objects and lists nested deeper than `data.limits.maxDepth`, tool-call arguments logged as JSON strings included. */
  "too_deep",
  /** A string or key with a lone UTF-16 surrogate (`"\\ud800"`), which no UTF-8 dataset can hold. */
  "invalid_text",
  /** A number JSON cannot write back (`1e400` reads as Infinity) anywhere but the timestamp. */
  "invalid_number",
  /** `request` missing or not an object. */
  "missing_request",
  /** `request.messages` missing, not a list, or empty. */
  "missing_messages",
  /** A message without a string `role`, with a `content` that is not a string, null or a list of parts, or with a malformed tool call. */
  "invalid_message",
  /** `request.tools` present but not a list of objects. */
  "invalid_tools",
  /** The response holds stream chunks (`choices[0].delta`) that the logger never reassembled. */
  "unassembled_stream",
  /** `response.choices[0].message` missing. */
  "missing_response_message",
  /** `tool_calls` not a list, or a call without a function name. */
  "invalid_tool_calls",
  /** A tool call whose `type` is not "function". */
  "unsupported_tool_call_type",
  /** Tool-call `arguments` neither an object nor a string holding a JSON object. */
  "invalid_tool_arguments",
  /** The response has neither content nor tool calls. */
  "empty_response",
  /** The request offers a tool with more parameter properties than `data.maxToolProperties`. */
  "too_many_tool_properties",
  /** Tool-calling workload, but this response calls no tool. */
  "no_tool_calls",
  /** An older record with the same user messages as a newer one. */
  "duplicate",
] as const;

export type DropReason = (typeof dropReasons)[number];

export type DropCounts = Record<DropReason, number>;

export function emptyDropCounts(): DropCounts {
  return Object.fromEntries(dropReasons.map((reason) => [reason, 0])) as DropCounts;
}
