/**
 * The lifecycle every platform's jobs (evaluations, fine-tunes) map onto, and what the run can do
 * with a job once it is started: `run/platform-job.ts` drives every job through `JobControl`, so the
 * cleanup path exists once.
 */

export type JobState = "pending" | "running" | "completed" | "failed" | "cancelled";

export function isFinished(state: JobState): boolean {
  return state === "completed" || state === "failed" || state === "cancelled";
}

/** One look at a job, in the terms every job API maps onto. */
export interface JobStatus {
  readonly state: JobState;
  /** The service's own word for it, for messages. */
  readonly status: string;
  /** 0–100, when the service computes it. */
  readonly percentDone?: number;
  /** Fine-tuning only. */
  readonly epochsCompleted?: number;
  readonly stepsCompleted?: number;
  /** Evaluations only. */
  readonly samplesProcessed?: number;
  /** Why it failed, when the service says. */
  readonly message?: string;
}

/**
 * What a request to stop a job found: `done` (it was cancelled or deleted), `already_ended` (it had
 * finished), `not_found` (the service has no such job), `unsupported` (this API version has no such
 * call for it).
 */
export type StopAnswer = "done" | "already_ended" | "not_found" | "unsupported";

/** A started job's status, cancel and delete calls, whichever service runs it. */
export interface JobControl {
  /** The job's state; undefined when the service has no such job (any more). */
  status(id: string, signal: AbortSignal): Promise<JobStatus | undefined>;
  cancel(id: string, signal: AbortSignal): Promise<StopAnswer>;
  /** Deletes the job, which also stops it where the API has no cancel call. */
  delete(id: string, signal: AbortSignal): Promise<StopAnswer>;
  /** Where a person can look the job up (recorded as the record's `nmp_uri`). */
  url(id: string): string;
}
