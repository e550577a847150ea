import type { RunLog } from "../log";
import type { JobStatus } from "../platform/job-control";

/** A job that is not moving is still reported this often, so a quiet log never means a lost run. */
export const progressHeartbeatMs = 60_000;

/** A job's state as one line: status, percentage, and epoch and step for fine-tunes. */
export function progressText(status: JobStatus): string {
  const parts = [status.status];
  if (status.percentDone !== undefined) {
    parts.push(`${status.percentDone}% done`);
  }
  if (status.epochsCompleted !== undefined) {
    parts.push(`epoch ${status.epochsCompleted}`);
  }
  if (status.stepsCompleted !== undefined) {
    parts.push(`step ${status.stepsCompleted}`);
  }
  if (status.samplesProcessed !== undefined) {
    parts.push(`${status.samplesProcessed} samples`);
  }
  return parts.join(", ");
}

/**
 * Logs a job's progress when it changes, and at least every `heartbeatMs` while it does not (with
 * how long it has not moved), so a one-hour fine-tune shows its epochs and steps in the Job's log.
 */
export class JobProgressLog {
  private last: string | undefined;
  private changedAt = 0;
  private loggedAt = 0;

  constructor(
    private readonly log: RunLog,
    private readonly what: string,
    private readonly heartbeatMs = progressHeartbeatMs,
    private readonly now: () => number = Date.now,
  ) {}

  observe(status: JobStatus): void {
    const text = progressText(status);
    const now = this.now();
    if (text !== this.last) {
      this.last = text;
      this.changedAt = now;
      this.loggedAt = now;
      this.log.info(`${this.what}: ${text}`);
    } else if (now - this.loggedAt >= this.heartbeatMs) {
      this.loggedAt = now;
      this.log.info(`${this.what}: ${text} (unchanged for ${Math.round((now - this.changedAt) / 1000)} s)`);
    }
  }
}
