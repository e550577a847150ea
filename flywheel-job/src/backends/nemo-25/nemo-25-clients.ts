import type { NemoServiceUrls } from "../../config/environment";
import { UsageError } from "../../errors";
import { ServiceClient, type ServiceClientSettings } from "../../http/service-client";
import { CustomizerClient } from "./customizer";
import { DataStoreClient } from "./data-store";
import { EntityStoreClient } from "./entity-store";
import { EvaluatorClient } from "./evaluator";
import { Nemo25Artifacts } from "./nemo-25-artifacts";

/** Where the services are and how to call them. */
export interface Nemo25Connection {
  readonly urls: NemoServiceUrls;
  /** `nemo.namespace`. */
  readonly namespace: string;
  readonly settings: ServiceClientSettings;
}

/** The clients of a run, one per service; the Entity Store URL is also where the candidate NIMs load adapters from. */
export interface Nemo25Clients {
  readonly namespace: string;
  readonly entityStoreUrl: string;
  readonly dataStore: DataStoreClient;
  readonly entityStore: EntityStoreClient;
  readonly evaluator: EvaluatorClient;
  readonly customizer?: CustomizerClient;
}

/**
 * The clients a run needs. Entity Store, Data Store and Evaluator URLs must be known (the error
 * names the settings); Customizer only when a candidate is fine-tuned.
 */
export function nemo25Clients(connection: Nemo25Connection): Nemo25Clients {
  const { urls, namespace, settings } = connection;
  const http = new ServiceClient(settings);
  const entityStoreUrl = required(urls.entityStore, "Entity Store", "NEMO_ENTITY_STORE_URL", "entityStoreUrl");
  return {
    namespace,
    entityStoreUrl,
    dataStore: new DataStoreClient(required(urls.dataStore, "Data Store", "NEMO_DATA_STORE_URL", "dataStoreUrl"), http, settings, settings.timeoutMs),
    entityStore: new EntityStoreClient(entityStoreUrl, http),
    evaluator: new EvaluatorClient(required(urls.evaluator, "Evaluator", "NEMO_EVALUATOR_URL", "evaluatorUrl"), http, settings.timeoutMs),
    ...(urls.customizer ? { customizer: new CustomizerClient(urls.customizer, http, namespace) } : {}),
  };
}

/** What `flywheel runs delete` needs: Data Store and Entity Store. */
export function nemo25Artifacts(connection: Nemo25Connection): Nemo25Artifacts {
  const { urls, settings } = connection;
  const http = new ServiceClient(settings);
  return new Nemo25Artifacts(
    new DataStoreClient(required(urls.dataStore, "Data Store", "NEMO_DATA_STORE_URL", "dataStoreUrl"), http, settings, settings.timeoutMs),
    new EntityStoreClient(required(urls.entityStore, "Entity Store", "NEMO_ENTITY_STORE_URL", "entityStoreUrl"), http),
  );
}

function required(url: string | undefined, service: string, variable: string, key: string): string {
  if (url === undefined) {
    throw new UsageError(`the ${service} URL is not set: set ${variable} or NEMO_BASE_URL, or nemo.${key} or nemo.baseUrl in the config`);
  }
  return url;
}
