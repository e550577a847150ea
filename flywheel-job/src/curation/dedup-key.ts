import { createHash } from "node:crypto";
import { type ChatMessage, contentText, type ToolCall } from "./records";

/**
 * The deduplication key: the ordered user-message contents, each with runs of whitespace collapsed
 * and the ends trimmed. A record without a user message (a system prompt alone, say) is keyed by its
 * whole ordered conversation instead — every message's role, text and tool calls — so two such records
 * are duplicates only when their conversations are the same; keyed by nothing, they all collided and
 * all but the newest were dropped. Hashed (SHA-256, 128 bits kept) so that holding the keys of
 * `limit × 2` records costs little memory. Records are bounded before this runs (`record-bounds.ts`),
 * so serialising their tool calls cannot recurse without end.
 */
export function dedupKey(messages: readonly ChatMessage[]): string {
  const text = (message: ChatMessage): string => contentText(message.content).replace(/\s+/g, " ").trim();
  const users = messages.filter((m) => m.role === "user").map(text);
  // An array for user contents, an object for a conversation: the two kinds of key never collide.
  const key =
    users.length > 0
      ? users
      : { conversation: messages.map((m) => [m.role, text(m), Array.isArray(m.tool_calls) ? (m.tool_calls as ToolCall[]).map((call) => [call.function.name, call.function.arguments]) : []]) };
  return createHash("sha256").update(JSON.stringify(key)).digest("base64url").slice(0, 22);
}
