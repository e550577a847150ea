import { printableLine } from "../../text/printable";
import type { PlatformCheckContext } from "./platform-check";

/** How much of a store's or a service's message a result keeps: enough to recognise it, bounded. */
export const messageLimit = 300;

/** An error's message (or a service's text) as one printable, bounded line. */
export function describeFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const line = printableLine(message);
  return line.length > messageLimit ? `${line.slice(0, messageLimit)}…` : line;
}

/**
 * The signal one network call of a check runs under: aborted when the verification is, or after
 * `callTimeoutMs`, so no store that never answers holds the group until the runner's deadline.
 */
export function callSignal(context: PlatformCheckContext): AbortSignal {
  return AbortSignal.any([context.signal, AbortSignal.timeout(context.callTimeoutMs)]);
}

/**
 * `call` under `callSignal`, rejected when the signal fires even if the client ignores it (some
 * drivers only honour their own timeouts).
 */
export async function boundedCall<T>(context: PlatformCheckContext, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const signal = callSignal(context);
  signal.throwIfAborted();
  let stop: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    stop = () => reject(new Error(context.signal.aborted ? "cancelled" : `no answer within ${context.callTimeoutMs} ms`));
    signal.addEventListener("abort", stop, { once: true });
  });
  try {
    return await Promise.race([call(signal), aborted]);
  } finally {
    if (stop) signal.removeEventListener("abort", stop);
  }
}
