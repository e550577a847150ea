import { createHash } from "node:crypto";
import { type ChatMessage, contentText } from "./records";

/**
 * The deduplication key (spec §2.4): the ordered user-message contents, each with runs of whitespace
 * collapsed and the ends trimmed, hashed (SHA-256, 128 bits kept) so that holding the keys of
 * `limit × 2` records costs little memory.
 */
export function dedupKey(messages: readonly ChatMessage[]): string {
  const userContents = messages.filter((m) => m.role === "user").map((m) => contentText(m.content).replace(/\s+/g, " ").trim());
  return createHash("sha256").update(JSON.stringify(userContents)).digest("base64url").slice(0, 22);
}
