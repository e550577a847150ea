import { createHash } from "node:crypto";

/** A short, stable digest of some content (a Job's script and spec, a config file). */
export function contentHash(content: unknown): string {
  return createHash("sha256").update(JSON.stringify(content)).digest("hex").slice(0, 10);
}
