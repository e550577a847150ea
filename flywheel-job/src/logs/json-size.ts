/**
 * Whether `value`, written as compact JSON (`JSON.stringify`), would take more than `limit` UTF-8
 * bytes. Counts without writing it and without recursion (an explicit stack), and stops as soon as
 * the count passes the limit, so a huge or deeply nested document costs no more than the limit.
 */
export function exceedsJsonBytes(value: unknown, limit: number): boolean {
  let bytes = 0;
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const item = pending.pop();
    if (typeof item === "string") {
      bytes += stringBytes(item);
    } else if (typeof item === "number") {
      bytes += Number.isFinite(item) ? String(item).length : "null".length;
    } else if (typeof item === "boolean") {
      bytes += item ? "true".length : "false".length;
    } else if (Array.isArray(item)) {
      // Brackets and commas.
      bytes += 2 + Math.max(0, item.length - 1);
      for (const element of item) {
        pending.push(element);
      }
    } else if (item !== null && typeof item === "object") {
      const object = item as Record<string, unknown>;
      const keys = Object.keys(object);
      bytes += 2 + Math.max(0, keys.length - 1);
      for (const key of keys) {
        // The key, its colon, then its value.
        bytes += stringBytes(key) + 1;
        pending.push(object[key]);
      }
    } else {
      bytes += "null".length;
    }
    if (bytes > limit) {
      return true;
    }
  }
  return false;
}

/** A string's size in compact JSON: the UTF-8 bytes of its JSON form, quotes and escapes included (a flat string; no recursion). */
function stringBytes(text: string): number {
  return Buffer.byteLength(JSON.stringify(text), "utf8");
}
