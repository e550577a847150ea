import { type IncomingHttpHeaders, request as httpRequestOf } from "node:http";
import { request as httpsRequestOf } from "node:https";
import type { Readable } from "node:stream";

export interface RequestOptions {
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  /** A buffer, or a stream of exactly `content-length` bytes (the header must then be set). */
  readonly body?: Buffer | Readable;
  /** The socket may be idle at most this long. */
  readonly timeoutMs: number;
  /** Aborting it destroys the request (a cancelled upload stops sending at once). */
  readonly signal?: AbortSignal;
}

/** What a server answered: its status and (the first 64 KiB of) its body as text. */
export interface TextResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** Bodies of S3 and STS answers are short XML documents; more is not read. */
const responseLimitBytes = 64 * 1024;

/** One HTTP(S) request with a streamed body; rejects on a connection error or an idle socket. */
export function httpRequest(url: URL, options: RequestOptions): Promise<TextResponse> {
  const send = url.protocol === "https:" ? httpsRequestOf : httpRequestOf;
  return new Promise((resolve, reject) => {
    const request = send(url, { method: options.method, headers: options.headers, ...(options.signal !== undefined ? { signal: options.signal } : {}) }, (response) => {
      const chunks: Buffer[] = [];
      let length = 0;
      response.on("data", (chunk: Buffer) => {
        if (length < responseLimitBytes) {
          chunks.push(chunk);
          length += chunk.length;
        }
      });
      response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString("utf8").slice(0, responseLimitBytes) }));
      response.on("error", reject);
    });
    request.setTimeout(options.timeoutMs, () => request.destroy(new Error(`no answer within ${options.timeoutMs / 1000} s`)));
    request.on("error", reject);
    const body = options.body;
    if (body === undefined) {
      request.end();
    } else if (Buffer.isBuffer(body)) {
      request.end(body);
    } else {
      body.on("error", (error) => request.destroy(error));
      body.pipe(request);
    }
  });
}
