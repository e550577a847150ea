import { join } from "node:path";
import { messageOf, TransientError } from "../errors";
import { UniformExampleSelector, type ExampleSelector } from "../curation/icl/example-selector";
import { iclExamplePool } from "../curation/icl/icl-example-pool";
import { SemanticExampleSelector } from "../curation/icl/semantic-example-selector";
import { prepareData } from "../curation/prepare-data";
import { RunMetrics } from "../metrics/run-metrics";
import { isFinishedRun } from "../store/run-store";
import { watchForCancel } from "./cancel-watch";
import { runCandidate } from "./candidate-run";
import { failedBeforeAdoption, onDemandSettings } from "./pending-run";
import { publishDatasets } from "./publish-datasets";
import { type CandidateContext, cleanupSignal, type RunServices, type RunSettings } from "./run-context";
import { closeRun, openRunRecords, type RunEnding, type RunOutcome } from "./run-records";
import { RunStopped, statusAfter, StoppedBeforeStart } from "./run-stopped";

/** Another run of the pair holds its lock. A later attempt may find it free. */
export class RunInProgressError extends TransientError {}

/**
 * One flywheel run (flywheel-job/README.md, "What a run does"): take the pair's lock, open the run's
 * records, sweep the deployments crashed runs left behind, check the judge, curate and publish the
 * datasets, run every candidate (side by side as the GPU budget allows), then report and close the
 * run, pushing its metrics (src/metrics/) at each stage's end and at its exit. A run-level failure
 * fails the run; a candidate's does not. `shutdown` (SIGTERM, SIGINT) and
 * `flywheel runs cancel` stop it at the next check, after which it deletes what it deployed, cancels
 * its jobs and releases its GPUs. With `settings.runId` it runs the pending run `POST /api/jobs`
 * recorded (src/run/pending-run.ts): refused unless that run is pending and of this pair, its
 * curation overrides applied, adopted once the lock is held, and closed as failed when the Job fails
 * before that.
 */
export async function runFlywheel(given: RunSettings, services: RunServices, shutdown: AbortSignal): Promise<RunOutcome> {
  const { locks, log, store } = services;
  const { runId } = given;
  // An on-demand run is read before the lock: a wrong id fails at once, and its overrides set the config.
  const settings = runId === undefined ? given : await onDemandSettings(given, runId, store, log);
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
      .catch(async (error: unknown) => {
        if (signal.reason instanceof RunStopped) {
          // Stopped by a signal: the pod is going away and the Job may start another, which can still adopt the run.
          throw new StoppedBeforeStart(signal.reason);
        }
        throw runId === undefined ? error : await failedBeforeAdoption(store, runId, error, log);
      });
    if (lock === undefined) {
      const busy = new RunInProgressError(`another run of workload "${workloadId}" and client "${clientId}" is in progress; only one runs at a time`);
      throw runId === undefined ? busy : await failedBeforeAdoption(store, runId, busy, log);
    }
    try {
      return await runLocked(settings, services, control, stopRun);
    } finally {
      await lock.release().catch((error: unknown) => log.warn(`could not release the run lock (it expires on its own): ${messageOf(error)}`));
    }
  } finally {
    shutdown.removeEventListener("abort", onShutdown);
  }
}

async function runLocked(settings: RunSettings, services: RunServices, control: AbortController, stopRun: (reason: RunStopped) => void): Promise<RunOutcome> {
  const { store, platform, log } = services;
  const { config, workloadId, clientId } = settings;
  const signal = control.signal;
  const { runId, nims, judgeRunId } = await openRunRecords(settings, store, log);
  const metrics = new RunMetrics(services.metrics, { store, log, runId, group: { workload: workloadId, client: clientId }, targets: config.targets });

  const watchEnd = new AbortController();
  const watch = watchForCancel(store, runId, config.polling.minSeconds * 1000, AbortSignal.any([signal, watchEnd.signal]), () => stopRun(new RunStopped("cancelled", `run ${runId} was cancelled`)), log);
  let ending: RunEnding = { status: "completed" };
  try {
    const swept = await platform.deployments.sweep(
      {
        currentJob: settings.job,
        runFinished: async (id) => {
          const run = await store.getRun(id);
          return run === undefined ? undefined : isFinishedRun(run);
        },
      },
      signal,
    );
    if (swept.length > 0) {
      log.info(`sweep: deleted ${swept.length} ${platform.deployments.kind}(s) of runs that ended without cleaning up`);
    }
    if (config.candidates.some((c) => c.customize)) {
      // Before any GPU is spent: a candidate to fine-tune needs a platform that can.
      platform.requireCustomizer();
    }
    await metrics.stageEnded("sweep");
    await checkJudge(settings, services, judgeRunId, signal);
    await metrics.stageEnded("judge_check");

    const data = await prepareData(services.logSource, { workloadId, clientId }, config, exampleSelector(settings, services, signal));
    await store.updateActiveRun(runId, { num_records: data.counts.sampled, drop_counts: { ...data.dropCounts }, workload_type: data.workloadType });
    log.info(`curated ${data.counts.sampled} records of a ${data.workloadType} workload: ${data.split.eval.length} eval, ${data.split.train.length} train, ${data.split.validation.length} validation`);
    await metrics.stageEnded("curation", data.counts);
    signal.throwIfAborted();

    const { datasets, records } = await publishDatasets(platform, data, { workloadId, runId, directory: join(settings.workDirectory, `flywheel-${runId}`) }, log, signal);
    await store.updateActiveRun(runId, { datasets: records });
    // The API serves these to applications, which never reach Data Store.
    await store.insertIclExamplePool(iclExamplePool(runId, data.icl, config.icl.maxExamples));
    await metrics.stageEnded("publish_datasets");
    signal.throwIfAborted();

    const context: CandidateContext = { services, settings, runId, workloadType: data.workloadType, datasets };
    await Promise.allSettled(config.candidates.map((candidate, i) => runCandidate(context, nims[i], candidate, i, signal)));
    await metrics.stageEnded("candidates");
    signal.throwIfAborted();
  } catch (error) {
    if (signal.aborted && signal.reason instanceof RunStopped) {
      ending = { status: statusAfter(signal.reason), failure: signal.reason.kind === "lock-lost" ? signal.reason : undefined };
    } else {
      ending = { status: "failed", failure: error };
      log.warn(`run ${runId} failed: ${messageOf(error)}`);
    }
  } finally {
    watchEnd.abort();
    await watch;
    await removeLeftovers(services, runId);
  }
  // The exit's push, failed and stopped runs included: closing may fail too, and the run then fails.
  const outcome = await closeRun(store, log, runId, { ...ending, ...(signal.reason instanceof RunStopped ? { stop: signal.reason } : {}) }).catch(async (error: unknown) => {
    await metrics.runEnded("failed");
    throw error;
  });
  await metrics.runEnded(outcome.status);
  return outcome;
}

/** Asks the judge a test question before any GPU is spent; records whether it answered. */
async function checkJudge(settings: RunSettings, services: RunServices, judgeRunId: string, signal: AbortSignal): Promise<void> {
  const { judge } = settings.config;
  try {
    await services.models.checkChatModel({ url: judge.url, modelId: judge.modelId, apiKey: settings.judgeApiKey }, "judge", signal);
    await services.store.updateJudgeRun(judgeRunId, { deployment_status: "ready" });
  } catch (error) {
    await services.store.updateJudgeRun(judgeRunId, { deployment_status: "failed", error: messageOf(error) });
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

/** The last line of defence: any deployment of this run still there (a candidate's own removal failed) is removed now. */
async function removeLeftovers(services: RunServices, runId: string): Promise<void> {
  const { deployments } = services.platform;
  try {
    await deployments.removeAll(runId, cleanupSignal());
  } catch (error) {
    services.log.warn(`could not check for ${deployments.kind}s of run ${runId} left behind (the next run's sweep deletes them): ${messageOf(error)}`);
  }
}
