import { Construct } from "constructs";
import {
  NimService as NimServiceObject,
  type NimServiceSpecAffinity,
  NimServiceSpecResourcesLimits,
  NimServiceSpecResourcesRequests,
  type NimServiceSpecScaleHpaMetrics,
} from "../imports/nim-operator-v3.1.2/nimservice-apps.nvidia.com";
import { gpuResource, gpuToleration } from "../../flywheel-job/src/contract";
import { type ComputeResources, toQuantities, validateComputeResources } from "../common/compute-resources";
import { fail, resourceLabel } from "../common/errors";
import { gpuPoolNodeSelector } from "../common/gpu-pools";
import { type ContainerImage, validateImage } from "../common/images";
import { validateInteger } from "../common/integers";
import { validateNodeSelector } from "../common/labels";
import { validateLabelName, validateNamespace, validateObjectName, validateServiceName } from "../common/names";
import { monitorObjectLabels } from "../monitoring/monitor-labels";
import { apiServicePort, inClusterServiceUrl } from "./urls";

/** The NIMCache a NIMService loads its weights from. */
export interface NimServiceCache {
  /** Name of the NIMCache, in the NIMService's namespace. */
  readonly name: string;
  /**
   * Profile to serve from the cache.
   * @default the NIM picks one of the cached profiles that fits the GPU
   */
  readonly profile?: string;
}

/** Horizontal autoscaling of a NIM, on metrics the cluster's metrics APIs serve. */
export interface NimServiceAutoscaling {
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** HorizontalPodAutoscaler metrics (autoscaling/v2), e.g. the NIM's `gpu_cache_usage_perc`. */
  readonly metrics: readonly NimServiceSpecScaleHpaMetrics[];
}

export interface NimServiceProps {
  /** Name of the NIMService; the operator names its Service after it. */
  readonly name: string;
  /** Namespace; the NIMCache must be in the same one. */
  readonly namespace: string;
  /** The NIM image, e.g. `nvcr.io/nim/meta/llama-3.1-8b-instruct` at a fixed tag. */
  readonly image: ContainerImage;
  /** Image pull secrets (a docker-registry Secret for nvcr.io); may be empty for public images. */
  readonly imagePullSecrets: readonly string[];
  /** Secret with the NGC API key under the key `NGC_API_KEY` (required by the CRD in v3.1.2). */
  readonly authSecret: string;
  /** The NIMCache with the weights. */
  readonly nimCache: NimServiceCache;
  /** GPUs per replica (`resources.limits["nvidia.com/gpu"]`). */
  readonly gpus: number;
  /** CPU and memory of each replica; size memory for loading the weights. */
  readonly resources: ComputeResources;
  /**
   * Extra node labels to select, on top of the inference GPU pool's role label.
   * @default only the inference pool's role label
   */
  readonly nodeSelector?: Readonly<Record<string, string>>;
  /**
   * Fixed number of replicas; excludes `autoscaling`.
   * @default 1 (when `autoscaling` is not set)
   */
  readonly replicas?: number;
  /**
   * Autoscaling; excludes `replicas`.
   * @default none
   */
  readonly autoscaling?: NimServiceAutoscaling;
  /**
   * The labels its Prometheus selects monitors by (`MonitorSelection.monitorLabels`): the operator
   * then creates a ServiceMonitor for the NIM's metrics with them.
   * @default no metrics collection (monitoring is off)
   */
  readonly monitorLabels?: Readonly<Record<string, string>>;
  /**
   * Labels of the NIMService and of its pods (`spec.labels`, which the operator puts on the pods
   * beside its own `app: <name>`): what NetworkPolicies and policies select them by.
   * @default none
   */
  readonly labels?: Readonly<Record<string, string>>;
  /**
   * Annotations of the NIMService itself (not of its pods).
   * @default none
   */
  readonly annotations?: Readonly<Record<string, string>>;
  /**
   * Environment variables of the NIM container, e.g. `NIM_PEFT_SOURCE`.
   * @default none
   */
  readonly env?: readonly { readonly name: string; readonly value: string }[];
  /**
   * Affinity rules of its pods (the CRD has no topology spread constraints: spreading across zones
   * is pod anti-affinity).
   * @default none
   */
  readonly affinity?: NimServiceSpecAffinity;
}

/**
 * A NIMService for a long-running model (the LLM judge or the embedding model when they are local):
 * a NIM on the inference GPU pool, serving the OpenAI API on port 8000, with its weights from a
 * NIMCache. The flywheel job creates the per-run candidate NIMServices itself.
 */
export class NimService extends Construct {
  public readonly name: string;
  public readonly namespace: string;
  /** In-cluster root URL, `http://<name>.<namespace>.svc.cluster.local:8000`. */
  public readonly url: string;
  /** OpenAI-compatible base URL (`<url>/v1`). */
  public readonly openAiBaseUrl: string;
  public readonly apiObject: NimServiceObject;

  constructor(scope: Construct, id: string, props: NimServiceProps) {
    super(scope, id);
    const owner = resourceLabel("NIMService", props.namespace, props.name);
    validateServiceName(owner, props.name);
    validateNamespace(owner, props.namespace);
    validateImage(owner, "image", props.image);
    props.imagePullSecrets.forEach((secret, i) => validateObjectName(owner, `imagePullSecrets[${i}]`, secret));
    validateObjectName(owner, "authSecret", props.authSecret);
    validateLabelName(owner, "nimCache.name", props.nimCache.name);
    validateInteger(owner, "gpus", props.gpus, 1, 16);
    validateComputeResources(owner, "resources", props.resources);
    validateScale(owner, props.replicas, props.autoscaling);
    if (props.monitorLabels !== undefined) {
      monitorObjectLabels(owner, props.monitorLabels);
    }
    validateNodeSelector(owner, "labels", props.labels ?? {});
    const envNames = (props.env ?? []).map((variable) => variable.name);
    envNames.forEach((variable, i) => {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(variable)) {
        fail(owner, `env[${i}].name "${variable}" is not an environment variable name`);
      }
      if (envNames.indexOf(variable) !== i) {
        fail(owner, `env[${i}].name "${variable}" is set twice`);
      }
    });

    this.name = props.name;
    this.namespace = props.namespace;
    this.url = inClusterServiceUrl(props.name, props.namespace);
    this.openAiBaseUrl = `${this.url}/v1`;

    this.apiObject = new NimServiceObject(this, "Resource", {
      metadata: {
        name: props.name,
        namespace: props.namespace,
        ...(props.labels ? { labels: { ...props.labels } } : {}),
        ...(props.annotations ? { annotations: { ...props.annotations } } : {}),
      },
      spec: {
        ...(props.labels ? { labels: { ...props.labels } } : {}),
        ...(props.env ? { env: props.env.map((variable) => ({ ...variable })) } : {}),
        ...(props.affinity ? { affinity: props.affinity } : {}),
        image: {
          repository: props.image.repository,
          tag: props.image.tag,
          pullPolicy: "IfNotPresent",
          pullSecrets: props.imagePullSecrets.length > 0 ? [...props.imagePullSecrets] : undefined,
        },
        authSecret: props.authSecret,
        storage: { nimCache: { name: props.nimCache.name, profile: props.nimCache.profile } },
        resources: {
          requests: toQuantities(props.resources.requests, (value) => NimServiceSpecResourcesRequests.fromString(value)),
          limits: {
            ...toQuantities(props.resources.limits, (value) => NimServiceSpecResourcesLimits.fromString(value)),
            [gpuResource]: NimServiceSpecResourcesLimits.fromNumber(props.gpus),
          },
        },
        tolerations: [{ ...gpuToleration() }],
        nodeSelector: gpuPoolNodeSelector(owner, "nodeSelector", "inference", props.nodeSelector),
        expose: { service: { type: "ClusterIP", port: apiServicePort } },
        metrics: props.monitorLabels && { enabled: true, serviceMonitor: { additionalLabels: { ...props.monitorLabels } } },
        replicas: props.autoscaling === undefined ? (props.replicas ?? 1) : undefined,
        scale: props.autoscaling && {
          enabled: true,
          hpa: {
            minReplicas: props.autoscaling.minReplicas,
            maxReplicas: props.autoscaling.maxReplicas,
            metrics: [...props.autoscaling.metrics],
          },
        },
      },
    });
  }
}

/**
 * The CRD's rule `!(has(self.scale) && self.scale.enabled && has(self.replicas))`: with autoscaling
 * the autoscaler owns the replica count, so an explicit `replicas` is rejected by the API server.
 */
function validateScale(owner: string, replicas: number | undefined, autoscaling: NimServiceAutoscaling | undefined): void {
  if (replicas !== undefined && autoscaling !== undefined) {
    fail(owner, `replicas (${replicas}) cannot be set together with autoscaling: the CRD rejects spec.replicas when spec.scale.enabled is true; set autoscaling.minReplicas instead`);
  }
  if (replicas !== undefined) {
    validateInteger(owner, "replicas", replicas, 0);
  }
  if (autoscaling !== undefined) {
    validateInteger(owner, "autoscaling.minReplicas", autoscaling.minReplicas, 1);
    validateInteger(owner, "autoscaling.maxReplicas", autoscaling.maxReplicas, autoscaling.minReplicas);
    if (autoscaling.metrics.length === 0) {
      fail(owner, "autoscaling.metrics must name at least one metric to scale on");
    }
  }
}
