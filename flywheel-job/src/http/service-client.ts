import type { Agent, fetch as UndiciFetch } from "undici";
import { connectTimeoutMs } from "../connect-timeout";
import { TransientError, UsageError } from "../errors";
import { RetryableFailure, type RetryPolicy, retrying } from "./retry";
import { loadUndici } from "./undici";

/** One HTTP call to a service, described so that its errors can say what was attempted. */
export interface ServiceCall {
  /** The service, e.g. "Customizer". */
  readonly service: string;
  /** What the call does, e.g. "create a customization job". */
  readonly action: string;
  readonly method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  readonly url: string;
  /** A JSON body. */
  readonly json?: unknown;
  /** A form-encoded body. */
  readonly form?: Readonly<Record<string, string>>;
  /** Statuses besides 2xx that are an answer rather than an error, e.g. 409 "already exists" or 404. */
  readonly accept?: readonly number[];
  readonly headers?: Readonly<Record<string, string>>;
  readonly signal: AbortSignal;
}

export interface ServiceResponse {
  readonly status: number;
  /** The parsed JSON body, or the text when it is not JSON, or undefined when empty. */
  readonly body: unknown;
  /** The body as sent, whitespace collapsed and cut, for messages (never re-serialised: an answer can nest deeper than JSON.stringify recurses). */
  readonly excerpt: string;
}

export interface ServiceClientSettings extends RetryPolicy {
  /** How long one attempt may take. */
  readonly timeoutMs: number;
  /**
   * How long a connection (TCP and TLS) may take before the attempt fails as unanswered and is
   * retried. @default connectTimeoutMs (5 s; the platform's fetch waits 10 s)
   */
  readonly connectTimeoutMs?: number;
}

const bodyExcerptLength = 2000;

/** A service refused a request (a 4xx): the request or the configuration is wrong, and retrying cannot help. */
export class ServiceRequestError extends UsageError {
  constructor(
    message: string,
    readonly status: number,
    readonly responseBody: string,
  ) {
    super(message);
  }
}

/** A service stayed unavailable (5xx, 429, connection errors, timeouts) through every retry. */
export class ServiceUnavailableError extends TransientError {}

/**
 * JSON over HTTP with what every call to a NeMo service or a model endpoint needs: a timeout per
 * attempt, retries with backoff on 5xx, 429 and connection errors, and errors that name the service,
 * the action, the method and URL, the status and the response body.
 */
export class ServiceClient {
  private connection?: { readonly fetch: typeof UndiciFetch; readonly dispatcher: Agent };

  constructor(private readonly settings: ServiceClientSettings) {}

  /** undici's fetch and this client's connection pool, made at the first call. */
  private connect(): { readonly fetch: typeof UndiciFetch; readonly dispatcher: Agent } {
    if (this.connection === undefined) {
      const undici = loadUndici();
      this.connection = { fetch: undici.fetch, dispatcher: new undici.Agent({ connect: { timeout: this.settings.connectTimeoutMs ?? connectTimeoutMs } }) };
    }
    return this.connection;
  }

  async call(call: ServiceCall): Promise<ServiceResponse> {
    const what = `${call.service}: ${call.action} (${call.method} ${call.url})`;
    return retrying(this.settings, call.signal, what, () => this.attempt(call, what), (last, attempts) =>
      new ServiceUnavailableError(`${what} failed ${attempts} times; the last: ${last.message}`),
    );
  }

  private async attempt(call: ServiceCall, what: string): Promise<ServiceResponse> {
    const headers: Record<string, string> = { accept: "application/json", ...call.headers };
    let body: string | undefined;
    if (call.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(call.json);
    } else if (call.form !== undefined) {
      headers["content-type"] = "application/x-www-form-urlencoded";
      body = new URLSearchParams(call.form).toString();
    }
    const connection = this.connect();
    let response: Awaited<ReturnType<typeof UndiciFetch>>;
    let text: string;
    try {
      // undici's own fetch, for its connect timeout (the platform's fetch takes no dispatcher from this undici).
      response = await connection.fetch(call.url, {
        method: call.method,
        headers,
        body,
        signal: AbortSignal.any([call.signal, AbortSignal.timeout(this.settings.timeoutMs)]),
        dispatcher: connection.dispatcher,
      });
      text = await response.text();
    } catch (error) {
      if (call.signal.aborted) {
        throw call.signal.reason;
      }
      throw new RetryableFailure(describeFetchError(error, this.settings.timeoutMs));
    }
    if (response.ok || call.accept?.includes(response.status)) {
      return { status: response.status, body: parseBody(text), excerpt: excerpt(text) };
    }
    const detail = `HTTP ${response.status}${text ? `: ${excerpt(text)}` : ""}`;
    if (response.status === 429 || response.status >= 500) {
      throw new RetryableFailure(detail, retryAfterMs(response.headers.get("retry-after")));
    }
    throw new ServiceRequestError(`${what} was refused: ${detail}`, response.status, excerpt(text));
  }
}

function parseBody(text: string): unknown {
  if (text === "") {
    return undefined;
  }
  try {
    return JSON.parse(text);
  } catch {
    return parseWithNonFinite(text) ?? text;
  }
}

/** A bare NaN, Infinity or -Infinity, or a string literal (skipped: its content is never a number). */
const nonFiniteToken = /"(?:[^"\\]|\\.)*"|(-?Infinity|NaN)(?![\w$])/g;
const nonFiniteMarker = "\u0000non-finite:";

/**
 * NeMo's services are Python, whose `json` writes NaN and Infinity as bare words that JSON.parse
 * refuses. Parses such a body with those values as JavaScript's NaN and Infinity, so a metric that
 * came out as NaN is seen as one (and refused) instead of making the whole answer unreadable.
 */
export function parseWithNonFinite(text: string): unknown {
  // The marker goes in as a JSON escape: a raw control character is not allowed in a JSON string.
  const marked = text.replace(nonFiniteToken, (token, word: string | undefined) => (word === undefined ? token : `"\\u0000non-finite:${word}"`));
  try {
    return JSON.parse(marked, (_key, value: unknown) => (typeof value === "string" && value.startsWith(nonFiniteMarker) ? Number(value.slice(nonFiniteMarker.length)) : value));
  } catch {
    return undefined;
  }
}

function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > bodyExcerptLength ? `${flat.slice(0, bodyExcerptLength)}... (${flat.length} characters)` : flat;
}

function retryAfterMs(header: string | null): number | undefined {
  const seconds = header === null ? Number.NaN : Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

/**
 * "connect ECONNREFUSED 127.0.0.1:9 (ECONNREFUSED)" rather than undici's bare "fetch failed". Errors
 * are read by shape, not class: fetch's errors may come from another realm than this module's.
 */
export function describeFetchError(error: unknown, timeoutMs: number): string {
  const { name, message, cause } = (error ?? {}) as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (name === "TimeoutError" || name === "AbortError") {
    return `no answer within ${timeoutMs / 1000} s`;
  }
  if (cause?.code) {
    return `${cause.message ?? message} (${cause.code})`;
  }
  return cause?.message ? `${message}: ${cause.message}` : (message ?? String(error));
}
