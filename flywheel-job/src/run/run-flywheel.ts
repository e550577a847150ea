import { rmSync } from "node:fs";
import { join } from "node:path";
import { ExitCode, FlywheelError, TransientError, UsageError } from "../errors";
import { UniformExampleSelector, type ExampleSelector } from "../curation/icl/example-selector";
import { SemanticExampleSelector } from "../curation/icl/semantic-example-selector";
import { prepareData } from "../curation/prepare-data";
import { runSelector } from "../kubernetes/candidate-nim-service";
import { sweepOrphanedNimServices } from "../kubernetes/sweep";
import { buildRunReport, type RunReport } from "../report/run-report";
import { newRecordId } from "../store/ids";
import type { NimRecord, RunStatus } from "../store/records";
import { isFinishedRun } from "../store/run-store";
import { watchForCancel } from "./cancel-watch";
import { runCandidate } from "./candidate-run";
import { publishDatasets } from "./publish-datasets";
import { type CandidateContext, cleanupSignal, describeError, type RunServices, type RunSettings } from "./run-context";
import { RunStopped, statusAfter, StoppedBeforeStart } from "./run-stopped";

/** Another run of the pair holds its lock. A later attempt may find it free. */
export class RunInProgressError extends TransientError {}

export interface RunOutcome {
  readonly runId: string;
  readonly status: RunStatus;
  readonly exitCode: number;
  readonly report: RunReport;
  /** What failed the run, when it failed. */
  readonly error?: unknown;
  /** Why it stopped early, when it was cancelled, terminated or lost its lock. */
  readonly stop?: RunStopped;
}

/**
 * One flywheel run (flywheel-job/README.md, "What a run does"): take the pair's lock, open the run's
 * records, sweep NIMServices that crashed runs left behind, check the judge, curate and publish the
 * datasets, run every candidate (side by side as the GPU budget allows), then report and close the
 * run. A run-level failure fails the run; a candidate's does not. `shutdown` (SIGTERM, SIGINT) and
 * `flywheel runs cancel` stop it at the next check, after which it deletes what it deployed, cancels
 * its jobs and releases its GPUs.
 */
export async function runFlywheel(settings: RunSettings, services: RunServices, shutdown: AbortSignal): Promise<RunOutcome> {
  const { locks, log } = services;
  const { config, workloadId, clientId } = settings;
  const control = new AbortController();
  const stopRun = (reason: RunStopped): void => {
    if (!control.signal.aborted) {
      log.warn(`stopping the run: ${reason.message}`);
      control.abort(reason);
    }
  };
  const onShutdown = (): void => {
    const name = shutdown.reason === "SIGINT" ? "SIGINT" : "SIGTERM";
    stopRun(new RunStopped("terminated", `received ${name}`, name));
  };
  shutdown.addEventListener("abort", onShutdown, { once: true });
  if (shutdown.aborted) {
    onShutdown();
  }
  const signal = control.signal;
  try {
    const leaseMs = config.gpuBudget.leaseSeconds * 1000;
    const lock = await locks
      .lock(workloadId, clientId, {
        signal,
        // A crashed run's lock frees itself after one lease: wait that long before giving up.
        waitMs: leaseMs * 1.5,
        holder: `a run of workload "${workloadId}" and client "${clientId}"`,
        onLost: (error) => stopRun(new RunStopped("lock-lost", error.message)),
      })
      .catch((error: unknown) => {
        throw signal.reason instanceof RunStopped ? new StoppedBeforeStart(signal.reason) : error;
      });
    if (lock === undefined) {
      throw new RunInProgressError(`another run of workload "${workloadId}" and client "${clientId}" is in progress; only one runs at a time`);
    }
    try {
      return await runLocked(settings, services, control, stopRun);
    } finally {
      await lock.release().catch((error: unknown) => log.warn(`could not release the run lock (it expires on its own): ${describeError(error)}`));
    }
  } finally {
    shutdown.removeEventListener("abort", onShutdown);
  }
}

async function runLocked(settings: RunSettings, services: RunServices, control: AbortController, stopRun: (reason: RunStopped) => void): Promise<RunOutcome> {
  const { store, kubernetes, nemo, log } = services;
  const { config, workloadId, clientId } = settings;
  const signal = control.signal;
  const runId = newRecordId();
  const startedAt = new Date();
  const nims: NimRecord[] = config.candidates.map((candidate) => ({
    id: newRecordId(),
    flywheel_run_id: runId,
    model_name: candidate.model,
    status: "pending",
    deployment_status: "pending",
    started_at: null,
    finished_at: null,
    runtime_seconds: null,
    error: null,
    gpus: candidate.gpus,
    nim_service: null,
  }));
  await store.insertRun({
    id: runId,
    workload_id: workloadId,
    client_id: clientId,
    status: "pending",
    started_at: startedAt,
    finished_at: null,
    num_records: null,
    datasets: [],
    error: null,
    seed: config.data.seed,
    drop_counts: null,
    report: null,
    workload_type: null,
    targets: { ...config.targets },
    gpu_hourly_cost: config.gpuHourlyCost ?? null,
    job: settings.job ?? null,
  });
  for (const nim of nims) {
    await store.insertNim(nim);
  }
  const judgeRunId = newRecordId();
  const judgeHost = new URL(config.judge.url).hostname;
  await store.insertJudgeRun({
    id: judgeRunId,
    flywheel_run_id: runId,
    model_name: config.judge.modelId,
    deployment_type: /\.svc(\.cluster\.local)?$/.test(judgeHost) ? "local" : "remote",
    deployment_status: "pending",
    error: null,
  });
  log.info(`run ${runId} of workload "${workloadId}", client "${clientId}" started (records: ${store.description})`);
  const abandoned = await store.closeAbandonedRuns(workloadId, clientId, runId, "its process ended before the run finished", startedAt);
  if (abandoned.length > 0) {
    log.warn(`closed runs whose process ended without finishing them: ${abandoned.join(", ")}`);
  }
  await store.updateActiveRun(runId, { status: "running" });

  const watchEnd = new AbortController();
  const watch = watchForCancel(store, runId, config.polling.minSeconds * 1000, AbortSignal.any([signal, watchEnd.signal]), () => stopRun(new RunStopped("cancelled", `run ${runId} was cancelled`)), log);
  const workDirectory = join(settings.workDirectory, `flywheel-${runId}`);
  let status: RunStatus = "completed";
  let failure: unknown;
  try {
    const swept = await sweepOrphanedNimServices(
      kubernetes,
      {
        currentJob: settings.job,
        runFinished: async (id) => {
          const run = await store.getRun(id);
          return run === undefined ? undefined : isFinishedRun(run);
        },
        log,
      },
      signal,
    );
    if (swept.length > 0) {
      log.info(`sweep: deleted ${swept.length} NIMService(s) of runs that ended without cleaning up`);
    }
    if (nemo.customizer === undefined && config.candidates.some((c) => c.customize)) {
      throw new UsageError("a candidate is to be fine-tuned, but no Customizer URL is set: set NEMO_CUSTOMIZER_URL or NEMO_BASE_URL, or nemo.customizerUrl");
    }
    await checkJudge(settings, services, judgeRunId, signal);

    const data = await prepareData(services.logSource, { workloadId, clientId }, config, exampleSelector(settings, services, signal));
    await store.updateActiveRun(runId, { num_records: data.counts.sampled, drop_counts: { ...data.dropCounts }, workload_type: data.workloadType });
    log.info(`curated ${data.counts.sampled} records of a ${data.workloadType} workload: ${data.split.eval.length} eval, ${data.split.train.length} train, ${data.split.validation.length} validation`);
    signal.throwIfAborted();

    const { datasets, records } = await publishDatasets(nemo, data, { namespace: config.nemo.namespace, workloadId, runId, directory: workDirectory }, log, signal);
    rmSync(workDirectory, { recursive: true, force: true });
    await store.updateActiveRun(runId, { datasets: records });
    signal.throwIfAborted();

    const context: CandidateContext = { services, settings, runId, workloadType: data.workloadType, datasets };
    await Promise.allSettled(config.candidates.map((candidate, i) => runCandidate(context, nims[i], candidate, i, signal)));
    signal.throwIfAborted();
  } catch (error) {
    if (signal.aborted && signal.reason instanceof RunStopped) {
      status = statusAfter(signal.reason);
      failure = signal.reason.kind === "lock-lost" ? signal.reason : undefined;
    } else {
      status = "failed";
      failure = error;
      log.warn(`run ${runId} failed: ${describeError(error)}`);
    }
  } finally {
    watchEnd.abort();
    await watch;
    rmSync(workDirectory, { recursive: true, force: true });
    await deleteLeftovers(services, runId);
  }

  // Candidates the run never got to.
  for (const nim of (await store.details(runId))?.nims ?? []) {
    if (nim.status === "pending") {
      await store.updateNim(nim.id, { status: "cancelled", deployment_status: "not_deployed", error: `not run: the run ${status === "failed" ? "failed" : "was stopped"} first` });
    }
  }
  const details = await store.details(runId);
  const report = buildRunReport(details?.run ?? (await store.getRun(runId))!, details?.nims ?? [], details?.evaluations ?? []);
  const finalStatus = await store.finishRun(runId, {
    status,
    finished_at: new Date(),
    error: failure === undefined ? (status === "cancelled" ? describeError(signal.reason) : null) : describeError(failure),
    report,
  });
  log.info(`run ${runId} ${finalStatus}`);
  return {
    runId,
    status: finalStatus,
    exitCode: exitCodeOf(finalStatus, signal, failure),
    report,
    ...(failure === undefined ? {} : { error: failure }),
    ...(signal.reason instanceof RunStopped ? { stop: signal.reason } : {}),
  };
}

/** Asks the judge a test question before any GPU is spent; records whether it answered. */
async function checkJudge(settings: RunSettings, services: RunServices, judgeRunId: string, signal: AbortSignal): Promise<void> {
  const { judge } = settings.config;
  try {
    await services.models.checkChatModel({ url: judge.url, modelId: judge.modelId, apiKey: settings.judgeApiKey }, "judge", signal);
    await services.store.updateJudgeRun(judgeRunId, { deployment_status: "ready" });
  } catch (error) {
    await services.store.updateJudgeRun(judgeRunId, { deployment_status: "failed", error: describeError(error) });
    throw error;
  }
}

function exampleSelector(settings: RunSettings, services: RunServices, signal: AbortSignal): ExampleSelector {
  const { icl, embedding } = settings.config;
  if (icl.selection === "semantic" && embedding !== undefined) {
    const endpoint = { ...embedding, apiKey: settings.embeddingApiKey };
    return new SemanticExampleSelector((texts) => services.models.embed(endpoint, texts, signal), { maxExamples: icl.maxExamples, relevanceRatio: icl.relevanceRatio });
  }
  return new UniformExampleSelector(icl.maxExamples);
}

/** The last line of defence: any NIMService of this run still there (a candidate's own delete failed) is deleted now. */
async function deleteLeftovers(services: RunServices, runId: string): Promise<void> {
  const { kubernetes, log } = services;
  try {
    const signal = cleanupSignal();
    for (const service of await kubernetes.listNimServices(runSelector(runId), signal)) {
      await kubernetes.deleteNimService(service.metadata.name, signal);
      log.info(`deleted NIMService ${service.metadata.name} of run ${runId}`);
    }
  } catch (error) {
    log.warn(`could not check for NIMServices of run ${runId} left behind (the next run's sweep deletes them): ${describeError(error)}`);
  }
}

function exitCodeOf(status: RunStatus, signal: AbortSignal, failure: unknown): number {
  if (status === "completed") {
    return ExitCode.ok;
  }
  if (signal.aborted && signal.reason instanceof RunStopped) {
    return signal.reason.exitCode;
  }
  if (status === "cancelled") {
    return ExitCode.cancelled;
  }
  return failure instanceof FlywheelError ? failure.exitCode : ExitCode.internal;
}
