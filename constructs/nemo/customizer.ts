import { Construct } from "constructs";
import {
  NemoCustomizer as NemoCustomizerObject,
  NemoCustomizerSpecModelDownloadJobsImagePullPolicy,
  NemoCustomizerSpecResourcesLimits,
  NemoCustomizerSpecResourcesRequests,
  NemoCustomizerSpecSchedulerType,
  NemoCustomizerSpecTrainingConfigResourcesLimits,
  NemoCustomizerSpecTrainingConfigResourcesRequests,
} from "../imports/nim-operator-v3.1.2/nemocustomizer-apps.nvidia.com";
import { gpuToleration } from "../../flywheel-job/src/contract";
import { type ComputeResources, toQuantities, validateComputeResources } from "../common/compute-resources";
import { fail, resourceLabel } from "../common/errors";
import { gpuPoolNodeSelector } from "../common/gpu-pools";
import { validateHttpUrl, validateServiceRoot } from "../common/http-urls";
import { type ContainerImage, imageReference, validateImage } from "../common/images";
import { validateInteger } from "../common/integers";
import { validateDataKey, validateObjectName } from "../common/names";
import { type PersistentStorage, validateStorage } from "../common/storage";
import { inClusterServiceUrl } from "../nim/urls";
import { renderDatabase, renderServiceSpec, renderVolume, type NemoDatabase, type NemoServiceProps, type NemoVolume } from "./common";
import type { NemoCustomizerConfigReference } from "./customizer-config";
import { nemoImageDefaults } from "./images";

/**
 * The Weights & Biases Secret. Customizer reads both keys at start, so the Secret must hold both;
 * the API key may be empty (no W&B logging), the encryption key is any random string.
 */
export interface CustomizerWandb {
  /** Name of the Secret. */
  readonly secretName: string;
  /**
   * Key of the W&B API key.
   * @default "apiKey"
   */
  readonly apiKeyKey?: string;
  /**
   * Key of the key Customizer encrypts W&B credentials with.
   * @default "encryptionKey"
   */
  readonly encryptionKeyKey?: string;
  /**
   * W&B project the runs are logged to.
   * @default Customizer's default project
   */
  readonly projectName?: string;
  /**
   * W&B user or team the runs are logged under.
   * @default the API key's default entity
   */
  readonly entity?: string;
}

/** The jobs that download base models onto the model volume. */
export interface CustomizerModelDownloads {
  /** Secret with the NGC API key (for ngc:// targets). */
  readonly ngcApiSecret: string;
  /**
   * Key of the NGC API key in `ngcApiSecret`.
   * @default "NGC_API_KEY"
   */
  readonly ngcApiSecretKey?: string;
  /**
   * Secret with a Hugging Face token (for gated hf:// targets).
   * @default none
   */
  readonly hfSecret?: string;
  /**
   * Key of the token in `hfSecret`.
   * @default "HF_TOKEN"
   */
  readonly hfSecretKey?: string;
  /**
   * Image of the download jobs.
   * @default the Customizer API image (`nemoImageDefaults.customizer`)
   */
  readonly image?: ContainerImage;
  /**
   * How long a finished download job is kept, in seconds (at least 60).
   * @default 600
   */
  readonly ttlSecondsAfterFinished?: number;
  /**
   * How often Customizer polls a download job, in seconds (at least 15).
   * @default 15
   */
  readonly pollIntervalSeconds?: number;
}

/** The training jobs Customizer starts (through the NeMo operator and Volcano). */
export interface CustomizerTraining {
  /**
   * Training image.
   * @default nemoImageDefaults.customizerTraining
   */
  readonly image?: ContainerImage;
  /**
   * Volume with the downloaded base models: download jobs write it, training pods mount it
   * read-only, possibly on several nodes at once, so a ReadWriteMany class fits best.
   */
  readonly modelStorage: NemoVolume;
  /** The volume each training job gets for checkpoints and outputs (created per job). */
  readonly workspaceStorage: CustomizerWorkspaceStorage;
  /**
   * Extra node labels training pods select, on top of the training GPU pool's role label.
   * @default only the training pool's role label
   */
  readonly nodeSelector?: Readonly<Record<string, string>>;
  /**
   * Environment variables of the training containers.
   * @default none
   */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * CPU and memory of each training pod. GPUs come from the customization config (`numGpus`).
   * @default left to Customizer
   */
  readonly resources?: ComputeResources;
  /**
   * Seconds a training job may run before Customizer fails it.
   * @default 21600 (6 hours)
   */
  readonly timeoutSeconds?: number;
  /**
   * Seconds a finished training job is kept.
   * @default 3600
   */
  readonly ttlSecondsAfterFinished?: number;
}

/** Customizer creates one workspace claim per training job with these settings. */
export interface CustomizerWorkspaceStorage extends PersistentStorage {
  /** Access mode of the claims; checkpoints of the largest target must fit in `size`. */
  readonly accessMode: "ReadWriteOnce" | "ReadWriteMany" | "ReadWriteOncePod";
  /**
   * Where the claim is mounted in the training container.
   * @default "/pvc/workspace"
   */
  readonly mountPath?: string;
}

export interface NemoCustomizerProps extends NemoServiceProps {
  /** Its PostgreSQL database (jobs, targets, configs). */
  readonly database: NemoDatabase;
  /** Root URL of NeMo Data Store (`NemoDatastore.url`). */
  readonly datastoreUrl: string;
  /** Root URL of NeMo Entity Store (`NemoEntitystore.url`). */
  readonly entitystoreUrl: string;
  /** MLflow tracking server URL, e.g. `http://mlflow.nemo.svc.cluster.local:80`. */
  readonly mlflowUrl: string;
  readonly wandb: CustomizerWandb;
  /** The targets and templates (a `NemoCustomizerConfig`). */
  readonly config: NemoCustomizerConfigReference;
  readonly training: CustomizerTraining;
  readonly modelDownloads: CustomizerModelDownloads;
  /**
   * Image with the Data Store CLI tools Customizer's jobs use.
   * @default nemoImageDefaults.datastoreTools
   */
  readonly datastoreToolsImage?: ContainerImage;
}

/** Default size of the Customizer API container (training runs in its own pods). */
export const nemoCustomizerDefaultResources: ComputeResources = {
  requests: { cpu: "500m", memory: "1Gi" },
  limits: { cpu: "2", memory: "4Gi" },
};

/**
 * Annotation on Customizer's pods with the checksum of its ConfigMaps. The operator renders
 * Customizer's configuration only when the resource's spec changes, and Customizer loads targets
 * at start: a changed checksum does both.
 */
export const customizerConfigChecksumAnnotation = "data-flywheel.io/customizer-config-checksum";

/**
 * NeMo Customizer: LoRA fine-tuning jobs on the training GPU pool, scheduled by Volcano, with
 * datasets from Data Store and resulting adapters registered in Entity Store.
 */
export class NemoCustomizer extends Construct {
  public readonly name: string;
  public readonly namespace: string;
  /** In-cluster root URL, `http://<name>.<namespace>.svc.cluster.local:8000`. */
  public readonly url: string;
  public readonly apiObject: NemoCustomizerObject;

  constructor(scope: Construct, id: string, props: NemoCustomizerProps) {
    super(scope, id);
    const owner = resourceLabel("NemoCustomizer", props.namespace, props.name);
    const common = renderServiceSpec(owner, props, { image: nemoImageDefaults.customizer, resources: nemoCustomizerDefaultResources }, {
      request: (value) => NemoCustomizerSpecResourcesRequests.fromString(value),
      limit: (value) => NemoCustomizerSpecResourcesLimits.fromString(value),
    });
    const datastoreUrl = validateServiceRoot(owner, "datastoreUrl", props.datastoreUrl);
    const entitystoreUrl = validateServiceRoot(owner, "entitystoreUrl", props.entitystoreUrl);
    const mlflowUrl = validateHttpUrl(owner, "mlflowUrl", props.mlflowUrl);
    validateObjectName(owner, "config.modelConfigMapName", props.config.modelConfigMapName);
    validateObjectName(owner, "config.trainingConfigMapName", props.config.trainingConfigMapName);
    const datastoreToolsImage = props.datastoreToolsImage ?? nemoImageDefaults.datastoreTools;
    validateImage(owner, "datastoreToolsImage", datastoreToolsImage);

    this.name = props.name;
    this.namespace = props.namespace;
    this.url = inClusterServiceUrl(props.name, props.namespace);

    this.apiObject = new NemoCustomizerObject(this, "Resource", {
      metadata: { name: props.name, namespace: props.namespace },
      spec: {
        ...common,
        annotations: { [customizerConfigChecksumAnnotation]: props.config.checksum },
        databaseConfig: renderDatabase(owner, props.database),
        datastore: { endpoint: datastoreUrl },
        entitystore: { endpoint: entitystoreUrl },
        mlflow: { endpoint: mlflowUrl },
        wandb: renderWandb(owner, props.wandb),
        modelConfig: { name: props.config.modelConfigMapName },
        modelDownloadJobs: renderModelDownloads(owner, props.modelDownloads),
        nemoDatastoreTools: { image: imageReference(datastoreToolsImage) },
        scheduler: { type: NemoCustomizerSpecSchedulerType.VOLCANO },
        trainingConfig: {
          ...renderTraining(owner, props.training),
          configMap: { name: props.config.trainingConfigMapName },
        },
      },
    });
  }
}

function renderWandb(owner: string, wandb: CustomizerWandb) {
  validateObjectName(owner, "wandb.secretName", wandb.secretName);
  const apiKeyKey = wandb.apiKeyKey ?? "apiKey";
  const encryptionKeyKey = wandb.encryptionKeyKey ?? "encryptionKey";
  validateDataKey(owner, "wandb.apiKeyKey", apiKeyKey);
  validateDataKey(owner, "wandb.encryptionKeyKey", encryptionKeyKey);
  return { secretName: wandb.secretName, apiKeyKey, encryptionKey: encryptionKeyKey, projectName: wandb.projectName, entity: wandb.entity };
}

function renderModelDownloads(owner: string, downloads: CustomizerModelDownloads) {
  const image = downloads.image ?? nemoImageDefaults.customizer;
  validateImage(owner, "modelDownloads.image", image);
  validateObjectName(owner, "modelDownloads.ngcApiSecret", downloads.ngcApiSecret);
  const ngcKey = downloads.ngcApiSecretKey ?? "NGC_API_KEY";
  validateDataKey(owner, "modelDownloads.ngcApiSecretKey", ngcKey);
  if (downloads.hfSecret !== undefined) {
    validateObjectName(owner, "modelDownloads.hfSecret", downloads.hfSecret);
  }
  const hfKey = downloads.hfSecretKey ?? "HF_TOKEN";
  validateDataKey(owner, "modelDownloads.hfSecretKey", hfKey);
  const ttl = downloads.ttlSecondsAfterFinished ?? 600;
  const poll = downloads.pollIntervalSeconds ?? 15;
  validateInteger(owner, "modelDownloads.ttlSecondsAfterFinished", ttl, 60);
  validateInteger(owner, "modelDownloads.pollIntervalSeconds", poll, 15);
  return {
    image: imageReference(image),
    imagePullPolicy: NemoCustomizerSpecModelDownloadJobsImagePullPolicy.IF_NOT_PRESENT,
    ngcApiSecret: { name: downloads.ngcApiSecret, key: ngcKey },
    hfSecret: downloads.hfSecret === undefined ? undefined : { name: downloads.hfSecret, key: hfKey },
    // Non-root, and the model volume group-writable for the job's user.
    securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000 },
    ttlSecondsAfterFinished: ttl,
    pollIntervalSeconds: poll,
  };
}

function renderTraining(owner: string, training: CustomizerTraining) {
  const image = training.image ?? nemoImageDefaults.customizerTraining;
  validateImage(owner, "training.image", image);
  const workspace = training.workspaceStorage;
  validateStorage(owner, "training.workspaceStorage", workspace);
  const mountPath = workspace.mountPath ?? "/pvc/workspace";
  if (!/^\/[^\s]*$/.test(mountPath)) {
    fail(owner, `training.workspaceStorage.mountPath "${mountPath}" must be an absolute path`);
  }
  if (training.resources !== undefined) {
    validateComputeResources(owner, "training.resources", training.resources);
  }
  const timeout = training.timeoutSeconds ?? 21600;
  const ttl = training.ttlSecondsAfterFinished ?? 3600;
  validateInteger(owner, "training.timeoutSeconds", timeout, 60);
  validateInteger(owner, "training.ttlSecondsAfterFinished", ttl, 0);
  return {
    image: { repository: image.repository, tag: image.tag },
    modelPvc: renderVolume(owner, "training.modelStorage", training.modelStorage),
    workspacePvc: { size: workspace.size, volumeAccessMode: workspace.accessMode, storageClass: workspace.storageClass, mountPath },
    tolerations: [{ ...gpuToleration() }],
    nodeSelector: gpuPoolNodeSelector(owner, "training.nodeSelector", "training", training.nodeSelector),
    env: renderEnv(owner, "training.env", training.env),
    resources: training.resources && {
      requests: toQuantities(training.resources.requests, (value) => NemoCustomizerSpecTrainingConfigResourcesRequests.fromString(value)),
      limits: toQuantities(training.resources.limits, (value) => NemoCustomizerSpecTrainingConfigResourcesLimits.fromString(value)),
    },
    timeout,
    ttlSecondsAfterFinished: ttl,
  };
}

/** Environment variables as the Kubernetes list, sorted by name so output is stable. */
function renderEnv(owner: string, prop: string, env: Readonly<Record<string, string>> = {}): { name: string; value: string }[] | undefined {
  const entries = Object.entries(env).sort(([a], [b]) => a.localeCompare(b));
  for (const [name] of entries) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      fail(owner, `${prop} name "${name}" is not a valid environment variable name`);
    }
  }
  return entries.length > 0 ? entries.map(([name, value]) => ({ name, value })) : undefined;
}
