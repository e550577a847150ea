import { type Held, LeaseLost } from "../budget/gpu-budget";
import type { CandidateModel } from "../config/job-config";
import type { EvalType } from "../evaluation/metrics";
import { candidateNimService, candidateNimServiceName } from "../kubernetes/candidate-nim-service";
import { waitUntilModelServed, waitUntilServing } from "../kubernetes/nim-readiness";
import type { ModelEndpoint } from "../nemo/services";
import type { NimDeploymentStatus, NimRecord, StepStatus } from "../store/records";
import { runCustomization } from "./customization-step";
import { recordEvaluation, runEvaluation, skipEvaluation } from "./evaluation-step";
import { type CandidateContext, cleanupSignal, describeError, pollSettings, runtimeSeconds } from "./run-context";

/**
 * One candidate model, start to end (flywheel-job/README.md, "What a run does", step 6): hold its
 * GPUs in the budget, deploy its NIM and wait until it serves, then in parallel the base evaluation,
 * the ICL evaluation and (with `customize`) fine-tuning followed by the evaluation of the adapter on
 * the same NIM; then delete the NIM and give the GPUs back, whatever happened. It never throws: a
 * failed candidate is recorded in its own records and does not fail the run. It stops at its next
 * check when `runSignal` aborts or its GPU lease is lost.
 */
export async function runCandidate(context: CandidateContext, nim: NimRecord, candidate: CandidateModel, index: number, runSignal: AbortSignal): Promise<void> {
  const { store, budget, kubernetes, log } = context.services;
  const { config } = context.settings;
  const stop = new AbortController();
  const onRunStop = (): void => stop.abort(runSignal.reason);
  runSignal.addEventListener("abort", onRunStop, { once: true });
  if (runSignal.aborted) {
    onRunStop();
  }
  const signal = stop.signal;
  const label = `candidate ${candidate.model}`;
  let held: Held | undefined;
  let nimService: string | undefined;
  let startedAt: Date | null = null;
  let status: StepStatus = "completed";
  let error: string | null = null;
  try {
    await store.updateNim(nim.id, { deployment_status: "waiting_for_gpus" });
    held = await budget.hold(candidate.gpus, {
      signal,
      waitMs: config.gpuBudget.waitMinutes * 60_000,
      holder: `run ${context.runId} ${label}`,
      onLost: (lost) => stop.abort(lost),
    });
    startedAt = new Date();
    log.info(`${label}: holding ${candidate.gpus} GPU${candidate.gpus === 1 ? "" : "s"} of ${budget.description}`);
    await store.updateNim(nim.id, { status: "running", deployment_status: "deploying", started_at: startedAt });

    const cache = await kubernetes.nimCacheState(candidate.nimCache, signal);
    if (cache === undefined) {
      throw new Error(`NIMCache ${candidate.nimCache} does not exist in namespace ${kubernetes.namespace}; the stack creates one per candidate model (check the candidate's nimCache)`);
    }
    if (cache.state !== "Ready") {
      log.info(`${label}: NIMCache ${candidate.nimCache} is ${cache.state ?? "not ready"}; the NIM starts when it is`);
    }
    nimService = candidateNimServiceName(context.runId, index, candidate.model);
    await kubernetes.createNimService(
      candidateNimService({
        runId: context.runId,
        workloadId: context.settings.workloadId,
        clientId: context.settings.clientId,
        index,
        candidate,
        namespace: kubernetes.namespace,
        deployment: config.deployment,
        peftSource: context.settings.peftSource,
        owner: context.settings.job,
      }),
      signal,
    );
    await store.updateNim(nim.id, { nim_service: nimService });
    log.info(`${label}: created NIMService ${nimService}`);
    const deploymentPolling = pollSettings(config, config.stallTimeouts.deploymentMinutes);
    const endpoint = await waitUntilServing(kubernetes, context.services.probe, nimService, candidate.model, deploymentPolling, signal);
    await store.updateNim(nim.id, { deployment_status: "ready" });
    log.info(`${label}: serving at ${endpoint}`);

    const chat = (modelId: string): ModelEndpoint => ({ url: `${endpoint}/v1/chat/completions`, modelId });
    const evaluation = async (evalType: EvalType, dataset: "eval" | "icl"): Promise<void> => {
      const id = await recordEvaluation(context, nim.id, evalType);
      await runEvaluation(context, id, `${evalType} of ${candidate.model}`, context.datasets[dataset], chat(candidate.model), signal);
    };
    const customized = async (): Promise<void> => {
      const id = await recordEvaluation(context, nim.id, "customized-eval");
      let adapter: string;
      try {
        const customizer = context.services.nemo.customizer;
        if (customizer === undefined) {
          throw new Error("no Customizer URL is configured");
        }
        adapter = await runCustomization(context, customizer, nim.id, index, candidate, signal);
        await waitUntilModelServed(context.services.probe, endpoint, adapter, deploymentPolling, signal);
      } catch (customizationError) {
        await skipEvaluation(context, id, signal.aborted ? "cancelled" : "failed", `not run: ${describeError(signal.aborted ? signal.reason : customizationError)}`);
        throw customizationError;
      }
      await runEvaluation(context, id, `customized-eval of ${candidate.model}`, context.datasets.eval, chat(adapter), signal);
    };
    const outcomes = await Promise.allSettled([evaluation("base-eval", "eval"), evaluation("icl-eval", "icl"), ...(candidate.customize ? [customized()] : [])]);
    signal.throwIfAborted();
    const failures = outcomes.flatMap((outcome) => (outcome.status === "rejected" ? [describeError(outcome.reason)] : []));
    if (failures.length > 0) {
      status = "failed";
      error = failures.join("; ");
    }
  } catch (caught) {
    status = signal.aborted && !(signal.reason instanceof LeaseLost) ? "cancelled" : "failed";
    error = describeError(signal.aborted ? signal.reason : caught);
    log.warn(`${label}: ${status}: ${error}`);
  } finally {
    runSignal.removeEventListener("abort", onRunStop);
    let deploymentStatus: NimDeploymentStatus = nimService === undefined ? "not_deployed" : "deleted";
    if (nimService !== undefined) {
      try {
        await kubernetes.deleteNimService(nimService, cleanupSignal());
        log.info(`${label}: deleted NIMService ${nimService}`);
      } catch (deleteError) {
        deploymentStatus = "delete_failed";
        log.warn(`${label}: could not delete NIMService ${nimService} (the run deletes its NIMServices again at its end): ${describeError(deleteError)}`);
      }
    }
    if (held !== undefined) {
      await held.release().catch((releaseError: unknown) => log.warn(`${label}: could not release its GPUs (the lease expires on its own): ${describeError(releaseError)}`));
    }
    const finishedAt = new Date();
    await store
      .updateNim(nim.id, { status, error, deployment_status: deploymentStatus, finished_at: finishedAt, runtime_seconds: runtimeSeconds(startedAt, finishedAt) })
      .catch((storeError: unknown) => log.warn(`${label}: could not record its end: ${describeError(storeError)}`));
  }
}
