import { randomBytes } from "node:crypto";

/**
 * A new record id: 24 hexadecimal digits laid out like a MongoDB ObjectId (4 bytes of seconds, then
 * 8 random bytes), so the MongoDB store can keep it as its `_id` and ids sort roughly by creation.
 * It is short and lower-case enough to name Kubernetes objects and datasets after.
 */
export function newRecordId(now: Date = new Date()): string {
  const seconds = Math.floor(now.getTime() / 1000).toString(16).padStart(8, "0");
  return `${seconds}${randomBytes(8).toString("hex")}`;
}

export const recordIdPattern = /^[0-9a-f]{24}$/;
