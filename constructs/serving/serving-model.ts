import { Construct } from "constructs";
import { NimServiceSpecScaleHpaMetricsPodsTargetAverageValue } from "../imports/nim-operator-v3.1.2/nimservice-apps.nvidia.com";
import { labelKeys, nimCacheName, type PromotedFrom, servingAnnotationKeys, servingModelComponent } from "../../flywheel-job/src/contract";
import type { ComputeResources } from "../common/compute-resources";
import { fail, resourceLabel } from "../common/errors";
import type { ContainerImage } from "../common/images";
import { validateInteger } from "../common/integers";
import { validateLabelName, validateNamespace } from "../common/names";
import type { PersistentVolumeAccessMode } from "../common/storage";
import { ReplicaDisruptionBudget } from "../data/replica-disruption-budget";
import { NimCache, type NgcModelSelection } from "../nim/nim-cache";
import { NimService } from "../nim/nim-service";
import { validateHttpUrl } from "../common/http-urls";

/** The zone label of nodes, which production replicas spread over. */
export const zoneTopologyKey = "topology.kubernetes.io/zone";

/** A LoRA adapter served on top of the base model, loaded from Entity Store as the flywheel's candidate NIMs load theirs. */
export interface ServingAdapter {
  /** The customized model id Customizer returned (`namespace/name@cust-…`): clients ask for it as the model. */
  readonly id: string;
  /** Entity Store's URL (`NIM_PEFT_SOURCE`). */
  readonly peftSource: string;
  /**
   * How often the NIM looks in Entity Store for adapters (`NIM_PEFT_REFRESH_INTERVAL`): the served
   * adapter is known when the stack deploys, so this only bounds how long one created just before
   * takes to appear.
   * @default 300
   */
  readonly refreshSeconds?: number;
}

/** The volume and CPU nodes of the entry's NIMCache. */
export interface ServingModelCache {
  /** Engine profiles to cache (`profileSelection` of the inference pool): LoRA-capable ones when an adapter is served. */
  readonly profiles: NgcModelSelection;
  readonly sizeGiB: number;
  readonly storageClass?: string;
  readonly accessMode: PersistentVolumeAccessMode;
  /** CPU nodes the caching job runs on. */
  readonly nodeSelector: Readonly<Record<string, string>>;
}

export interface ServingModelProps {
  /** The entry's name: its NIMService, its Service (the operator names it the same), its PDB and, with the tag, its NIMCache. */
  readonly name: string;
  /** The serving namespace; the NIMCache is there too (a NIMService reads caches of its own namespace only). */
  readonly namespace: string;
  /** The base model id the NIM serves, e.g. meta/llama-3.2-1b-instruct. */
  readonly model: string;
  readonly image: ContainerImage;
  /** GPUs per replica. */
  readonly gpus: number;
  /**
   * Replicas the HPA keeps it between. `{0, 0}` turns it off (zero replicas, no HPA); `min == max`
   * runs that many without an HPA; `min < max` scales on `scaleOn`. Min 0 with max above 0 is
   * refused: the NIM operator 3.1.2 cannot scale to zero from an HPA.
   */
  readonly replicas: { readonly min: number; readonly max: number };
  /** The NIM metric (served to the HPA by prometheus-adapter as a Pods metric of that name) and its target per replica. */
  readonly scaleOn: { readonly metric: string; readonly target: number };
  /**
   * The LoRA adapter to serve.
   * @default the base model alone
   */
  readonly adapter?: ServingAdapter;
  /**
   * Its evidence, recorded as an annotation for the policy pack and for reviewers.
   * @default none (an entry that is off)
   */
  readonly promotedFrom?: PromotedFrom;
  readonly cache: ServingModelCache;
  /** The NGC Secrets of the serving namespace. */
  readonly secretNames: { readonly ngcApiKey: string; readonly pullSecret: string };
  /** CPU and memory of each replica. */
  readonly resources: ComputeResources;
  /**
   * The labels its Prometheus selects monitors by: the operator then makes the NIM's ServiceMonitor.
   * @default not scraped (monitoring is off)
   */
  readonly monitorLabels?: Readonly<Record<string, string>>;
  /**
   * Prefer putting replicas in different zones (production), so a zone's loss leaves one serving.
   * @default false
   */
  readonly spreadAcrossZones?: boolean;
}

/**
 * A model the stack serves to applications (one `data-flywheel:serving` entry): a NIMCache of its
 * own, a NIMService on the inference pool labelled as a serving model and annotated with its
 * evidence, its replicas fixed or scaled by the operator's HPA on a NIM metric, a
 * PodDisruptionBudget once it runs two replicas or more, and, from the operator, the stable
 * Service `<name>:8000` and, with `monitorLabels`, its ServiceMonitor.
 */
export class ServingModel extends Construct {
  readonly name: string;
  /** In-cluster root URL of its Service, `http://<name>.<namespace>.svc.cluster.local:8000`. */
  readonly url: string;
  /** OpenAI-compatible base URL (`<url>/v1`). */
  readonly openAiBaseUrl: string;
  /** The model id clients request: the adapter's when it serves one, else the base model's. */
  readonly servedModelId: string;
  /** The labels the operator puts on its pods and selects them by (`app: <name>`). */
  readonly podSelector: Readonly<Record<string, string>>;
  readonly nimService: NimService;
  readonly nimCache: NimCache;
  /** Absent below two replicas. */
  readonly disruptionBudget?: ReplicaDisruptionBudget;

  constructor(scope: Construct, id: string, props: ServingModelProps) {
    super(scope, id);
    const owner = resourceLabel("ServingModel", props.namespace, props.name);
    validateLabelName(owner, "name", props.name);
    validateNamespace(owner, props.namespace);
    const { min, max } = props.replicas;
    validateInteger(owner, "replicas.min", min, 0);
    validateInteger(owner, "replicas.max", max, min);
    if (min === 0 && max > 0) {
      fail(owner, `replicas.min must be at least 1 when replicas.max is ${max}: the NIM operator 3.1.2 cannot scale to zero from an HPA`);
    }
    if (!(props.scaleOn.target > 0)) {
      fail(owner, `scaleOn.target must be above 0, got ${props.scaleOn.target}`);
    }
    if (props.adapter) {
      validateHttpUrl(owner, "adapter.peftSource", props.adapter.peftSource);
      validateInteger(owner, "adapter.refreshSeconds", props.adapter.refreshSeconds ?? 300, 5, 3600);
    }
    if (max > 0 && !props.promotedFrom) {
      fail(owner, "promotedFrom is required once the model serves (replicas.max above 0)");
    }

    this.name = props.name;
    this.podSelector = { app: props.name };
    this.servedModelId = props.adapter?.id ?? props.model;
    const labels = { [labelKeys.component]: servingModelComponent, [labelKeys.partOf]: "data-flywheel", "app.kubernetes.io/instance": props.name };

    this.nimCache = new NimCache(this, "Cache", {
      name: nimCacheName(props.name, props.image.tag),
      namespace: props.namespace,
      source: {
        ngc: {
          modelPuller: `${props.image.repository}:${props.image.tag}`,
          pullSecret: props.secretNames.pullSecret,
          authSecret: props.secretNames.ngcApiKey,
          model: props.cache.profiles,
        },
      },
      storage: { size: `${props.cache.sizeGiB}Gi`, storageClass: props.cache.storageClass, accessMode: props.cache.accessMode },
      nodeSelector: props.cache.nodeSelector,
    });

    const scaled = min < max;
    this.nimService = new NimService(this, "Service", {
      name: props.name,
      namespace: props.namespace,
      image: props.image,
      imagePullSecrets: [props.secretNames.pullSecret],
      authSecret: props.secretNames.ngcApiKey,
      nimCache: { name: this.nimCache.name },
      gpus: props.gpus,
      resources: props.resources,
      labels,
      annotations: {
        [servingAnnotationKeys.replicas]: JSON.stringify({ min, max }),
        ...(props.promotedFrom ? { [servingAnnotationKeys.promotedFrom]: JSON.stringify(props.promotedFrom) } : {}),
        ...(props.adapter ? { [servingAnnotationKeys.adapter]: props.adapter.id } : {}),
      },
      ...(props.adapter
        ? {
            env: [
              { name: "NIM_PEFT_SOURCE", value: props.adapter.peftSource },
              { name: "NIM_PEFT_REFRESH_INTERVAL", value: String(props.adapter.refreshSeconds ?? 300) },
            ],
          }
        : {}),
      ...(scaled
        ? {
            autoscaling: {
              minReplicas: min,
              maxReplicas: max,
              metrics: [
                {
                  type: "Pods",
                  pods: {
                    metric: { name: props.scaleOn.metric },
                    target: { type: "AverageValue", averageValue: NimServiceSpecScaleHpaMetricsPodsTargetAverageValue.fromString(String(props.scaleOn.target)) },
                  },
                },
              ],
            },
          }
        : { replicas: min }),
      ...(props.spreadAcrossZones && max > 1
        ? {
            affinity: {
              podAntiAffinity: {
                preferredDuringSchedulingIgnoredDuringExecution: [
                  { weight: 100, podAffinityTerm: { topologyKey: zoneTopologyKey, labelSelector: { matchLabels: { ...this.podSelector } } } },
                ],
              },
            },
          }
        : {}),
      ...(props.monitorLabels ? { monitorLabels: props.monitorLabels } : {}),
    });
    this.url = this.nimService.url;
    this.openAiBaseUrl = this.nimService.openAiBaseUrl;

    if (min >= 2) {
      this.disruptionBudget = new ReplicaDisruptionBudget(this, "DisruptionBudget", {
        name: props.name,
        namespace: props.namespace,
        podSelector: this.podSelector,
        replicas: min,
        labels,
      });
    }
  }
}
