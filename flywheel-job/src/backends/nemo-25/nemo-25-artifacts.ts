import type { DatasetLocation, PublishedArtifacts } from "../../platform/model-platform";
import type { DataStoreClient } from "./data-store";
import { datasetRefOf, repoId } from "./dataset-layout";
import type { EntityStoreClient } from "./entity-store";

/** What a run published on NeMo 25.x: each dataset a Data Store repo and an Entity Store record, each adapter an Entity Store model. */
export class Nemo25Artifacts implements PublishedArtifacts {
  constructor(
    protected readonly dataStore: DataStoreClient,
    protected readonly entityStore: EntityStoreClient,
  ) {}

  describeDataset(dataset: DatasetLocation): string {
    return repoId(datasetRefOf(dataset));
  }

  /** Deletes the repo, then the record; false when neither was there. */
  async deleteDataset(dataset: DatasetLocation, signal: AbortSignal): Promise<boolean> {
    const ref = datasetRefOf(dataset);
    const repo = await this.dataStore.deleteDatasetRepo(ref, signal);
    const entity = await this.entityStore.deleteDataset(ref, signal);
    return repo || entity;
  }

  deleteAdapter(adapter: string, signal: AbortSignal): Promise<boolean> {
    return this.entityStore.deleteModel(adapter, signal);
  }
}
