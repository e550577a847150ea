import { Construct } from "constructs";
import {
  NemoEntitystore as NemoEntitystoreObject,
  NemoEntitystoreSpecResourcesLimits,
  NemoEntitystoreSpecResourcesRequests,
} from "../imports/nim-operator-v3.1.2/nemoentitystore-apps.nvidia.com";
import type { ComputeResources } from "../common/compute-resources";
import { resourceLabel } from "../common/errors";
import { validateServiceRoot } from "../common/http-urls";
import { inClusterServiceUrl } from "../nim/urls";
import { renderDatabase, renderServiceSpec, type NemoDatabase, type NemoServiceProps } from "./common";
import { nemoImageDefaults } from "./images";

export interface NemoEntitystoreProps extends NemoServiceProps {
  /** Its PostgreSQL database (namespaces, projects, datasets, models). */
  readonly database: NemoDatabase;
  /** Root URL of NeMo Data Store (`NemoDatastore.url`), where registered files live. */
  readonly datastoreUrl: string;
}

/** Default size of the Entity Store container. */
export const nemoEntitystoreDefaultResources: ComputeResources = {
  requests: { cpu: "250m", memory: "256Mi" },
  limits: { cpu: "1", memory: "1Gi" },
};

/**
 * NeMo Entity Store: the registry of namespaces, projects, datasets and models (including LoRA
 * adapters, which NIMs load from it through `NIM_PEFT_SOURCE`).
 */
export class NemoEntitystore extends Construct {
  public readonly name: string;
  public readonly namespace: string;
  /** In-cluster root URL, `http://<name>.<namespace>.svc.cluster.local:8000`. */
  public readonly url: string;
  public readonly apiObject: NemoEntitystoreObject;

  constructor(scope: Construct, id: string, props: NemoEntitystoreProps) {
    super(scope, id);
    const owner = resourceLabel("NemoEntitystore", props.namespace, props.name);
    const common = renderServiceSpec(owner, props, { image: nemoImageDefaults.entitystore, resources: nemoEntitystoreDefaultResources }, {
      request: (value) => NemoEntitystoreSpecResourcesRequests.fromString(value),
      limit: (value) => NemoEntitystoreSpecResourcesLimits.fromString(value),
    });
    const datastoreUrl = validateServiceRoot(owner, "datastoreUrl", props.datastoreUrl);

    this.name = props.name;
    this.namespace = props.namespace;
    this.url = inClusterServiceUrl(props.name, props.namespace);

    this.apiObject = new NemoEntitystoreObject(this, "Resource", {
      metadata: { name: props.name, namespace: props.namespace },
      spec: {
        ...common,
        databaseConfig: renderDatabase(owner, props.database),
        datastore: { endpoint: datastoreUrl },
      },
    });
  }
}
