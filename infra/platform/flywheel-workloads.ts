import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { App, Chart, Duration } from "cdk8s";
import { FlywheelJobAccess } from "../../constructs/flywheel/flywheel-job-access";
import { FlywheelSchedule } from "../../constructs/flywheel/flywheel-schedule";
import { gpuNodeSelector, gpuToleration } from "../../constructs/scheduling";
import type { FlywheelJobConfigInput } from "../../flywheel-job/src/config/job-config";
import { applyChart } from "../kubernetes/cdk8s-chart";
import { ngcSecretNames, secret } from "../kubernetes/secrets";
import type { ModelEndpoint, NimImage } from "./flywheel-models";
import type { NemoUrls } from "./nemo-microservices";

/** A candidate model as a workload may use it. */
export interface WorkloadCandidate {
  readonly name: string;
  readonly image: NimImage;
  readonly gpus: number;
  readonly contextLength: number;
  /** The NIMCache the stack keeps for it. */
  readonly nimCache: string;
  /** Its NIM's guided-decoding backend; null for none. @default the job's rule (by image version) */
  readonly guidedDecodingBackend?: string | null;
  /** Set when the workload fine-tunes it. */
  readonly customization?: { readonly target: string; readonly gpus: number; readonly maxSeqLength?: number };
}

/** One workload's schedule (see stacks/config/schema/workloads.ts). */
export interface Workload {
  readonly workloadId: string;
  readonly clientId: string;
  readonly schedule: string;
  readonly timeZone?: string;
  readonly candidates: readonly WorkloadCandidate[];
  readonly targets: FlywheelJobConfigInput["targets"];
  readonly data?: FlywheelJobConfigInput["data"];
  readonly icl?: FlywheelJobConfigInput["icl"];
}

export interface FlywheelWorkloadsArgs {
  readonly namespace: string;
  readonly workloads: readonly Workload[];
  /** The job image, pinned by digest. */
  readonly image: string;
  readonly maxRunHours: number;
  /** GPUs the candidate NIMs of all runs in the cluster may hold at once. */
  readonly gpuBudget: number;
  readonly gpuHourlyCost?: number;
  readonly logIndex: string;
  readonly judge: ModelEndpoint;
  readonly embedding: ModelEndpoint;
  readonly nemo: NemoUrls;
  /** Secret with ELASTICSEARCH_*, MONGODB_URL and REDIS_URL. */
  readonly connectionsSecret: string;
  /** ConfigMap with the log store's CA (`ca.crt`). */
  readonly elasticsearchCaConfigMap: string;
  /** API keys of remote judge and embedding endpoints. */
  readonly apiKeys: { readonly judge?: pulumi.Output<string>; readonly embedding?: pulumi.Output<string> };
  readonly podLabels: Readonly<Record<string, string>>;
  /** The data services, NeMo and the model caches: a run needs them all. */
  readonly dependsOn: readonly pulumi.Resource[];
  readonly provider: k8s.Provider;
}

/** The job configuration of one workload, from the stack config and what the platform deployed. */
export function workloadJobConfig(
  workload: Workload,
  args: Pick<FlywheelWorkloadsArgs, "gpuBudget" | "gpuHourlyCost" | "logIndex" | "judge" | "embedding" | "nemo">,
): FlywheelJobConfigInput & { workloadId: string; clientId: string } {
  return {
    workloadId: workload.workloadId,
    clientId: workload.clientId,
    logs: { index: args.logIndex },
    ...(workload.data ? { data: workload.data } : {}),
    ...(workload.icl ? { icl: workload.icl } : {}),
    candidates: workload.candidates.map((c) => ({
      model: c.name,
      image: { repository: c.image.repository, tag: c.image.tag },
      gpus: c.gpus,
      contextLength: c.contextLength,
      nimCache: c.nimCache,
      customize: c.customization !== undefined,
      ...(c.guidedDecodingBackend !== undefined ? { guidedDecodingBackend: c.guidedDecodingBackend } : {}),
      ...(c.customization
        ? { customizationTarget: c.customization.target, trainingGpus: c.customization.gpus, ...(c.customization.maxSeqLength ? { maxSeqLength: c.customization.maxSeqLength } : {}) }
        : {}),
    })),
    judge: { url: `${args.judge.baseUrl}/chat/completions`, modelId: args.judge.model },
    embedding: { url: `${args.embedding.baseUrl}/embeddings`, modelId: args.embedding.model },
    targets: workload.targets,
    ...(args.gpuHourlyCost !== undefined ? { gpuHourlyCost: args.gpuHourlyCost } : {}),
    gpuBudget: { gpus: args.gpuBudget },
    // The names the platform created: the NGC secrets in the flywheel namespace and the inference pool.
    deployment: {
      authSecret: ngcSecretNames.apiKey,
      pullSecrets: [ngcSecretNames.pullSecret],
      nodeSelector: gpuNodeSelector("inference"),
      tolerations: [{ ...gpuToleration() }],
    },
    nemo: {
      entityStoreUrl: args.nemo.entitystore,
      dataStoreUrl: args.nemo.datastore,
      evaluatorUrl: args.nemo.evaluator,
      ...(args.nemo.customizer ? { customizerUrl: args.nemo.customizer } : {}),
    },
  };
}

/** Name of the Secret with the judge's and embedding model's API keys. */
export const modelKeysSecret = "flywheel-model-keys";

/**
 * The scheduled flywheels: one CronJob per workload, the job's least-privilege identity, and the
 * Secret with the API keys of remote models.
 */
export class FlywheelWorkloads extends pulumi.ComponentResource {
  constructor(name: string, args: FlywheelWorkloadsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("data-flywheel:platform:FlywheelWorkloads", name, {}, opts);
    const keys: Record<string, pulumi.Output<string>> = {};
    if (args.judge.needsApiKey && args.apiKeys.judge) {
      keys.JUDGE_API_KEY = args.apiKeys.judge;
    }
    if (args.embedding.needsApiKey && args.apiKeys.embedding) {
      keys.EMBEDDING_API_KEY = args.apiKeys.embedding;
    }
    const modelKeys = secret(`${name}-model-keys`, { name: modelKeysSecret, namespace: args.namespace, stringData: keys }, {
      parent: this,
      provider: args.provider,
      dependsOn: [...args.dependsOn],
    });

    const chart = new Chart(new App(), name);
    const access = new FlywheelJobAccess(chart, "access", { namespace: args.namespace });
    for (const workload of args.workloads) {
      new FlywheelSchedule(chart, `${workload.workloadId}-${workload.clientId}`, {
        namespace: args.namespace,
        jobConfig: workloadJobConfig(workload, args),
        schedule: workload.schedule,
        timeZone: workload.timeZone,
        image: args.image,
        serviceAccountName: access.serviceAccountName,
        environmentSecrets: [args.connectionsSecret, modelKeysSecret],
        elasticsearchCa: { name: args.elasticsearchCaConfigMap, key: "ca.crt" },
        podLabels: args.podLabels,
        maxRunDuration: Duration.minutes(Math.round(args.maxRunHours * 60)),
      });
    }
    applyChart(name, chart, { parent: this, provider: args.provider, dependsOn: [...args.dependsOn, modelKeys] });
    this.registerOutputs({});
  }
}
