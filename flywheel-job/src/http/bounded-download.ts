import type { Response } from "undici";
import { describeFetchError } from "./service-client";
import { loadUndici } from "./undici";

/** A binary download: the URL, how long it may take, how many bytes it may have. */
export interface BoundedDownload {
  readonly url: string;
  /** Sent as `accept`, e.g. `application/zip`. */
  readonly accept: string;
  readonly limitBytes: number;
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
}

/** What came back: the body when it was a 2xx within the limit, otherwise why not. */
export type DownloadOutcome =
  | { readonly kind: "body"; readonly body: Uint8Array }
  | { readonly kind: "status"; readonly status: number }
  | { readonly kind: "too large"; readonly limitBytes: number }
  | { readonly kind: "unanswered"; readonly reason: string };

/**
 * One GET of a binary body, read chunk by chunk and abandoned as soon as it passes the limit (a
 * declared `content-length` above it is refused unread), so a service cannot make the job hold more
 * than `limitBytes`. A stop of the run aborts it at once (the error is the signal's reason).
 */
export async function downloadBounded(download: BoundedDownload): Promise<DownloadOutcome> {
  const { fetch } = loadUndici();
  const signal = AbortSignal.any([download.signal, AbortSignal.timeout(download.timeoutMs)]);
  try {
    const response = await fetch(download.url, { headers: { accept: download.accept }, signal });
    if (!response.ok) {
      await response.body?.cancel();
      return { kind: "status", status: response.status };
    }
    const read = await readBodyWithin(response, download.limitBytes);
    return "body" in read ? { kind: "body", body: read.body } : { kind: "too large", limitBytes: download.limitBytes };
  } catch (error) {
    if (download.signal.aborted) {
      throw download.signal.reason;
    }
    return { kind: "unanswered", reason: describeFetchError(error, download.timeoutMs) };
  }
}

/** A body within its limit, or the size that refused it: the declared one when it was refused unread. */
export type BodyWithin = { readonly body: Buffer } | { readonly tooLarge: true; readonly declared?: number };

/**
 * The body of `response`, read chunk by chunk and abandoned as soon as it passes `limitBytes` (a
 * declared `content-length` above it is refused unread): what a service sends cannot make the job
 * hold more than the limit.
 */
export async function readBodyWithin(response: Response, limitBytes: number): Promise<BodyWithin> {
  const declared = Number(response.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > limitBytes) {
    await response.body?.cancel();
    return { tooLarge: true, declared };
  }
  const chunks: Buffer[] = [];
  let size = 0;
  if (response.body !== null) {
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      size += chunk.length;
      if (size > limitBytes) {
        // Leaving the loop cancels the stream: the rest is never read.
        return { tooLarge: true };
      }
      chunks.push(Buffer.from(chunk));
    }
  }
  return { body: Buffer.concat(chunks) };
}
