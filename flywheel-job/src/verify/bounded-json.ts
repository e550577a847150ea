import { readBodyWithin } from "../http/bounded-download";
import { describeFetchError } from "../http/service-client";
import { loadUndici } from "../http/undici";

/** One JSON request to a served model, bounded in time and in the size of its answer. */
export interface BoundedJsonRequest {
  readonly url: string;
  /** A POST body; without one the request is a GET. */
  readonly json?: unknown;
  readonly limitBytes: number;
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
}

/** What came back: the parsed JSON of a 2xx, or why there is none, as a table cell says it. */
export type JsonOutcome = { readonly ok: true; readonly body: unknown } | { readonly ok: false; readonly reason: string };

/**
 * One request whose answer is read chunk by chunk and abandoned past `limitBytes` (a declared
 * `content-length` above it is refused unread), so a served model cannot make the check hold more.
 * No retries: the check asks once after the NIMService reports Ready, and a model that does not
 * answer then is what the check reports. Aborting the signal rejects with its reason.
 */
export async function requestBoundedJson(request: BoundedJsonRequest): Promise<JsonOutcome> {
  const { fetch } = loadUndici();
  const signal = AbortSignal.any([request.signal, AbortSignal.timeout(request.timeoutMs)]);
  const post = request.json !== undefined;
  try {
    const response = await fetch(request.url, {
      method: post ? "POST" : "GET",
      headers: { accept: "application/json", ...(post ? { "content-type": "application/json" } : {}) },
      body: post ? JSON.stringify(request.json) : undefined,
      signal,
    });
    const read = await readBodyWithin(response, request.limitBytes);
    if (!("body" in read)) {
      const reason = read.declared === undefined ? `an answer of more than the ${request.limitBytes} bytes allowed` : `an answer of ${read.declared} bytes, more than the ${request.limitBytes} allowed`;
      return { ok: false, reason: `HTTP ${response.status}, ${reason}` };
    }
    const text = read.body.toString("utf8");
    if (!response.ok) {
      return { ok: false, reason: `HTTP ${response.status}${text ? `: ${excerpt(text)}` : ""}` };
    }
    try {
      return { ok: true, body: JSON.parse(text) as unknown };
    } catch {
      return { ok: false, reason: `HTTP ${response.status}, not JSON: ${excerpt(text)}` };
    }
  } catch (error) {
    if (request.signal.aborted) {
      throw request.signal.reason;
    }
    return { ok: false, reason: describeFetchError(error, request.timeoutMs) };
  }
}

const excerptLength = 200;

function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > excerptLength ? `${flat.slice(0, excerptLength)}…` : flat;
}
