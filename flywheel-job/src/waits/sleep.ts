import { asError } from "../errors";

/**
 * Waits `ms` milliseconds, or rejects with the signal's reason as soon as it is aborted: every wait
 * of a run goes through here, so a cancelled run stops at its next wait instead of after it. A
 * reason that is not an Error comes carried in a ThrownValue.
 */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) {
    return Promise.reject(asError(signal.reason));
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(asError(signal.reason));
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
