import type { IncomingMessage } from "node:http";
import { readBoundedBody } from "../http/bounded-body";
import { type Answer, detail } from "./answer";

/** Largest request body read: a `JobRequest` is a few hundred bytes. */
export const maxBodyBytes = 64 * 1024;

/**
 * The request's body as JSON, read up to `maxBodyBytes`: 413 before anything is parsed when it is
 * longer (by its Content-Length, or as it streams in), 400 when it is not JSON. JSON.parse is not
 * recursive in V8, so a deeply nested body within the limit is safe to parse.
 */
export async function readJsonBody(request: IncomingMessage, limit = maxBodyBytes): Promise<{ readonly json: unknown } | { readonly refused: Answer }> {
  const tooLarge = { refused: detail(413, `Request body too large: at most ${limit} bytes`, { connection: "close" }) };
  const declared = Number(request.headers["content-length"] ?? "0");
  if (declared > limit) {
    return tooLarge;
  }
  const body = await readBoundedBody(request, limit);
  if (body === undefined) {
    return tooLarge;
  }
  const text = body.toString("utf8");
  if (text.trim() === "") {
    return { refused: detail(400, "Malformed JSON: the body is empty") };
  }
  try {
    return { json: JSON.parse(text) as unknown };
  } catch {
    return { refused: detail(400, "Malformed JSON: the body is not a JSON document") };
  }
}
