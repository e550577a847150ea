import { UsageError } from "../../errors";
import type { CandidateDeployments } from "../../platform/candidate-deployments";
import type { Customizer, DatasetLocation, DatasetToPublish, Evaluator, ModelPlatform } from "../../platform/model-platform";
import type { CustomizerClient } from "./customizer";
import type { DataStoreClient } from "./data-store";
import { filesUrl, repoFiles } from "./dataset-layout";
import type { EntityStoreClient } from "./entity-store";
import type { EvaluatorClient } from "./evaluator";
import { Nemo25Artifacts } from "./nemo-25-artifacts";

export interface Nemo25PlatformProps {
  /** The namespace of everything a run creates in NeMo (`nemo.namespace`). */
  readonly namespace: string;
  /** Where datasets are uploaded: one repo each. */
  readonly dataStore: DataStoreClient;
  /** Where datasets are registered, so Customizer and Evaluator find them by name. */
  readonly entityStore: EntityStoreClient;
  readonly evaluator: EvaluatorClient;
  /** Absent when no URL is known (a stack without fine-tuning does not deploy Customizer). */
  readonly customizer?: CustomizerClient;
  /** The candidates, as NIMServices in the cluster (`NimServiceDeployments`). */
  readonly deployments: CandidateDeployments;
}

/**
 * The model platform as NeMo microservices 25.x (the v1 API) and the NIM operator provide it
 * (flywheel-job/docs/nemo-calls.md): datasets in Data Store and Entity Store, candidates as
 * NIMServices, Evaluator and Customizer jobs.
 */
export class Nemo25Platform extends Nemo25Artifacts implements ModelPlatform {
  readonly deployments: CandidateDeployments;
  readonly evaluator: Evaluator;
  private readonly namespace: string;
  private readonly customizer?: Customizer;
  private namespaceReady = false;

  constructor(props: Nemo25PlatformProps) {
    super(props.dataStore, props.entityStore);
    this.namespace = props.namespace;
    this.deployments = props.deployments;
    this.evaluator = props.evaluator;
    this.customizer = props.customizer;
  }

  /**
   * The namespace in both stores before the first dataset, then the dataset's repo, its files and
   * its Entity Store record.
   */
  async publishDataset(dataset: DatasetToPublish, signal: AbortSignal): Promise<DatasetLocation> {
    if (!this.namespaceReady) {
      await this.dataStore.ensureNamespace(this.namespace, signal);
      await this.entityStore.ensureNamespace(this.namespace, signal);
      this.namespaceReady = true;
    }
    const ref = { namespace: this.namespace, name: dataset.name };
    await this.dataStore.createDatasetRepo(ref, signal);
    await this.dataStore.uploadFiles(ref, repoFiles(dataset.content), signal);
    const uri = filesUrl(ref);
    await this.entityStore.registerDataset(ref, { filesUrl: uri, description: dataset.description }, signal);
    return { name: dataset.name, uri };
  }

  requireCustomizer(): Customizer {
    if (this.customizer === undefined) {
      throw new UsageError("a candidate is to be fine-tuned, but no Customizer URL is set: set NEMO_CUSTOMIZER_URL or NEMO_BASE_URL, or nemo.customizerUrl");
    }
    return this.customizer;
  }
}
