import { messageOf } from "../errors";
import type { RunLog } from "../log";
import type { RunStore } from "../store/run-store";

/** How often the service closes pending runs whose Job never adopted them. */
export const sweepIntervalMs = 60_000;

/**
 * Closes as failed the pending runs `POST /api/jobs` recorded more than `startTimeoutMinutes` ago:
 * their Job never started, or its pod exited before adopting the run. Run every minute and before
 * each start, so a pair is never kept busy by a run that will not come.
 */
export async function closeStalePendingRuns(store: RunStore, startTimeoutMinutes: number, now: Date, log: RunLog): Promise<void> {
  const cutoff = new Date(now.getTime() - startTimeoutMinutes * 60_000);
  const error = `its Job did not start the run within ${startTimeoutMinutes} minutes of the request (--start-timeout-minutes): the Job was never started, or its pod exited before adopting the run`;
  const closed = await store.closeStalePendingRuns(cutoff, error, now);
  if (closed.length > 0) {
    log.warn(`closed pending runs whose Job did not start within ${startTimeoutMinutes} minutes: ${closed.join(", ")}`);
  }
}

/** The sweep every `sweepIntervalMs`, its failures logged; the timer does not keep the process alive. */
export function startStalePendingSweep(store: RunStore, startTimeoutMinutes: number, now: () => Date, log: RunLog): { stop(): void } {
  const timer = setInterval(() => {
    closeStalePendingRuns(store, startTimeoutMinutes, now(), log).catch((error: unknown) => log.warn(`closing stale pending runs failed: ${messageOf(error)}`));
  }, sweepIntervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
