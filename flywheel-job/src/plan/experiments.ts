import type { FlywheelJobConfig } from "../config/job-config";
import type { EvalType } from "../evaluation/metrics";

/** One evaluation a full run would start. */
export interface Experiment {
  readonly model: string;
  readonly evalType: EvalType;
  /** The dataset it evaluates on. */
  readonly dataset: "eval" | "icl";
  readonly records: number;
  /** GPUs of the candidate's NIM. */
  readonly gpus: number;
}

/** Per candidate: base and ICL evaluation, and with `customize` a LoRA fine-tune evaluated on the eval set (flywheel-job/README.md, "What a run does", step 6). */
export function plannedExperiments(config: FlywheelJobConfig, evalRecords: number): Experiment[] {
  return config.candidates.flatMap((candidate) => {
    const experiment = (evalType: EvalType, dataset: "eval" | "icl"): Experiment => ({ model: candidate.model, evalType, dataset, records: evalRecords, gpus: candidate.gpus });
    return [experiment("base-eval", "eval"), experiment("icl-eval", "icl"), ...(candidate.customize ? [experiment("customized-eval", "eval")] : [])];
  });
}

/**
 * Rough durations behind the GPU-hours estimate. They are deliberately simple and stated in
 * plan.json: the estimate sizes a budget, it does not predict a bill.
 */
export const estimateAssumptions = {
  /** A NIM starting from weights already in its NIMCache. */
  nimStartupMinutes: 10,
  /** Candidate inference plus the judge's call, per evaluation record. */
  evaluationSecondsPerRecord: 2,
  /** LoRA SFT of a small model, per training record and epoch. */
  trainingSecondsPerRecordPerEpoch: 1,
} as const;

export interface CandidateEstimate {
  readonly model: string;
  /** How long the candidate's NIM runs: start-up, then base and ICL evaluations in parallel with fine-tuning and the customized evaluation. */
  readonly nimMinutes: number;
  readonly trainingMinutes: number;
  readonly gpuHours: number;
}

export interface GpuEstimate {
  readonly candidates: readonly CandidateEstimate[];
  readonly gpuHours: number;
  /** Price of a GPU-hour, when configured. */
  readonly gpuHourlyCost: number | undefined;
  /** `gpuHours × gpuHourlyCost` when a price is configured. */
  readonly cost: number | undefined;
}

export function estimateGpuHours(config: FlywheelJobConfig, records: { readonly eval: number; readonly train: number; readonly validation: number }): GpuEstimate {
  const a = estimateAssumptions;
  const evaluationMinutes = (records.eval * a.evaluationSecondsPerRecord) / 60;
  const candidates = config.candidates.map((candidate) => {
    const trainingMinutes = candidate.customize ? ((records.train + records.validation) * config.customization.epochs * a.trainingSecondsPerRecordPerEpoch) / 60 : 0;
    const nimMinutes = a.nimStartupMinutes + Math.max(evaluationMinutes, candidate.customize ? trainingMinutes + evaluationMinutes : 0);
    const gpuHours = (candidate.gpus * nimMinutes + candidate.trainingGpus * trainingMinutes) / 60;
    return { model: candidate.model, nimMinutes: round(nimMinutes), trainingMinutes: round(trainingMinutes), gpuHours: round(gpuHours) };
  });
  const gpuHours = round(candidates.reduce((sum, c) => sum + c.gpuHours, 0));
  const price = config.gpuHourlyCost;
  return { candidates, gpuHours, gpuHourlyCost: price, cost: price === undefined ? undefined : round(gpuHours * price) };
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
