import type { ValidationIssue } from "./validation-error";

/** An answer: a status and a JSON body (or text, for /metrics). Errors carry the blueprint's `{detail}` and no more. */
export interface Answer {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** Sent as it is, with its own content type, instead of as JSON. */
  readonly text?: { readonly contentType: string; readonly content: string };
  /** Why a 5xx happened, for the log only: an HTTP client never sees it. */
  readonly reason?: string;
}

export function detail(status: number, text: string, headers?: Readonly<Record<string, string>>): Answer {
  return { status, body: { detail: text }, headers };
}

/** 422 in the blueprint's `HTTPValidationError` shape. */
export function invalid(issues: readonly ValidationIssue[]): Answer {
  return { status: 422, body: { detail: issues } };
}

/** A 5xx whose reason goes to the log; the client gets `text`. */
export function failure(status: 500 | 502 | 503, text: string, reason: string): Answer {
  return { status, body: { detail: text }, reason };
}

export function ok(body: unknown): Answer {
  return { status: 200, body };
}
