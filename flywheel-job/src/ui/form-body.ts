import type { IncomingMessage } from "node:http";
import { readBoundedBody } from "../http/bounded-body";

/** Largest form body read: the UI's forms hold a token and a form token, a few hundred bytes. */
export const maxFormBytes = 8 * 1024;

/**
 * A POST form's fields (`application/x-www-form-urlencoded`), read up to `maxFormBytes`; a reason
 * when the body is longer, of another type, or holds a field twice.
 */
export async function readFormBody(request: IncomingMessage): Promise<{ readonly fields: ReadonlyMap<string, string> } | { readonly refused: { readonly status: 400 | 413 | 415; readonly reason: string } }> {
  const type = (request.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
  if (type !== "application/x-www-form-urlencoded") {
    return { refused: { status: 415, reason: "the form must be sent as application/x-www-form-urlencoded" } };
  }
  const tooLarge = { refused: { status: 413, reason: `the form is larger than ${maxFormBytes} bytes` } } as const;
  if (Number(request.headers["content-length"] ?? "0") > maxFormBytes) {
    return tooLarge;
  }
  const body = await readBoundedBody(request, maxFormBytes);
  if (body === undefined) {
    return tooLarge;
  }
  const parameters = new URLSearchParams(body.toString("utf8"));
  const fields = new Map<string, string>();
  for (const [key, value] of parameters) {
    if (fields.has(key)) {
      return { refused: { status: 400, reason: `the form holds ${key.slice(0, 40)} more than once` } };
    }
    fields.set(key, value);
  }
  return { fields };
}
