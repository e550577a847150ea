import type { ServiceClient } from "../../http/service-client";
import { type DatasetRef, repoId } from "./dataset-layout";
import { namePath } from "./url-path";

/** Entity Store (NeMo 25.x): namespaces, dataset records and models. */
export class EntityStoreClient {
  constructor(
    private readonly baseUrl: string,
    private readonly http: ServiceClient,
    /** Entity Store groups what a run registers under a project. */
    private readonly project = "flywheel",
  ) {}

  async ensureNamespace(namespace: string, signal: AbortSignal): Promise<void> {
    await this.http.call({
      service: "Entity Store",
      action: `create namespace "${namespace}"`,
      method: "POST",
      url: `${this.baseUrl}/v1/namespaces`,
      json: { id: namespace },
      accept: [409, 422],
      signal,
    });
  }

  /** Registers the dataset (or updates its record) so Customizer and Evaluator find it by name. */
  async registerDataset(dataset: DatasetRef, details: { readonly filesUrl: string; readonly description: string }, signal: AbortSignal): Promise<void> {
    const body = { name: dataset.name, namespace: dataset.namespace, description: details.description, files_url: details.filesUrl, project: this.project };
    const url = this.datasetUrl(dataset);
    const existing = await this.http.call({ service: "Entity Store", action: `look up dataset ${repoId(dataset)}`, method: "GET", url, accept: [404], signal });
    if (existing.status === 404) {
      await this.http.call({ service: "Entity Store", action: `register dataset ${repoId(dataset)}`, method: "POST", url: `${this.baseUrl}/v1/datasets`, json: body, signal });
    } else {
      await this.http.call({ service: "Entity Store", action: `update dataset ${repoId(dataset)}`, method: "PATCH", url, json: body, signal });
    }
  }

  /** False when there was no such dataset. */
  async deleteDataset(dataset: DatasetRef, signal: AbortSignal): Promise<boolean> {
    const response = await this.http.call({
      service: "Entity Store",
      action: `delete dataset ${repoId(dataset)}`,
      method: "DELETE",
      url: this.datasetUrl(dataset),
      accept: [404],
      signal,
    });
    return response.status !== 404;
  }

  /** Deletes a model (a fine-tuned adapter) by the name Customizer gave it; false when there was none. */
  async deleteModel(model: string, signal: AbortSignal): Promise<boolean> {
    const response = await this.http.call({
      service: "Entity Store",
      action: `delete model ${model}`,
      method: "DELETE",
      url: `${this.baseUrl}/v1/models/${namePath(model)}`,
      accept: [404],
      signal,
    });
    return response.status !== 404;
  }

  private datasetUrl(dataset: DatasetRef): string {
    return `${this.baseUrl}/v1/datasets/${namePath(repoId(dataset))}`;
  }
}
