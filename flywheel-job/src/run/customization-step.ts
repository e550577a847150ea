import type { CandidateModel } from "../config/job-config";
import type { Customizer } from "../nemo/services";
import { newRecordId } from "../store/ids";
import type { CustomizationRecord } from "../store/records";
import { customizationJobName, customizedModelName } from "./names";
import { runNemoJob } from "./nemo-job";
import type { CandidateContext } from "./run-context";

/**
 * LoRA fine-tuning of one candidate on the run's training dataset, through the NeMo job lifecycle
 * (`runNemoJob`; its stall timer restarts whenever the percentage, epoch or step moves). Returns the
 * adapter's name exactly as Customizer gave it.
 */
export async function runCustomization(context: CandidateContext, customizer: Customizer, nimId: string, index: number, candidate: CandidateModel, signal: AbortSignal): Promise<string> {
  const { store } = context.services;
  const { config } = context.settings;
  const id = newRecordId();
  await store.insertCustomization({
    id,
    nim_id: nimId,
    job_id: null,
    base_model: candidate.model,
    customized_model: null,
    progress: 0,
    epochs_completed: 0,
    steps_completed: 0,
    started_at: null,
    finished_at: null,
    runtime_seconds: null,
    error: null,
    status: "pending",
    nmp_uri: null,
    job_stop: null,
  });
  return runNemoJob<{ readonly id: string; readonly outputModel: string }, string, Pick<CustomizationRecord, "customized_model" | "epochs_completed" | "steps_completed">>(
    context,
    {
      what: `customization of ${candidate.model}`,
      kind: "customization job",
      control: customizer.jobs,
      stallMinutes: config.stallTimeouts.customizationMinutes,
      start: (creation) =>
        customizer.startCustomization(
          {
            namespace: config.nemo.namespace,
            target: candidate.customizationTarget ?? candidate.model,
            trainingGpus: candidate.trainingGpus,
            maxSeqLength: candidate.maxSeqLength,
            trainingPrecision: config.customization.trainingPrecision,
            jobName: customizationJobName(context.runId, index, candidate.model),
            outputModel: customizedModelName(config.nemo.namespace, context.runId, candidate.model),
            dataset: context.datasets.train,
            epochs: config.customization.epochs,
            batchSize: config.customization.batchSize,
            learningRate: config.customization.learningRate,
            loraAdapterDim: config.customization.loraAdapterDim,
            loraAdapterDropout: config.customization.loraAdapterDropout,
          },
          creation,
        ),
      started: (started) => ({ fields: { customized_model: started.outputModel }, note: `, adapter ${started.outputModel}` }),
      progressFields: (status) => ({ common: { progress: status.percentDone ?? 0 }, own: { epochs_completed: status.epochsCompleted ?? 0, steps_completed: status.stepsCompleted ?? 0 } }),
      collect: (started) => Promise.resolve({ value: started.outputModel, fields: {}, note: `customization job ${started.id} completed` }),
      record: (common, own) => store.updateCustomization(id, { ...own, ...common }),
    },
    signal,
  );
}
