import { type CuratedRecord, contentText, type JsonValue } from "../records";
import { countTokens } from "./tokenizer";

/** Put before the examples in the system message. */
export const examplesInstruction =
  "Here are examples of earlier requests and the responses they should get. Answer the next request the same way: " +
  "the same format, and the same choice of tools and arguments.";

/**
 * An example as text: the conversation without its system message, then the expected response
 * (its text, or its tool calls as JSON).
 */
export function renderExample(record: CuratedRecord, index: number): string {
  const lines = [`Example ${index}:`];
  for (const message of record.request.messages) {
    if (message.role === "system" || message.role === "developer") {
      continue;
    }
    const text = contentText(message.content);
    if (text !== "") {
      lines.push(`${message.role}: ${text}`);
    }
    if (Array.isArray(message.tool_calls) && message.tool_calls.length > 0) {
      lines.push(`${message.role} tool calls: ${JSON.stringify(toolCallSummary(message.tool_calls))}`);
    }
  }
  if (record.toolCalls.length > 0) {
    lines.push(`Expected tool calls: ${JSON.stringify(toolCallSummary(record.toolCalls))}`);
  } else {
    lines.push(`Expected response: ${contentText(record.responseMessage.content)}`);
  }
  return lines.join("\n");
}

function toolCallSummary(calls: readonly JsonValue[]): JsonValue[] {
  return calls.map((call) => {
    const fn = (call as { function?: { name?: JsonValue; arguments?: JsonValue } }).function;
    return { name: fn?.name ?? null, arguments: fn?.arguments ?? null };
  });
}

/**
 * Tokens a request takes in the context, counted like OpenAI's chat format: each message's role and
 * text plus 4 tokens of framing, its tool calls as JSON, 3 tokens to prime the answer, and the tool
 * definitions as JSON.
 */
export function requestTokens(record: CuratedRecord): number {
  let tokens = 3;
  for (const message of record.request.messages) {
    tokens += 4 + countTokens(message.role) + countTokens(contentText(message.content));
    if (Array.isArray(message.tool_calls)) {
      tokens += countTokens(JSON.stringify(message.tool_calls));
    }
  }
  const tools = record.request.tools;
  if (Array.isArray(tools) && tools.length > 0) {
    tokens += countTokens(JSON.stringify(tools));
  }
  return tokens;
}
