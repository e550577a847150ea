import type { NemoServiceUrls } from "../../config/environment";
import { UsageError } from "../../errors";
import type { ServiceClient, ServiceClientSettings } from "../service-client";
import type { NemoServices } from "../services";
import { CustomizerV1 } from "./customizer";
import { DataStoreV1 } from "./data-store";
import { EntityStoreV1 } from "./entity-store";
import { EvaluatorV1 } from "./evaluator";

/**
 * The NeMo microservices 25.x (v1 API) clients. Data Store, Entity Store and Evaluator URLs must be
 * known (the error names the settings); Customizer only when a candidate is fine-tuned.
 */
export function nemoV1Services(urls: NemoServiceUrls, http: ServiceClient, settings: ServiceClientSettings): NemoServices {
  const required = (url: string | undefined, service: string, variable: string, key: string): string => {
    if (url === undefined) {
      throw new UsageError(`the ${service} URL is not set: set ${variable} or NEMO_BASE_URL, or nemo.${key} or nemo.baseUrl in the config`);
    }
    return url;
  };
  return {
    dataStore: new DataStoreV1(required(urls.dataStore, "Data Store", "NEMO_DATA_STORE_URL", "dataStoreUrl"), http, settings, settings.timeoutMs),
    entityStore: new EntityStoreV1(required(urls.entityStore, "Entity Store", "NEMO_ENTITY_STORE_URL", "entityStoreUrl"), http),
    ...(urls.customizer ? { customizer: new CustomizerV1(urls.customizer, http) } : {}),
    evaluator: new EvaluatorV1(required(urls.evaluator, "Evaluator", "NEMO_EVALUATOR_URL", "evaluatorUrl"), http),
  };
}
