import { messageOf } from "../errors";
import type { RunStore } from "../store/run-store";
import { sleep } from "../waits/sleep";
import type { RunLog } from "../log";

/**
 * Looks at the run's record every `intervalMs` until `signal` ends the watch, and calls `onCancelled`
 * once when `flywheel runs cancel` has set the status. A store that does not answer is reported and
 * asked again.
 */
export async function watchForCancel(store: RunStore, runId: string, intervalMs: number, signal: AbortSignal, onCancelled: () => void, log: RunLog): Promise<void> {
  let failing = false;
  while (!signal.aborted) {
    try {
      await sleep(intervalMs, signal);
    } catch {
      return;
    }
    try {
      const run = await store.getRun(runId);
      failing = false;
      if (run?.status === "cancelled") {
        onCancelled();
        return;
      }
    } catch (error) {
      if (!failing) {
        failing = true;
        log.warn(`cannot read the run's status from ${store.description} to see whether it was cancelled: ${messageOf(error)}`);
      }
    }
  }
}
