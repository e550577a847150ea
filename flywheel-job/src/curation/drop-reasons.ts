/**
 * Why a pulled record was not used, in the order the checks run (a record is counted under the
 * first check it fails).
 */
export const dropReasons = [
  /** `timestamp` missing or not ISO-8601 / epoch seconds / epoch millis. */
  "invalid_timestamp",
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
