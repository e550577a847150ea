import { type Held, LeaseLost } from "../budget/gpu-budget";
import type { CandidateModel } from "../config/job-config";
import { messageOf } from "../errors";
import type { EvalType } from "../evaluation/metrics";
import type { ModelEndpoint } from "../http/model-endpoints";
import type { CandidateDeployment } from "../platform/candidate-deployments";
import type { NimDeploymentStatus, NimRecord, StepStatus } from "../store/records";
import { runCustomization } from "./customization-step";
import { recordEvaluation, runEvaluation, skipEvaluation } from "./evaluation-step";
import { type CandidateContext, cleanupSignal, pollSettings, runtimeSeconds } from "./run-context";

/**
 * One candidate model, start to end (flywheel-job/README.md, "What a run does", step 6): hold its
 * GPUs in the budget, deploy it on the platform and wait until it serves, then in parallel the base
 * evaluation, the ICL evaluation and (with `customize`) fine-tuning followed by the evaluation of the
 * adapter on the same deployment; then remove the deployment and give the GPUs back, whatever
 * happened. It never throws: a failed candidate is recorded in its own records and does not fail the
 * run. It stops at its next check when `runSignal` aborts or its GPU lease is lost.
 */
export async function runCandidate(context: CandidateContext, nim: NimRecord, candidate: CandidateModel, index: number, runSignal: AbortSignal): Promise<void> {
  const { store, budget, platform, log } = context.services;
  const { deployments } = platform;
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
  let deployment: CandidateDeployment | undefined;
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

    deployment = await deployments.prepare(
      { runId: context.runId, workloadId: context.settings.workloadId, clientId: context.settings.clientId, index, candidate, owner: context.settings.job },
      signal,
    );
    await deployments.create(deployment, signal);
    await store.updateNim(nim.id, { nim_service: deployment.name });
    log.info(`${label}: created ${deployments.kind} ${deployment.name}`);
    const deploymentPolling = pollSettings(config, config.stallTimeouts.deploymentMinutes);
    const endpoint = await deployments.awaitServing(deployment, deploymentPolling, signal);
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
        adapter = await runCustomization(context, platform.requireCustomizer(), nim.id, index, candidate, signal);
        await deployments.awaitModel(endpoint, adapter, deploymentPolling, signal);
      } catch (customizationError) {
        await skipEvaluation(context, id, signal.aborted ? "cancelled" : "failed", `not run: ${messageOf(signal.aborted ? signal.reason : customizationError)}`);
        throw customizationError;
      }
      await runEvaluation(context, id, `customized-eval of ${candidate.model}`, context.datasets.eval, chat(adapter), signal);
    };
    const outcomes = await Promise.allSettled([evaluation("base-eval", "eval"), evaluation("icl-eval", "icl"), ...(candidate.customize ? [customized()] : [])]);
    signal.throwIfAborted();
    const failures = outcomes.flatMap((outcome) => (outcome.status === "rejected" ? [messageOf(outcome.reason)] : []));
    if (failures.length > 0) {
      status = "failed";
      error = failures.join("; ");
    }
  } catch (caught) {
    status = signal.aborted && !(signal.reason instanceof LeaseLost) ? "cancelled" : "failed";
    error = messageOf(signal.aborted ? signal.reason : caught);
    log.warn(`${label}: ${status}: ${error}`);
  } finally {
    runSignal.removeEventListener("abort", onRunStop);
    let deploymentStatus: NimDeploymentStatus = deployment === undefined ? "not_deployed" : "deleted";
    if (deployment !== undefined) {
      try {
        await deployments.remove(deployment, cleanupSignal());
        log.info(`${label}: deleted ${deployments.kind} ${deployment.name}`);
      } catch (deleteError) {
        deploymentStatus = "delete_failed";
        log.warn(`${label}: could not delete ${deployments.kind} ${deployment.name} (the run deletes its ${deployments.kind}s again at its end): ${messageOf(deleteError)}`);
      }
    }
    if (held !== undefined) {
      await held.release().catch((releaseError: unknown) => log.warn(`${label}: could not release its GPUs (the lease expires on its own): ${messageOf(releaseError)}`));
    }
    const finishedAt = new Date();
    await store
      .updateNim(nim.id, { status, error, deployment_status: deploymentStatus, finished_at: finishedAt, runtime_seconds: runtimeSeconds(startedAt, finishedAt) })
      .catch((storeError: unknown) => log.warn(`${label}: could not record its end: ${messageOf(storeError)}`));
  }
}
