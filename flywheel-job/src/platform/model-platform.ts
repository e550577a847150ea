import type { WorkloadType } from "../curation/records";
import type { SampleBounds, SampledResults } from "../evaluation/evaluation-samples";
import type { EvaluationResults } from "../evaluation/metrics";
import type { ModelEndpoint } from "../http/model-endpoints";
import type { CandidateDeployments } from "./candidate-deployments";
import type { JobControl } from "./job-control";

/**
 * The model platform a run works on, in the run's own terms: publish its datasets, deploy its
 * candidates, evaluate and fine-tune them, follow and stop those jobs, and delete what a finished run
 * published. The pipeline (`run/`) sees only this port; the NeMo microservices 25.x with NIMServices
 * through Kubernetes are its implementation (`backends/nemo-25/`), and another platform is another
 * folder beside it. Every call takes the signal that stops the run.
 */

/** A published dataset: the name the run gave it, and where the platform's services find it (recorded as `datasets[].nmp_uri`). */
export interface DatasetLocation {
  readonly name: string;
  readonly uri: string;
}

/** The files of a dataset, by what they are for; the platform decides how it lays them out. */
export type DatasetContent =
  /** Records to evaluate on: one JSONL file. */
  | { readonly use: "evaluation"; readonly file: string }
  /** Records to fine-tune on: a training and a validation JSONL file. */
  | { readonly use: "fine-tuning"; readonly trainingFile: string; readonly validationFile: string };

export interface DatasetToPublish {
  /** Unique per run: it carries the run id. */
  readonly name: string;
  readonly description: string;
  /** Local paths of its files, read as they are uploaded. */
  readonly content: DatasetContent;
}

/** What a finished run leaves on the platform, and how `flywheel runs delete` removes it. */
export interface PublishedArtifacts {
  /** How the platform names the dataset in messages, e.g. `dfwbp/flywheel-eval-…`. */
  describeDataset(dataset: DatasetLocation): string;
  /** Deletes the dataset; false when there was nothing to delete. */
  deleteDataset(dataset: DatasetLocation, signal: AbortSignal): Promise<boolean>;
  /** Deletes a fine-tuned adapter by the name the platform gave it; false when there was none. */
  deleteAdapter(adapter: string, signal: AbortSignal): Promise<boolean>;
}

/** LoRA SFT of one candidate. */
export interface CustomizationSpec {
  /** The platform's name of the model to fine-tune, e.g. the Customizer target `meta/llama-3.2-1b-instruct@2.0`. */
  readonly baseModel: string;
  readonly trainingGpus: number;
  readonly maxSeqLength: number;
  readonly trainingPrecision: string;
  /** Name of the job (unique per run). */
  readonly jobName: string;
  /** Name for the adapter (unique per run); the platform may qualify it or append a version. */
  readonly adapterName: string;
  /** The fine-tuning dataset. */
  readonly dataset: DatasetLocation;
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly loraAdapterDim: number;
  readonly loraAdapterDropout: number;
}

export interface Customizer {
  /** Starts a LoRA fine-tuning job; `adapter` is the exact name the adapter will be served under. */
  startCustomization(spec: CustomizationSpec, signal: AbortSignal): Promise<{ readonly id: string; readonly adapter: string }>;
  readonly jobs: JobControl;
}

export interface EvaluationSpec {
  readonly workloadType: WorkloadType;
  /** An evaluation dataset. */
  readonly dataset: DatasetLocation;
  /** How many records it holds. */
  readonly records: number;
  /** The model under evaluation. */
  readonly target: ModelEndpoint;
  readonly judge: ModelEndpoint;
}

export interface Evaluator {
  startEvaluation(spec: EvaluationSpec, signal: AbortSignal): Promise<string>;
  /** `records` is how many the evaluation was given, to count the judge replies that had no rating. */
  evaluationResults(id: string, spec: Pick<EvaluationSpec, "workloadType" | "records">, signal: AbortSignal): Promise<EvaluationResults>;
  /**
   * The completed evaluation's lowest-scoring records within `bounds`. Throws SamplesUnavailable
   * saying why when the platform has none or they cannot be read; a stop of the run aborts it.
   */
  evaluationSamples(id: string, spec: Pick<EvaluationSpec, "workloadType">, bounds: SampleBounds, signal: AbortSignal): Promise<SampledResults>;
  readonly jobs: JobControl;
}

export interface ModelPlatform extends PublishedArtifacts {
  /** Publishes a dataset so the platform's evaluations and fine-tunes can read it, however many calls that takes. */
  publishDataset(dataset: DatasetToPublish, signal: AbortSignal): Promise<DatasetLocation>;
  readonly deployments: CandidateDeployments;
  readonly evaluator: Evaluator;
  /** Fine-tuning; throws a UsageError saying what to configure when this platform cannot fine-tune. */
  requireCustomizer(): Customizer;
}
