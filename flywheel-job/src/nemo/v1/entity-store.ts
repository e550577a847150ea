import type { ServiceClient } from "../service-client";
import type { DatasetRef, EntityStore } from "../services";
import { namePath } from "../url-path";

/** Entity Store (NeMo 25.x): namespaces, dataset records and models. */
export class EntityStoreV1 implements EntityStore {
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

  async registerDataset(dataset: DatasetRef, details: { readonly filesUrl: string; readonly description: string }, signal: AbortSignal): Promise<void> {
    const body = { name: dataset.name, namespace: dataset.namespace, description: details.description, files_url: details.filesUrl, project: this.project };
    const url = this.datasetUrl(dataset);
    const existing = await this.http.call({ service: "Entity Store", action: `look up dataset ${label(dataset)}`, method: "GET", url, accept: [404], signal });
    if (existing.status === 404) {
      await this.http.call({ service: "Entity Store", action: `register dataset ${label(dataset)}`, method: "POST", url: `${this.baseUrl}/v1/datasets`, json: body, signal });
    } else {
      await this.http.call({ service: "Entity Store", action: `update dataset ${label(dataset)}`, method: "PATCH", url, json: body, signal });
    }
  }

  async deleteDataset(dataset: DatasetRef, signal: AbortSignal): Promise<boolean> {
    const response = await this.http.call({
      service: "Entity Store",
      action: `delete dataset ${label(dataset)}`,
      method: "DELETE",
      url: this.datasetUrl(dataset),
      accept: [404],
      signal,
    });
    return response.status !== 404;
  }

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
    return `${this.baseUrl}/v1/datasets/${namePath(label(dataset))}`;
  }
}

function label(dataset: DatasetRef): string {
  return `${dataset.namespace}/${dataset.name}`;
}
