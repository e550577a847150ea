import * as pulumi from "@pulumi/pulumi";
import { App, Chart } from "cdk8s";
import { NimCache, NimService, type NgcModelSelection } from "../../constructs/nim";
import { nimCacheName } from "../../flywheel-job/src/contract";
import { inClusterServiceUrl } from "../../constructs/nim/urls";
import type * as k8s from "@pulumi/kubernetes";
import type { ClusterStorage, GpuPool } from "../cluster-target";
import { applyChart } from "../kubernetes/cdk8s-chart";
import type { StackSettings } from "../../stacks/config/schema";

/** CPU and memory of each NIM replica the stack runs (judge, embedding, serving entries), beside its GPUs: enough to load a small model's weights. */
export const nimResources = { requests: { cpu: "2", memory: "16Gi" }, limits: { cpu: "8", memory: "32Gi" } } as const;

/** A NIM image pinned by tag. */
export interface NimImage {
  readonly repository: string;
  readonly tag: string;
}

/** A candidate model the flywheel may try: it gets a NIMCache that outlives runs. */
export interface CandidateModel {
  readonly name: string;
  readonly image: NimImage;
  readonly gpus: number;
  readonly cacheSizeGiB: number;
  readonly profiles?: readonly string[];
  /** Whether a workload may LoRA-fine-tune it: its cache then holds LoRA-capable profiles. */
  readonly lora: boolean;
}

/** A judge or embedding model: an external endpoint, or a NIM this stack runs (`models.judge`, `models.embedding`). */
export type ServedModel = StackSettings["models"]["judge"];

/** Where the flywheel reaches a judge or embedding model. */
export interface ModelEndpoint {
  /** OpenAI-compatible base URL, ending in `/v1`. */
  readonly baseUrl: string;
  readonly model: string;
  /** Whether the endpoint needs an API key (remote endpoints do; in-cluster NIMs do not). */
  readonly needsApiKey: boolean;
}

export interface FlywheelModelsArgs {
  readonly candidates: readonly CandidateModel[];
  readonly judge: ServedModel;
  readonly embedding: ServedModel;
  /** Namespace of the flywheel Jobs: candidate caches live there, next to the run's NIMServices. */
  readonly flywheelNamespace: string;
  /** Namespace the judge and embedding NIMs run in. */
  readonly servingNamespace: string;
  readonly storage: ClusterStorage;
  /** The GPU pool NIMs run on; its GPU selects the cached engine profiles. */
  readonly inferencePool: GpuPool;
  /** CPU nodes the caching jobs run on. */
  readonly cpuNodeSelector: Readonly<Record<string, string>>;
  readonly secretNames: { readonly ngcApiKey: string; readonly pullSecret: string };
  /**
   * The labels its Prometheus selects monitors by: the judge and embedding NIMs this stack runs
   * are then scraped (their ServiceMonitors, which `dependsOn` must then order after their CRD).
   * Absent when monitoring is off.
   */
  readonly monitorLabels?: Readonly<Record<string, string>>;
  /** The NIM operator's CRDs and release, and prometheus-operator's CRDs with `monitorLabels`. */
  readonly dependsOn: readonly pulumi.Resource[];
  readonly provider: k8s.Provider;
}

/** The NIMService name of the judge or the embedding model when the stack runs it. */
export function servedModelServiceName(role: "judge" | "embedding"): string {
  return `flywheel-${role}`;
}

/**
 * Where the flywheel reaches the judge or embedding model: a remote endpoint's URL, or the
 * in-cluster URL of the NIMService this stack runs for it in `servingNamespace`. Known before any
 * resource, so the stack's loader writes it into the workloads' job configs.
 */
export function servedModelEndpoint(role: "judge" | "embedding", model: ServedModel, servingNamespace: string): ModelEndpoint {
  if (model.type === "remote") {
    return { baseUrl: model.url.replace(/\/+$/, ""), model: model.model, needsApiKey: true };
  }
  return { baseUrl: `${inClusterServiceUrl(servedModelServiceName(role), servingNamespace)}/v1`, model: model.model, needsApiKey: false };
}

/** Which engine profiles a NIMCache downloads: explicit ones, or those for the pool's GPU. */
export function profileSelection(
  owner: string,
  model: { readonly profiles?: readonly string[]; readonly gpus: number },
  pool: GpuPool,
  lora: boolean,
): NgcModelSelection {
  if (model.profiles && model.profiles.length > 0) {
    return { profiles: [...model.profiles] };
  }
  if (!pool.nimGpu) {
    throw new Error(
      `${owner}: the ${pool.name} pool's GPU (${pool.gpuProduct}) has no known NIM profile name; list the NIM's profiles explicitly in the model's \`profiles\``,
    );
  }
  return { gpus: [{ product: pool.nimGpu }], tensorParallelism: model.gpus, ...(lora ? { lora: true } : {}) };
}

const modelReference = (image: NimImage): string => `${image.repository}:${image.tag}`;

/**
 * The models the flywheel uses: a NIMCache per candidate model in the flywheel namespace (pinned to
 * the inference pool's GPU profiles, cached by CPU nodes so it works while GPU pools are at zero), and
 * the judge and embedding models, as NIMs of their own or as remote endpoints.
 */
export class FlywheelModels extends pulumi.ComponentResource {
  /** NIMCache name per candidate model name. */
  readonly candidateCaches: ReadonlyMap<string, string>;
  /** Every NIMCache this component creates: the candidates' and a local judge's or embedding model's. */
  readonly nimCaches: readonly { readonly namespace: string; readonly name: string }[];
  readonly judge: ModelEndpoint;
  readonly embedding: ModelEndpoint;

  constructor(name: string, args: FlywheelModelsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("data-flywheel:platform:FlywheelModels", name, {}, opts);
    const chart = new Chart(new App(), name);
    const nimCaches: { namespace: string; name: string }[] = [];
    const cache = (namespace: string, model: CandidateModel | Extract<ServedModel, { type: "local" }>, modelName: string, lora: boolean): NimCache => {
      const cacheName = nimCacheName(modelName, model.image.tag);
      nimCaches.push({ namespace, name: cacheName });
      return new NimCache(chart, `${namespace}-${cacheName}`, {
        name: cacheName,
        namespace,
        source: {
          ngc: {
            modelPuller: modelReference(model.image),
            pullSecret: args.secretNames.pullSecret,
            authSecret: args.secretNames.ngcApiKey,
            model: profileSelection(`model ${modelName}`, model, args.inferencePool, lora),
          },
        },
        storage: { size: `${model.cacheSizeGiB}Gi`, storageClass: args.storage.sharedStorageClass, accessMode: args.storage.sharedAccessMode },
        nodeSelector: args.cpuNodeSelector,
      });
    };

    this.candidateCaches = new Map(
      args.candidates.map((candidate) => [candidate.name, cache(args.flywheelNamespace, candidate, candidate.name, candidate.lora).name]),
    );

    const serve = (role: "judge" | "embedding", model: ServedModel): ModelEndpoint => {
      if (model.type === "local") {
        const modelCache = cache(args.servingNamespace, model, model.model, false);
        new NimService(chart, `${role}-service`, {
          name: servedModelServiceName(role),
          namespace: args.servingNamespace,
          image: model.image,
          imagePullSecrets: [args.secretNames.pullSecret],
          authSecret: args.secretNames.ngcApiKey,
          nimCache: { name: modelCache.name },
          gpus: model.gpus,
          resources: nimResources,
          ...(args.monitorLabels ? { monitorLabels: args.monitorLabels } : {}),
        });
      }
      return servedModelEndpoint(role, model, args.servingNamespace);
    };
    this.judge = serve("judge", args.judge);
    this.embedding = serve("embedding", args.embedding);
    this.nimCaches = nimCaches;

    applyChart(name, chart, { parent: this, provider: args.provider, dependsOn: [...args.dependsOn] });
    this.registerOutputs({});
  }
}
