import { type FlywheelJobConfig, parseJobConfig } from "../config/job-config";
import { ExitCode, FlywheelError, messageOf, UsageError } from "../errors";
import type { RunLog } from "../log";
import { type DataSplitOverrides, dataSplitOverrideKeys, type Patch, type RunRecord } from "../store/records";
import { cancelledBeforeStart, type RunStore } from "../store/run-store";
import type { RunSettings } from "./run-context";

/*
 * An on-demand run (`flywheel run --run-id`): `POST /api/jobs` recorded it as `pending` and created
 * a Job for it, which adopts that record instead of opening a new one. Only a pending run of the
 * Job's own pair is adopted; any other id is refused and its record left as it is. Until the Job has
 * adopted its run, a failure of the Job closes the record as `failed` with the reason, so the API
 * shows why; a cancel that came first ends the Job as cancelled.
 */

/** The workload and client a Job runs for. */
export interface RunPair {
  readonly workloadId: string;
  readonly clientId: string;
}

/** What becomes of a pending run whose Job could record nothing (the store did not answer). */
export const unrecordedPendingRunNote = "it stays pending until the Flywheel API closes it as failed after its start timeout (flywheel.startTimeoutMinutes)";

/** The run was cancelled while it waited for its Job: the Job ends without running it. */
export class CancelledBeforeAdoption extends FlywheelError {
  readonly exitCode = ExitCode.cancelled;
}

/**
 * The settings an on-demand run runs with, read from its pending record before the pair's lock is
 * taken (so a wrong id fails at once, not after waiting for the lock): the config with the run's
 * `data_split_overrides` applied. Refused with a UsageError, the record untouched, unless it is a
 * pending run of this pair; overrides the job's schema rejects close the record as failed.
 */
export async function onDemandSettings(settings: RunSettings, runId: string, store: RunStore, log: RunLog): Promise<RunSettings> {
  const run = await store.getRun(runId);
  const refusal = store.adoptionRefusal(runId, run, settings);
  if (run === undefined || refusal !== undefined) {
    throw await refused(store, run, runId, settings, refusal ?? `there is no run ${runId}`);
  }
  try {
    return { ...settings, config: configWithOverrides(settings.config, run.data_split_overrides ?? {}, runId) };
  } catch (error) {
    throw await failedBeforeAdoption(store, runId, error, log);
  }
}

/**
 * The workload's configuration with a run's curation overrides in `data`, validated again by the
 * job's own schema, so that its rules across keys (`evalSize` below `limit`, …) hold for the values
 * the run uses. Keys left out keep the workload's values. Throws a UsageError naming the problems.
 */
export function configWithOverrides(config: FlywheelJobConfig, overrides: DataSplitOverrides, runId: string): FlywheelJobConfig {
  // Only the keys an override may set are read: the record is data, not a configuration.
  const given = dataSplitOverrideKeys.filter((key) => overrides[key] !== undefined);
  if (given.length === 0) {
    return config;
  }
  const data = { ...config.data, ...Object.fromEntries(given.map((key) => [key, overrides[key]])) };
  const shown = given.map((key) => `data.${key}: ${JSON.stringify(overrides[key])}`).join(", ");
  return parseJobConfig({ ...config, data }, `the job configuration with the overrides of run ${runId} (${shown})`);
}

/**
 * Takes the pending run for this Job, patched with what the Job knows (the seed, targets and GPU
 * price it runs with, the Job itself); the caller holds the pair's lock. Throws a UsageError, the
 * record untouched, when it stopped being pending since `onDemandSettings` read it, or
 * CancelledBeforeAdoption when a cancel came first.
 */
export async function adoptRun(store: RunStore, runId: string, pair: RunPair, patch: Patch<RunRecord>): Promise<RunRecord> {
  const result = await store.adoptPendingRun(runId, pair, patch);
  if ("adopted" in result) {
    return result.adopted;
  }
  throw await refused(store, await store.getRun(runId), runId, pair, result.refused);
}

/**
 * Records a failure of the Job before it adopted its run and returns what the Job ends with: the run
 * is closed as failed with the reason if it is still pending. When a cancel came first the run stays
 * cancelled, is marked finished, and the Job ends as cancelled; when the store does not answer, the
 * run stays pending for the API to close.
 */
export async function failedBeforeAdoption(store: RunStore, runId: string, failure: unknown, log: RunLog): Promise<unknown> {
  const reason = failure instanceof FlywheelError ? [failure.message, ...failure.details].join(" ") : messageOf(failure);
  try {
    if (await store.failPendingRun(runId, reason, new Date())) {
      log.warn(`run ${runId} closed as failed before it started: ${reason}`);
      return failure;
    }
    const run = await store.getRun(runId);
    return run?.status === "cancelled" ? await endCancelled(store, run) : failure;
  } catch (error) {
    log.warn(`could not record on run ${runId} why its Job failed (${messageOf(error)}): ${unrecordedPendingRunNote}`);
    return failure;
  }
}

/** Why a run is not adopted, as the error the Job ends with: CancelledBeforeAdoption when it is this pair's and was cancelled, else a UsageError. */
async function refused(store: RunStore, run: RunRecord | undefined, runId: string, pair: RunPair, reason: string): Promise<FlywheelError> {
  if (run !== undefined && run.status === "cancelled" && isOfPair(run, pair)) {
    return endCancelled(store, run);
  }
  return new UsageError(`--run-id ${runId}: ${reason}`);
}

/** A run cancelled while pending is marked finished (nothing of it runs), so it shows as finished and can be deleted. */
async function endCancelled(store: RunStore, run: RunRecord): Promise<CancelledBeforeAdoption> {
  if (run.finished_at === null) {
    await store.updateRun(run.id, { finished_at: new Date(), error: run.error ?? cancelledBeforeStart });
  }
  return new CancelledBeforeAdoption(`run ${run.id} was cancelled before its Job started it`);
}

function isOfPair(run: RunRecord, pair: RunPair): boolean {
  return run.workload_id === pair.workloadId && run.client_id === pair.clientId;
}
