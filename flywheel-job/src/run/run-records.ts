import { asError, ExitCode, FlywheelError, messageOf } from "../errors";
import { judgeProxyService } from "../judge-proxy/judge-proxy-service";
import type { RunLog } from "../log";
import { buildRunReport, type RunReport } from "../report/run-report";
import { type NimRecord, pendingJudgeRun, pendingNim, pendingRun, type RunRecord, type RunStatus } from "../store/records";
import type { RunStore } from "../store/run-store";
import { adoptRun } from "./pending-run";
import type { RunSettings } from "./run-context";
import { RunStopped } from "./run-stopped";

/** The records a run has opened, before it starts anything. */
export interface OpenedRun {
  readonly runId: string;
  readonly startedAt: Date;
  /** One per candidate, in the config's order. */
  readonly nims: readonly NimRecord[];
  readonly judgeRunId: string;
}

export interface RunOutcome {
  readonly runId: string;
  readonly status: RunStatus;
  readonly exitCode: number;
  readonly report: RunReport;
  /** What failed the run, when it failed (a thrown value that is not an Error comes as a ThrownValue). */
  readonly error?: Error;
  /** Why it stopped early, when it was cancelled, terminated or lost its lock. */
  readonly stop?: RunStopped;
}

/** How the run's work ended, which its records are closed with. */
export interface RunEnding {
  /** `completed` even when candidates failed; `failed` when a stage before them did; `cancelled` when stopped. */
  readonly status: RunStatus;
  /** What failed the run (a lost lock included). */
  readonly failure?: unknown;
  /** Why it stopped early, when it did. */
  readonly stop?: RunStopped;
}

/**
 * Why the pair's next run closes a pending run of the pair: `POST /api/jobs` recorded it, and its Job
 * never adopted it (a run that did would hold the lock the next run now holds).
 */
const notStartedError = "its Job did not start it before the next run of the pair";

/** Why the pair's next run closes a run of the pair that was running. */
const abandonedError = "its process ended before the run finished";

/**
 * Opens the run's records (flywheel-job/README.md, "What a run does", step 2): the run, pending (or,
 * for `--run-id`, the pending run `POST /api/jobs` recorded, adopted with this Job's values), a
 * `nims` record per candidate and the judge's; closes the pair's runs that will never finish (the
 * caller holds the pair's lock, so none of them still runs): pending ones whose Job never started
 * them, running ones whose process died; then marks the run running.
 */
export async function openRunRecords(settings: RunSettings, store: RunStore, log: RunLog): Promise<OpenedRun> {
  const { config, workloadId, clientId } = settings;
  const openedAt = new Date();
  const known = {
    seed: config.data.seed,
    targets: { ...config.targets },
    gpu_hourly_cost: config.gpuHourlyCost ?? null,
    job: settings.job ?? null,
  };
  let run: RunRecord;
  if (settings.runId === undefined) {
    run = pendingRun({ workload_id: workloadId, client_id: clientId, started_at: openedAt, ...known });
    await store.insertRun(run);
  } else {
    run = await adoptRun(store, settings.runId, { workloadId, clientId }, known);
  }
  const runId = run.id;
  const nims = config.candidates.map((candidate) => pendingNim({ flywheel_run_id: runId, model_name: candidate.model, gpus: candidate.gpus }));
  for (const nim of nims) {
    await store.insertNim(nim);
  }
  const judgeHost = new URL(config.judge.url).hostname;
  const judgeRun = pendingJudgeRun({
    flywheel_run_id: runId,
    model_name: config.judge.modelId,
    // The judge proxy is in the cluster, but the judge it forwards to is not.
    deployment_type: /\.svc(\.cluster\.local)?$/.test(judgeHost) && judgeHost.split(".")[0] !== judgeProxyService.serviceName ? "local" : "remote",
  });
  await store.insertJudgeRun(judgeRun);
  const how = settings.runId === undefined ? "started" : `adopted (recorded ${run.started_at.toISOString()})`;
  log.info(`run ${runId} of workload "${workloadId}", client "${clientId}" ${how} (records: ${store.description})`);
  await closeUnfinishedRuns(store, { workloadId, clientId, exceptId: runId, now: openedAt }, log);
  if (settings.runId === undefined) {
    await store.updateActiveRun(runId, { status: "running" });
  }
  return { runId, startedAt: run.started_at, nims, judgeRunId: judgeRun.id };
}

/** Closes the pair's runs other than `exceptId` that never finished: pending ones first, with their own reason. */
async function closeUnfinishedRuns(store: RunStore, at: { readonly workloadId: string; readonly clientId: string; readonly exceptId: string; readonly now: Date }, log: RunLog): Promise<void> {
  const { workloadId, clientId, exceptId, now } = at;
  const notStarted: string[] = [];
  for (const pending of await store.listRuns({ workloadId, clientId, statuses: ["pending"] })) {
    if (pending.id !== exceptId && (await store.failPendingRun(pending.id, notStartedError, now))) {
      notStarted.push(pending.id);
    }
  }
  if (notStarted.length > 0) {
    log.warn(`closed runs of the pair whose Job never started them: ${notStarted.join(", ")}`);
  }
  const abandoned = await store.closeAbandonedRuns(workloadId, clientId, exceptId, abandonedError, now);
  if (abandoned.length > 0) {
    log.warn(`closed runs whose process ended without finishing them: ${abandoned.join(", ")}`);
  }
}

/**
 * Closes the run (step 7): candidates it never got to are recorded as cancelled, the report is
 * built from the records and stored with the run's end, unless a `flywheel runs cancel` that arrived
 * first keeps it cancelled. Returns what the CLI reports and exits with.
 */
export async function closeRun(store: RunStore, log: RunLog, runId: string, ending: RunEnding): Promise<RunOutcome> {
  const { status, failure, stop } = ending;
  for (const nim of (await store.details(runId))?.nims ?? []) {
    if (nim.status === "pending") {
      await store.updateNim(nim.id, { status: "cancelled", deployment_status: "not_deployed", error: `not run: the run ${status === "failed" ? "failed" : "was stopped"} first` });
    }
  }
  const details = await store.details(runId);
  if (details === undefined) {
    throw new Error(`the record of run ${runId} is gone from ${store.description}`);
  }
  const report = buildRunReport(details.run, details.nims, details.evaluations);
  const finalStatus = await store.finishRun(runId, {
    status,
    finished_at: new Date(),
    error: failure === undefined ? (status === "cancelled" && stop !== undefined ? stop.message : null) : messageOf(failure),
    report,
  });
  log.info(`run ${runId} ${finalStatus}`);
  return {
    runId,
    status: finalStatus,
    exitCode: exitCodeOf(finalStatus, stop, failure),
    report,
    ...(failure === undefined ? {} : { error: asError(failure) }),
    ...(stop === undefined ? {} : { stop }),
  };
}

function exitCodeOf(status: RunStatus, stop: RunStopped | undefined, failure: unknown): number {
  if (status === "completed") {
    return ExitCode.ok;
  }
  if (stop !== undefined) {
    return stop.exitCode;
  }
  if (status === "cancelled") {
    return ExitCode.cancelled;
  }
  return failure instanceof FlywheelError ? failure.exitCode : ExitCode.internal;
}
