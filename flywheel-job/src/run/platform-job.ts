import { messageOf } from "../errors";
import { isFinished, type JobControl, type JobStatus, type StopAnswer } from "../platform/job-control";
import type { JobStop, StepStatus } from "../store/records";
import { formatDuration, type PollSettings, pollUntil, StallError } from "../waits/poll-until";
import { JobProgressLog, progressText } from "./job-progress-log";
import { type CandidateContext, cleanupSignal, creationSignal, pollSettings, runtimeSeconds } from "./run-context";

/** The fields every platform job's record has (evaluations and customizations). */
export interface JobRecordFields {
  readonly job_id: string | null;
  readonly nmp_uri: string | null;
  readonly status: StepStatus;
  readonly progress: number;
  readonly started_at: Date | null;
  readonly finished_at: Date | null;
  readonly runtime_seconds: number | null;
  readonly error: string | null;
  readonly job_stop: JobStop | null;
}

/** What a job's kind adds to the lifecycle: how to start it, read its outcome and record it. */
export interface PlatformJob<Started extends { readonly id: string }, Result, Fields extends object> {
  /** For the log, e.g. "base-eval of meta/llama-3.2-1b-instruct". */
  readonly what: string;
  /** e.g. "evaluation job". */
  readonly kind: string;
  readonly control: JobControl;
  readonly stallMinutes: number;
  /** Starts the job. It is not interrupted by a stop: only its answer says which job to stop. */
  start(signal: AbortSignal): Promise<Started>;
  /** Fields to record once it has started, and what the start's log line adds. */
  started(started: Started): { readonly fields: Partial<Fields>; readonly note: string };
  /** Fields to record for a status it reported. */
  progressFields(status: JobStatus): { readonly common: Partial<JobRecordFields>; readonly own?: Partial<Fields> };
  /** After it completed: its outcome, the fields to record and the log line. Throwing fails it. */
  collect(started: Started, signal: AbortSignal): Promise<{ readonly value: Result; readonly fields: Partial<Fields>; readonly note: string }>;
  /** Updates the job's record: the fields every job has, and those of its kind. */
  record(common: Partial<JobRecordFields>, own?: Partial<Fields>): Promise<void>;
}

/** How long a deleted job may stay listed before the run says it was left running. */
const deletionReadbackMs = 60_000;

/**
 * A job on the model platform (an evaluation, a fine-tune) from start to end, the same for every kind, so the cleanup path exists once: start it
 * and record it, poll it with a stall timeout that restarts whenever it moves, log its progress,
 * then read and record its outcome. When the run stops looking at it before it ended — it failed to
 * report, stalled, or the run stopped (cancel, SIGTERM, a lost lease) — it is stopped where the API
 * can (`stopPlatformJob`) and the record says how (`job_stop`). Returns the outcome; throws when the job
 * did not complete.
 */
export async function runPlatformJob<Started extends { readonly id: string }, Result, Fields extends object>(
  context: CandidateContext,
  job: PlatformJob<Started, Result, Fields>,
  signal: AbortSignal,
): Promise<Result> {
  const { log } = context.services;
  const { config } = context.settings;
  const startedAt = new Date();
  let jobId: string | undefined;
  let ended = false;
  try {
    const started = await job.start(creationSignal());
    const id = started.id;
    jobId = id;
    signal.throwIfAborted();
    const { fields, note } = job.started(started);
    await job.record({ job_id: id, nmp_uri: job.control.url(id), status: "running", started_at: startedAt }, fields);
    log.info(`${job.what}: ${job.kind} ${id} started${note}`);
    const progressLog = new JobProgressLog(log, job.what);
    let recorded = "";
    await pollUntil(
      job.what,
      async () => {
        const status = await job.control.status(id, signal);
        if (status === undefined) {
          ended = true;
          throw new Error(`${job.kind} ${id} no longer exists on the service`);
        }
        ended = isFinished(status.state);
        if (status.state === "completed") {
          return { done: true, value: undefined };
        }
        if (status.state === "failed" || status.state === "cancelled") {
          throw new Error(`${job.kind} ${id} ${status.state}${status.message ? `: ${status.message}` : ` (status "${status.status}")`}`);
        }
        const progress = job.progressFields(status);
        if (JSON.stringify(progress) !== recorded) {
          recorded = JSON.stringify(progress);
          await job.record(progress.common, progress.own);
        }
        progressLog.observe(status);
        return { done: false, progress: [status.status, status.percentDone, status.epochsCompleted, status.stepsCompleted, status.samplesProcessed], state: progressText(status) };
      },
      pollSettings(config, job.stallMinutes),
      signal,
    );
    const outcome = await job.collect(started, signal);
    const finishedAt = new Date();
    await job.record({ status: "completed", progress: 100, finished_at: finishedAt, runtime_seconds: runtimeSeconds(startedAt, finishedAt) }, outcome.fields);
    log.info(`${job.what}: ${outcome.note}`);
    return outcome.value;
  } catch (error) {
    const jobStop = jobId !== undefined && !ended ? await stopJob(context, job, jobId) : null;
    const finishedAt = new Date();
    await job.record({
      // A stop right after the start leaves no "running" record: the job's id is recorded here.
      ...(jobId === undefined ? {} : { job_id: jobId, nmp_uri: job.control.url(jobId) }),
      status: signal.aborted ? "cancelled" : "failed",
      error: messageOf(signal.aborted ? signal.reason : error),
      finished_at: finishedAt,
      runtime_seconds: runtimeSeconds(jobId === undefined ? null : startedAt, finishedAt),
      job_stop: jobStop,
    });
    throw error;
  }
}

/** Stops a job the run no longer waits for, logs what was done and returns it for the record. */
async function stopJob(context: CandidateContext, job: { readonly what: string; readonly kind: string; readonly control: JobControl }, id: string): Promise<JobStop> {
  const { log } = context.services;
  const { polling } = context.settings.config;
  let stop: JobStop;
  try {
    stop = await stopPlatformJob(job.control, id, cleanupSignal(), { minIntervalMs: polling.minSeconds * 1000, maxIntervalMs: polling.maxSeconds * 1000, stallTimeoutMs: deletionReadbackMs });
  } catch (error) {
    stop = `left running: stopping it failed: ${messageOf(error)}`;
  }
  if (stop.startsWith("left running")) {
    log.warn(`${job.what}: ${job.kind} ${id} ${stop}`);
  } else {
    log.info(`${job.what}: ${job.kind} ${id} ${stop === "deleted" ? "deleted (the service has no cancel call for it)" : stop}`);
  }
  return stop;
}

/**
 * Stops a job: cancels it where the API has a cancel call; where it has none, deletes it and reads it
 * back until the service no longer lists it (within `readback.stallTimeoutMs`).
 */
export async function stopPlatformJob(control: JobControl, id: string, signal: AbortSignal, readback: PollSettings): Promise<JobStop> {
  const cancelled = await control.cancel(id, signal);
  if (cancelled !== "unsupported") {
    return stopOf(cancelled, "cancelled");
  }
  const deleted = await control.delete(id, signal);
  if (deleted === "unsupported") {
    return "left running: the service has neither a cancel nor a delete call for it";
  }
  if (deleted !== "done") {
    return stopOf(deleted, "deleted");
  }
  try {
    await pollUntil(
      `deleting job ${id}`,
      async () => ((await control.status(id, signal)) === undefined ? { done: true, value: undefined } : { done: false, progress: "listed", state: "still listed" }),
      readback,
      signal,
    );
  } catch (error) {
    return error instanceof StallError
      ? `left running: deleted, but the service still lists it after ${formatDuration(readback.stallTimeoutMs)}`
      : `left running: deleted, but reading it back failed: ${messageOf(error)}`;
  }
  return "deleted";
}

function stopOf(answer: Exclude<StopAnswer, "unsupported">, done: "cancelled" | "deleted"): JobStop {
  return answer === "done" ? done : answer === "already_ended" ? "already ended" : "already gone";
}
