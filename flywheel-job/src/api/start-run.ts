import type { RunLog } from "../log";
import { CronJobShapeError, jobFromCronJob } from "../kubernetes/job-from-cronjob";
import { ScheduleApiError, type WorkloadSchedules } from "../kubernetes/workload-schedules";
import { activeStatuses, pendingRun } from "../store/records";
import type { RunStore } from "../store/run-store";
import { type Answer, detail, failure, ok } from "./answer";
import type { JobRequest } from "./job-request";
import { closeStalePendingRuns } from "./stale-pending-sweep";

export interface StartRunSettings {
  readonly store: RunStore;
  /** The cluster's flywheel CronJobs; undefined when the service runs without a cluster. */
  readonly schedules: WorkloadSchedules | undefined;
  readonly startTimeoutMinutes: number;
  readonly log: RunLog;
  readonly now: () => Date;
}

/** The answer without a cluster: the run records are served, nothing can be started. */
export function needsTheCluster(): Answer {
  return detail(503, "needs the cluster: this service runs without a Kubernetes configuration");
}

/** Why the cluster did not answer, for the client: short, without the server's address. */
function clusterFailure(error: ScheduleApiError, doing: string): Answer {
  return error.kind === "refused"
    ? failure(502, `the Kubernetes API refused to ${doing}`, error.message)
    : failure(503, `the Kubernetes API did not answer while trying to ${doing}`, error.message);
}

/**
 * `POST /api/jobs`: records the run as pending and creates its Job from the pair's CronJob, as
 * `kubectl create job --from` does, with `--run-id`. 404 for a pair no CronJob runs, 409 while a run
 * of the pair is pending or running. When the Job cannot be created the pending record is closed as
 * failed at once, so the pair is free again.
 */
export class RunStarter {
  /**
   * Requests start one after the other: two for one pair at once would both find it idle. (With
   * several replicas, the adopting Job's check that the run is pending for its pair, and the pair's
   * lock in the job, still keep one run per pair at a time.)
   */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly settings: StartRunSettings) {}

  start(request: JobRequest): Promise<Answer> {
    const started = this.queue.then(() => startRunNow(request, this.settings));
    this.queue = started.catch(() => undefined);
    return started;
  }
}

async function startRunNow(request: JobRequest, settings: StartRunSettings): Promise<Answer> {
  const { store, schedules, log } = settings;
  if (schedules === undefined) {
    return needsTheCluster();
  }
  await closeStalePendingRuns(store, settings.startTimeoutMinutes, settings.now(), log);
  const signal = AbortSignal.timeout(60_000);
  let schedule;
  try {
    schedule = (await schedules.list(signal)).find((s) => s.workloadId === request.workloadId && s.clientId === request.clientId);
  } catch (error) {
    if (error instanceof ScheduleApiError) {
      return clusterFailure(error, "list the flywheel CronJobs");
    }
    throw error;
  }
  if (schedule === undefined) {
    return detail(404, `No workload ${JSON.stringify(request.workloadId)} for client ${JSON.stringify(request.clientId)}: the stack configures no flywheel CronJob for it (GET /api/workloads lists them)`);
  }
  const [active] = await store.listRuns({ workloadId: request.workloadId, clientId: request.clientId, statuses: activeStatuses, limit: 1 });
  if (active !== undefined) {
    return detail(409, `Job ${active.id} of this workload and client is ${active.status === "pending" ? "queued" : "running"}; start another when it has finished`);
  }
  const run = pendingRun({
    workload_id: request.workloadId,
    client_id: request.clientId,
    started_at: settings.now(),
    // The workload's seed is in its config, which the Job reads: the Job records it when it adopts the run.
    seed: request.overrides.seed ?? 0,
    targets: {},
    gpu_hourly_cost: null,
    job: null,
    data_split_overrides: Object.keys(request.overrides).length > 0 ? request.overrides : null,
  });
  let job;
  try {
    job = jobFromCronJob(schedule.cronJob, run.id);
  } catch (error) {
    if (error instanceof CronJobShapeError) {
      return failure(500, "the workload's CronJob cannot start an on-demand run", error.message);
    }
    throw error;
  }
  await store.insertRun(run);
  try {
    const created = await schedules.createJob(job, signal);
    log.info(`run ${run.id} of workload "${run.workload_id}", client "${run.client_id}" queued as Job ${created.name} in namespace ${schedules.namespace}`);
  } catch (error) {
    const reason = error instanceof ScheduleApiError ? (error.code === undefined ? error.kind : `HTTP ${error.code}`) : "an unexpected error";
    await store.finishRun(run.id, { status: "failed", error: `the API could not create its Job ${job.metadata?.name ?? ""} (${reason}); see the flywheel-api log`, finished_at: settings.now() });
    if (error instanceof ScheduleApiError) {
      return clusterFailure(error, "create the run's Job");
    }
    throw error;
  }
  return ok({ id: run.id, status: "queued", message: "NIM workflow started" });
}
