import { sleep } from "../waits/sleep";

/** Retries of a request that failed in a way a later attempt can fix. */
export interface RetryPolicy {
  readonly retries: number;
  /** Delay before the first retry; it doubles with every retry. */
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  /** Told before every retry, with a line saying what failed and when it is tried again, so a retry is never silent. */
  readonly onRetry?: (message: string) => void;
}

/** An attempt's failure that a retry may fix (a 5xx, a 429, a connection error, a timeout). */
export class RetryableFailure extends Error {
  constructor(
    message: string,
    /** The server's Retry-After, when it sent one. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = "RetryableFailure";
  }
}

/**
 * Runs `attempt` until it succeeds, throws anything but a RetryableFailure, or has failed
 * `retries + 1` times, waiting with exponential backoff (and the server's Retry-After, if longer)
 * between attempts, each announced to `policy.onRetry` as `<what>: <failure>; trying again …`.
 * `onGiveUp` turns the last RetryableFailure into the error to throw.
 */
export async function retrying<T>(
  policy: RetryPolicy,
  signal: AbortSignal,
  what: string,
  attempt: () => Promise<T>,
  onGiveUp: (last: RetryableFailure, attempts: number) => Error,
): Promise<T> {
  for (let n = 0; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof RetryableFailure) || signal.aborted) {
        throw signal.aborted ? signal.reason : error;
      }
      if (n >= policy.retries) {
        throw onGiveUp(error, n + 1);
      }
      const backoff = Math.min(policy.initialDelayMs * 2 ** n, policy.maxDelayMs);
      const delayMs = Math.min(Math.max(backoff, error.retryAfterMs ?? 0), policy.maxDelayMs);
      policy.onRetry?.(`${what}: ${error.message}; trying again in ${Number((delayMs / 1000).toFixed(2))} s (attempt ${n + 2} of ${policy.retries + 1})`);
      await sleep(delayMs, signal);
    }
  }
}
