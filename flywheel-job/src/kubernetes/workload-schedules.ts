import type * as k8s from "@kubernetes/client-node" with { "resolution-mode": "import" };

/** A workload's CronJob as the API reads it: the pair it runs, and the object to start a Job from. */
export interface WorkloadSchedule {
  readonly workloadId: string;
  readonly clientId: string;
  readonly cronJob: k8s.V1CronJob;
}

/** The Job a create made: what the answer and the log name. */
export interface CreatedJob {
  readonly name: string;
  readonly uid: string;
}

/**
 * Why the cluster did not do what was asked: `refused` when the API server answered with an error
 * (a missing permission, an invalid object), `unavailable` when it did not answer in time or at all.
 * The message says what failed and may name the server: it goes to the log, not to an HTTP client.
 */
export class ScheduleApiError extends Error {
  constructor(
    message: string,
    readonly kind: "refused" | "unavailable",
    /** The API server's status code, when it answered. */
    readonly code?: number,
  ) {
    super(message);
    this.name = "ScheduleApiError";
  }
}

/**
 * The flywheel CronJobs of one namespace and the Jobs started from them: what `flywheel serve`
 * needs of the cluster (a Role that can list CronJobs and create Jobs there).
 */
export interface WorkloadSchedules {
  /** The namespace of the CronJobs and of the Jobs created. */
  readonly namespace: string;
  /** The CronJobs the stack labels as flywheel schedules, with the pair each one runs. */
  list(signal: AbortSignal): Promise<WorkloadSchedule[]>;
  /** Creates `job` in the namespace. */
  createJob(job: k8s.V1Job, signal: AbortSignal): Promise<CreatedJob>;
}
