import { sleep } from "./sleep";

/** How a wait polls: from `minIntervalMs`, doubling while nothing changes, up to `maxIntervalMs`. */
export interface PollSettings {
  readonly minIntervalMs: number;
  readonly maxIntervalMs: number;
  /** The wait fails when nothing has changed for this long. */
  readonly stallTimeoutMs: number;
}

/** What one look at the awaited thing found. */
export type PollResult<T> =
  | { readonly done: true; readonly value: T }
  | {
      readonly done: false;
      /** Anything that changes when the thing moves forward (a status, a percentage, a step count). */
      readonly progress: unknown;
      /** For the stall message, e.g. "running, 40% done". */
      readonly state: string;
    };

/** A wait saw no progress for its stall timeout. */
export class StallError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StallError";
  }
}

/**
 * Polls `check` until it reports done. There is no fixed sleep: the interval starts short, doubles
 * while nothing changes and drops back to the minimum when something does, and the stall timer
 * restarts whenever the progress value changes, so a long but moving step never times out while a
 * stuck one does. Rejects with the signal's reason when it is aborted between polls.
 */
export async function pollUntil<T>(
  what: string,
  check: () => Promise<PollResult<T>>,
  settings: PollSettings,
  signal: AbortSignal,
  now: () => number = Date.now,
): Promise<T> {
  let lastProgress: string | undefined;
  let lastChange = now();
  let interval = settings.minIntervalMs;
  for (;;) {
    signal.throwIfAborted();
    const result = await check();
    if (result.done) {
      return result.value;
    }
    const progress = JSON.stringify(result.progress) ?? "";
    if (progress !== lastProgress) {
      lastProgress = progress;
      lastChange = now();
      interval = settings.minIntervalMs;
    } else if (now() - lastChange >= settings.stallTimeoutMs) {
      throw new StallError(`${what}: nothing changed for ${formatDuration(settings.stallTimeoutMs)} (last seen: ${result.state})`);
    } else {
      interval = Math.min(interval * 2, settings.maxIntervalMs);
    }
    await sleep(Math.min(interval, Math.max(1, settings.stallTimeoutMs - (now() - lastChange))), signal);
  }
}

/** 90000 → "1.5 min", 4000 → "4 s". */
export function formatDuration(ms: number): string {
  return ms >= 60_000 ? `${Number((ms / 60_000).toFixed(2))} min` : `${Number((ms / 1000).toFixed(2))} s`;
}
