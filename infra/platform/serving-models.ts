import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { App, Chart } from "cdk8s";
import { ServingModel, VerifyServing } from "../../constructs/serving";
import { isToolCallingEvidence, type ServingVerifyConfig } from "../../flywheel-job/src/contract";
import type { ClusterStorage, GpuPool } from "../cluster-target";
import { applyChart } from "../kubernetes/cdk8s-chart";
import { defaultCacheSizeGiB, type ModelsSettings } from "../../stacks/config/schema/models";
import type { ServingSettings } from "../../stacks/config/schema/serving";
import { nimResources, profileSelection } from "./flywheel-models";
import type { ServedModelOutput } from "./platform-endpoints";

export interface ServingModelsArgs {
  /** `data-flywheel:serving`: at least one entry (the stack creates no component without). */
  readonly entries: ServingSettings;
  /** The Pulumi stack's name, which the verify Job checks `--stack` against. */
  readonly stack: string;
  /** The serving namespace: NIMServices, their caches and PDBs. */
  readonly namespace: string;
  /** The flywheel namespace: the verify-serving CronJob, its ConfigMap and service account. */
  readonly flywheelNamespace: string;
  /** The job image (`flywheel.image`) the verify Job runs. */
  readonly verifyImage: string;
  /** `models.candidates`: an entry of a candidate's model takes its cache size and pinned profiles. */
  readonly candidates: ModelsSettings["candidates"];
  readonly storage: ClusterStorage;
  /** The GPU pool the NIMs run on; its GPU selects the cached engine profiles. */
  readonly inferencePool: GpuPool;
  /** CPU nodes the caching jobs run on. */
  readonly cpuNodeSelector: Readonly<Record<string, string>>;
  /** Entity Store's URL, the adapters' PEFT source. */
  readonly entitystoreUrl: string;
  /** Data Store's URL, where `flywheel verify serving --smoke` reads the recorded evaluation sets. */
  readonly datastoreUrl: string;
  /** The NGC Secrets of the serving namespace. */
  readonly secretNames: { readonly ngcApiKey: string; readonly pullSecret: string };
  /** The labels its Prometheus selects monitors by; absent when monitoring is off. */
  readonly monitorLabels?: Readonly<Record<string, string>>;
  /** Production spreads each entry's replicas across zones. */
  readonly production: boolean;
  /** The namespaces, the NIM operator's CRDs and release, and prometheus-operator's CRDs with `monitorLabels`. */
  readonly dependsOn: readonly pulumi.Resource[];
  readonly provider: k8s.Provider;
}

/**
 * The models the stack serves to applications: one `ServingModel` per `data-flywheel:serving`
 * entry in the serving namespace, and the suspended verify-serving CronJob that checks them all.
 */
export class ServingModels extends pulumi.ComponentResource {
  /** Per entry name: the OpenAI base URL in the cluster and the model id to request (the adapter's when it serves one). */
  readonly endpoints: Readonly<Record<string, ServedModelOutput>>;
  /** What the verify Job checks, as its ConfigMap holds it. */
  readonly verifyConfig: ServingVerifyConfig;

  constructor(name: string, args: ServingModelsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("data-flywheel:platform:ServingModels", name, {}, opts);
    if (args.entries.length === 0) {
      throw new Error(`ServingModels ${name}: no serving entries; the platform creates this component only for a stack that serves models`);
    }
    const chart = new Chart(new App(), name);
    const models = args.entries.map((entry) => {
      const candidate = args.candidates.find((c) => c.name === entry.model);
      const lora = entry.adapter !== undefined;
      return new ServingModel(chart, entry.name, {
        name: entry.name,
        namespace: args.namespace,
        model: entry.model,
        image: entry.image,
        gpus: entry.gpus,
        replicas: entry.replicas,
        scaleOn: entry.scaleOn,
        ...(entry.adapter ? { adapter: { id: entry.adapter, peftSource: args.entitystoreUrl } } : {}),
        ...(entry.promotedFrom ? { promotedFrom: entry.promotedFrom } : {}),
        cache: {
          profiles: profileSelection(`serving entry ${entry.name}`, { gpus: entry.gpus, ...(candidate?.profiles ? { profiles: candidate.profiles } : {}) }, args.inferencePool, lora),
          sizeGiB: candidate?.cacheSizeGiB ?? defaultCacheSizeGiB,
          storageClass: args.storage.sharedStorageClass,
          accessMode: args.storage.sharedAccessMode,
          nodeSelector: args.cpuNodeSelector,
        },
        secretNames: args.secretNames,
        resources: nimResources,
        ...(args.monitorLabels ? { monitorLabels: args.monitorLabels } : {}),
        spreadAcrossZones: args.production,
      });
    });

    this.verifyConfig = {
      stack: args.stack,
      dataStoreUrl: args.datastoreUrl,
      entries: args.entries.map((entry, i) => ({
        name: entry.name,
        namespace: args.namespace,
        url: models[i].url,
        model: entry.model,
        ...(entry.adapter ? { adapter: entry.adapter } : {}),
        replicas: { ...entry.replicas },
        toolCalling: entry.promotedFrom ? isToolCallingEvidence(entry.promotedFrom) : false,
        ...(entry.promotedFrom ? { promotedFrom: entry.promotedFrom } : {}),
      })),
    };
    new VerifyServing(chart, "verify", {
      namespace: args.flywheelNamespace,
      servingNamespace: args.namespace,
      config: this.verifyConfig,
      image: args.verifyImage,
    });

    this.endpoints = Object.fromEntries(models.map((model) => [model.name, { baseUrl: model.openAiBaseUrl, model: model.servedModelId }]));
    applyChart(name, chart, { parent: this, provider: args.provider, dependsOn: [...args.dependsOn] });
    this.registerOutputs({ endpoints: this.endpoints });
  }
}
