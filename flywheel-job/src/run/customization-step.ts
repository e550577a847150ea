import type { CandidateModel } from "../config/job-config";
import type { Customizer } from "../platform/model-platform";
import { type CustomizationRecord, pendingCustomization } from "../store/records";
import { adapterName, customizationJobName } from "./names";
import { runPlatformJob } from "./platform-job";
import type { CandidateContext } from "./run-context";

/**
 * LoRA fine-tuning of one candidate on the run's training dataset, through the job lifecycle
 * (`runPlatformJob`; its stall timer restarts whenever the percentage, epoch or step moves). Returns the
 * adapter's name exactly as the platform gave it.
 */
export async function runCustomization(context: CandidateContext, customizer: Customizer, nimId: string, index: number, candidate: CandidateModel, signal: AbortSignal): Promise<string> {
  const { store } = context.services;
  const { config } = context.settings;
  const record = pendingCustomization({ nim_id: nimId, base_model: candidate.model });
  await store.insertCustomization(record);
  return runPlatformJob<{ readonly id: string; readonly adapter: string }, string, Pick<CustomizationRecord, "customized_model" | "epochs_completed" | "steps_completed">>(
    context,
    {
      what: `customization of ${candidate.model}`,
      kind: "customization job",
      control: customizer.jobs,
      stallMinutes: config.stallTimeouts.customizationMinutes,
      start: (creation) =>
        customizer.startCustomization(
          {
            baseModel: candidate.customizationTarget ?? candidate.model,
            trainingGpus: candidate.trainingGpus,
            maxSeqLength: candidate.maxSeqLength,
            trainingPrecision: config.customization.trainingPrecision,
            jobName: customizationJobName(context.runId, index, candidate.model),
            adapterName: adapterName(context.runId, candidate.model),
            dataset: context.datasets.train,
            epochs: config.customization.epochs,
            batchSize: config.customization.batchSize,
            learningRate: config.customization.learningRate,
            loraAdapterDim: config.customization.loraAdapterDim,
            loraAdapterDropout: config.customization.loraAdapterDropout,
          },
          creation,
        ),
      started: (started) => ({ fields: { customized_model: started.adapter }, note: `, adapter ${started.adapter}` }),
      progressFields: (status) => ({ common: { progress: status.percentDone ?? 0 }, own: { epochs_completed: status.epochsCompleted ?? 0, steps_completed: status.stepsCompleted ?? 0 } }),
      collect: (started) => Promise.resolve({ value: started.adapter, fields: {}, note: `customization job ${started.id} completed` }),
      record: (common, own) => store.updateCustomization(record.id, { ...own, ...common }),
    },
    signal,
  );
}
