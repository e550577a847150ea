import { Construct } from "constructs";
import {
  NemoDatastore as NemoDatastoreObject,
  NemoDatastoreSpecResourcesLimits,
  NemoDatastoreSpecResourcesRequests,
} from "../imports/nim-operator-v3.1.2/nemodatastore-apps.nvidia.com";
import type { ComputeResources } from "../common/compute-resources";
import { resourceLabel } from "../common/errors";
import { validateObjectName } from "../common/names";
import { inClusterServiceUrl } from "../nim/urls";
import { renderDatabase, renderServiceSpec, renderVolume, type NemoDatabase, type NemoServiceProps, type NemoVolume } from "./common";
import type { NemoDatastoreSecretNames } from "./datastore-secrets";
import { nemoImageDefaults } from "./images";

export interface NemoDatastoreProps extends NemoServiceProps {
  /** Its PostgreSQL database (repository, branch and LFS metadata). */
  readonly database: NemoDatabase;
  /**
   * The five Secrets that must exist before the operator starts it; build their contents with
   * `nemoDatastoreSecretData` from the same names.
   */
  readonly secrets: NemoDatastoreSecretNames;
  /**
   * The volume for Git repositories and LFS files. NVIDIA recommends ReadWriteMany (NFS/EFS).
   * Required: without it the operator uses an emptyDir and a restart loses every dataset.
   */
  readonly storage: NemoVolume;
}

/** Default size of the Data Store (Gitea) container. */
export const nemoDatastoreDefaultResources: ComputeResources = {
  requests: { cpu: "250m", memory: "512Mi" },
  limits: { cpu: "1", memory: "1Gi" },
};

/**
 * NeMo Data Store: Git (Gitea) storage for datasets and models, with a Hugging Face–compatible API
 * under `/v1/hf` that the flywheel, Customizer, Evaluator and NIMCache use.
 */
export class NemoDatastore extends Construct {
  public readonly name: string;
  public readonly namespace: string;
  /** In-cluster root URL, `http://<name>.<namespace>.svc.cluster.local:8000` (Entity Store and Customizer take this). */
  public readonly url: string;
  /** Root of its Hugging Face–compatible API, `<url>/v1/hf` (the Evaluator and HF clients take this). */
  public readonly huggingFaceApiUrl: string;
  public readonly apiObject: NemoDatastoreObject;

  constructor(scope: Construct, id: string, props: NemoDatastoreProps) {
    super(scope, id);
    const owner = resourceLabel("NemoDatastore", props.namespace, props.name);
    const common = renderServiceSpec(owner, props, { image: nemoImageDefaults.datastore, resources: nemoDatastoreDefaultResources }, {
      request: (value) => NemoDatastoreSpecResourcesRequests.fromString(value),
      limit: (value) => NemoDatastoreSpecResourcesLimits.fromString(value),
    });
    (Object.keys(props.secrets) as (keyof NemoDatastoreSecretNames)[]).forEach((key) => validateObjectName(owner, `secrets.${key}`, props.secrets[key]));

    this.name = props.name;
    this.namespace = props.namespace;
    this.url = inClusterServiceUrl(props.name, props.namespace);
    this.huggingFaceApiUrl = `${this.url}/v1/hf`;

    this.apiObject = new NemoDatastoreObject(this, "Resource", {
      metadata: { name: props.name, namespace: props.namespace },
      spec: {
        ...common,
        databaseConfig: renderDatabase(owner, props.database),
        secrets: {
          giteaAdminSecret: props.secrets.giteaAdmin,
          lfsJwtSecret: props.secrets.lfsJwt,
          datastoreInitSecret: props.secrets.init,
          datastoreConfigSecret: props.secrets.config,
          datastoreInlineConfigSecret: props.secrets.inlineConfig,
        },
        pvc: renderVolume(owner, "storage", props.storage),
      },
    });
  }
}
