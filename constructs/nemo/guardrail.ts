import { Construct } from "constructs";
import {
  NemoGuardrail as NemoGuardrailObject,
  NemoGuardrailSpecResourcesLimits,
  NemoGuardrailSpecResourcesRequests,
} from "../imports/nim-operator-v3.1.2/nemoguardrail-apps.nvidia.com";
import type { ComputeResources } from "../common/compute-resources";
import { fail, resourceLabel } from "../common/errors";
import { validateDataKey, validateObjectName } from "../common/names";
import { inClusterServiceUrl } from "../nim/urls";
import { renderDatabase, renderServiceSpec, renderVolume, type NemoDatabase, type NemoServiceProps, type NemoVolume } from "./common";
import { nemoImageDefaults } from "./images";

/** The OpenAI-compatible endpoint the guardrails call. */
export interface GuardrailNimEndpoint {
  /** Base URL ending in `/v1`: one NIM (`NimService.openAiBaseUrl`) or a NIM proxy. */
  readonly baseUrl: string;
  /**
   * Secret with the endpoint's API key (needed for hosted endpoints and proxies).
   * @default none
   */
  readonly apiKeySecret?: string;
  /**
   * Key of the API key in `apiKeySecret`.
   * @default "NIM_ENDPOINT_API_KEY"
   */
  readonly apiKeyKey?: string;
}

/** Where the guardrail configurations are: exactly one of a ConfigMap or a volume (the CRD forbids both). */
export interface GuardrailConfigStore {
  /**
   * ConfigMap holding the configurations.
   * @default none
   */
  readonly configMapName?: string;
  /**
   * Volume holding the configurations, one directory per configuration.
   * @default none
   */
  readonly volume?: NemoVolume;
}

export interface NemoGuardrailProps extends NemoServiceProps {
  /** Where the guardrail configurations come from. */
  readonly configStore: GuardrailConfigStore;
  /**
   * The model endpoint the guardrails use.
   * @default none (each configuration names its own models)
   */
  readonly nimEndpoint?: GuardrailNimEndpoint;
  /**
   * A PostgreSQL database for the configurations.
   * @default none
   */
  readonly database?: NemoDatabase;
}

/** Default size of the Guardrails container. */
export const nemoGuardrailDefaultResources: ComputeResources = {
  requests: { cpu: "500m", memory: "1Gi" },
  limits: { cpu: "2", memory: "4Gi" },
};

/** NeMo Guardrails: input and output rails in front of an OpenAI-compatible model endpoint. */
export class NemoGuardrail extends Construct {
  public readonly name: string;
  public readonly namespace: string;
  /** In-cluster root URL, `http://<name>.<namespace>.svc.cluster.local:8000`. */
  public readonly url: string;
  public readonly apiObject: NemoGuardrailObject;

  constructor(scope: Construct, id: string, props: NemoGuardrailProps) {
    super(scope, id);
    const owner = resourceLabel("NemoGuardrail", props.namespace, props.name);
    const common = renderServiceSpec(owner, props, { image: nemoImageDefaults.guardrail, resources: nemoGuardrailDefaultResources }, {
      request: (value) => NemoGuardrailSpecResourcesRequests.fromString(value),
      limit: (value) => NemoGuardrailSpecResourcesLimits.fromString(value),
    });

    const { configMapName, volume } = props.configStore;
    if ((configMapName === undefined) === (volume === undefined)) {
      fail(owner, `configStore must set exactly one of configMapName and volume (the CRD forbids both), got ${configMapName === undefined ? "neither" : "both"}`);
    }
    if (configMapName !== undefined) {
      validateObjectName(owner, "configStore.configMapName", configMapName);
    }
    const endpoint = props.nimEndpoint;
    if (endpoint !== undefined) {
      if (!/^https?:\/\/[^\s]+\/v1\/?$/.test(endpoint.baseUrl)) {
        fail(owner, `nimEndpoint.baseUrl "${endpoint.baseUrl}" must be an http(s) URL ending in /v1`);
      }
      if (endpoint.apiKeySecret !== undefined) {
        validateObjectName(owner, "nimEndpoint.apiKeySecret", endpoint.apiKeySecret);
      }
      if (endpoint.apiKeyKey !== undefined) {
        validateDataKey(owner, "nimEndpoint.apiKeyKey", endpoint.apiKeyKey);
      }
    }

    this.name = props.name;
    this.namespace = props.namespace;
    this.url = inClusterServiceUrl(props.name, props.namespace);

    this.apiObject = new NemoGuardrailObject(this, "Resource", {
      metadata: { name: props.name, namespace: props.namespace },
      spec: {
        ...common,
        configStore: {
          configMap: configMapName === undefined ? undefined : { name: configMapName },
          pvc: volume && renderVolume(owner, "configStore.volume", volume),
        },
        nimEndpoint: endpoint && { baseUrl: endpoint.baseUrl, apiKeySecret: endpoint.apiKeySecret, apiKeyKey: endpoint.apiKeyKey },
        databaseConfig: props.database && renderDatabase(owner, props.database),
      },
    });
  }
}
