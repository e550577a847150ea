import { type FlywheelJobConfigInput, gpuNodeSelector, gpuToleration, ngcSecretNames, nimCacheName } from "../../flywheel-job/src/contract";
import type { StackSettings } from "../../stacks/config/schema";
import { type ModelEndpoint, servedModelEndpoint } from "./flywheel-models";
import { judgeEndpointForJobs } from "./judge-proxy-deployment";
import { logStoreNaming } from "./log-store";
import { monitorSelection } from "./monitor-selection";
import { namespaces } from "./namespaces";
import { type NemoUrls, nemoServiceUrls } from "./nemo-microservices";

/** A workload's job configuration, with the pair it runs for. */
export type WorkloadJobConfig = FlywheelJobConfigInput & { readonly workloadId: string; readonly clientId: string };

type Workload = StackSettings["workloads"][number];
type CandidateModel = StackSettings["models"]["candidates"][number];

/**
 * What the platform deploys that a job configuration names: the log index and its writer namespaces,
 * the judge and embedding endpoints, the NeMo services and the GPU budget. Pure values of the stack config, known before any
 * resource is declared, so the loader validates the job configurations the platform will write.
 */
export interface JobPlatform {
  readonly logIndex: string;
  /** Namespaces with a log writer user (`platform.elasticsearch.logWriterNamespaces`). */
  readonly logWriterNamespaces: readonly string[];
  readonly judge: ModelEndpoint;
  readonly embedding: ModelEndpoint;
  readonly nemo: NemoUrls;
  readonly gpuBudget: number;
  readonly gpuHourlyCost?: number;
  /** The labels Prometheus selects monitors by, which each candidate NIM's ServiceMonitor carries; absent when monitoring is off. */
  readonly monitorLabels?: Readonly<Record<string, string>>;
}

/** The platform's side of every job configuration of a stack, computed as the platform computes it. */
export function jobPlatformOf(settings: Pick<StackSettings, "models" | "flywheel"> & { readonly platform: Pick<StackSettings["platform"], "elasticsearch" | "monitoring"> }): JobPlatform {
  const monitorLabels = monitorSelection(settings.platform.monitoring)?.monitorLabels;
  return {
    logIndex: logStoreNaming.logIndex,
    logWriterNamespaces: settings.platform.elasticsearch.logWriterNamespaces,
    // A remote judge through the judge proxy: the job and the evaluations it starts carry no key.
    judge: judgeEndpointForJobs(servedModelEndpoint("judge", settings.models.judge, namespaces.nemo), namespaces.flywheel),
    embedding: servedModelEndpoint("embedding", settings.models.embedding, namespaces.nemo),
    nemo: nemoServiceUrls(namespaces.nemo, settings.models.candidates.some((m) => m.customization !== undefined)),
    gpuBudget: settings.flywheel.gpuBudget,
    ...(settings.flywheel.gpuHourlyCost !== undefined ? { gpuHourlyCost: settings.flywheel.gpuHourlyCost } : {}),
    ...(monitorLabels ? { monitorLabels } : {}),
  };
}

/** The model a workload's candidate names (the loader has checked it exists). */
function modelOf(models: readonly CandidateModel[], name: string): { readonly model: CandidateModel; readonly index: number } {
  const index = models.findIndex((m) => m.name === name);
  return { model: models[index], index };
}

/**
 * Whose documents a workload reads: the writers it lists, else every writer namespace the stack
 * grants. A stack that grants none has no writer users to filter by, so its runs read every
 * document (loaded by an operator, e.g. the sample logs), as before writers were stamped.
 */
function logWritersOf(listed: readonly string[] | undefined, granted: readonly string[]): { writers?: string[] } {
  const namespaces = listed ?? granted;
  return listed === undefined && granted.length === 0 ? {} : { writers: namespaces.map(logStoreNaming.writerUser) };
}

/**
 * The job configuration of one workload, from the stack config: its candidates resolved to the
 * configured models and the stack's caches, and the platform's endpoints and names. Keys are renamed
 * on the way (a model's `name` is the job's `model`, `customization.target` its `customizationTarget`,
 * …); `stackKeyOf` maps them back, so keep the two together.
 */
export function workloadJobConfig(workload: Workload, models: readonly CandidateModel[], platform: JobPlatform): WorkloadJobConfig {
  return {
    workloadId: workload.workloadId,
    clientId: workload.clientId,
    // The writer users of the namespaces the workload trusts; without `logWriters`, every writer namespace's.
    logs: { index: platform.logIndex, ...logWritersOf(workload.logWriters, platform.logWriterNamespaces) },
    ...(workload.data ? { data: workload.data } : {}),
    ...(workload.icl ? { icl: workload.icl } : {}),
    candidates: workload.candidates.map((c) => {
      const { model } = modelOf(models, c.model);
      const customization = c.customize ? model.customization : undefined;
      return {
        model: model.name,
        image: { repository: model.image.repository, tag: model.image.tag },
        gpus: model.gpus,
        contextLength: model.contextLength,
        nimCache: nimCacheName(model.name, model.image.tag),
        customize: customization !== undefined,
        ...(model.guidedDecodingBackend !== undefined ? { guidedDecodingBackend: model.guidedDecodingBackend } : {}),
        ...(customization
          ? {
              customizationTarget: customization.target,
              trainingGpus: customization.gpus,
              ...(customization.maxSeqLength !== undefined ? { maxSeqLength: customization.maxSeqLength } : {}),
            }
          : {}),
      };
    }),
    judge: { url: `${platform.judge.baseUrl}/chat/completions`, modelId: platform.judge.model },
    embedding: { url: `${platform.embedding.baseUrl}/embeddings`, modelId: platform.embedding.model },
    targets: workload.targets,
    ...(platform.gpuHourlyCost !== undefined ? { gpuHourlyCost: platform.gpuHourlyCost } : {}),
    gpuBudget: { gpus: platform.gpuBudget },
    // The names the platform created: the NGC secrets in the flywheel namespace and the inference pool.
    deployment: {
      authSecret: ngcSecretNames.apiKey,
      pullSecrets: [ngcSecretNames.pullSecret],
      nodeSelector: gpuNodeSelector("inference"),
      tolerations: [{ ...gpuToleration() }],
      ...(platform.monitorLabels ? { monitorLabels: { ...platform.monitorLabels } } : {}),
    },
    nemo: {
      entityStoreUrl: platform.nemo.entitystore,
      dataStoreUrl: platform.nemo.datastore,
      evaluatorUrl: platform.nemo.evaluator,
      ...(platform.nemo.customizer ? { customizerUrl: platform.nemo.customizer } : {}),
    },
  };
}

/** A candidate's job key and the key of the stack's model it comes from. */
const candidateModelKeys: Readonly<Record<string, readonly string[]>> = {
  model: ["name"],
  image: ["image"],
  gpus: ["gpus"],
  contextLength: ["contextLength"],
  nimCache: ["name"],
  guidedDecodingBackend: ["guidedDecodingBackend"],
  customizationTarget: ["customization", "target"],
  trainingGpus: ["customization", "gpus"],
  maxSeqLength: ["customization", "maxSeqLength"],
};

/**
 * The stack key a key of `workloads[workloadIndex]`'s job configuration comes from, so an error the
 * job's parser finds names what the user wrote: `data.evalSize` is `workloads[0].data.evalSize`,
 * `candidates[1].contextLength` the candidate model's `models.candidates[k].contextLength`, `judge.url`
 * the judge's `models.judge.url`. A key the platform derives maps to the workload.
 */
export function stackKeyOf(jobPath: readonly PropertyKey[], workloadIndex: number, workload: Workload, models: readonly CandidateModel[]): PropertyKey[] {
  const inWorkload = ["workloads", workloadIndex];
  const [first, ...rest] = jobPath;
  switch (first) {
    case "workloadId":
    case "clientId":
    case "data":
    case "icl":
    case "targets":
      return [...inWorkload, ...jobPath];
    case "logs":
      return rest[0] === "writers" ? [...inWorkload, "logWriters", ...rest.slice(1)] : inWorkload;
    case "judge":
    case "embedding":
      return ["models", first, ...(rest[0] === "modelId" ? ["model"] : rest[0] === "url" ? ["url"] : [])];
    case "gpuBudget":
      return ["flywheel", "gpuBudget"];
    case "gpuHourlyCost":
      return ["flywheel", "gpuHourlyCost"];
    case "candidates": {
      const [index, key, ...deeper] = rest;
      const candidate = typeof index === "number" ? workload.candidates[index] : undefined;
      if (candidate === undefined || typeof key !== "string") {
        return [...inWorkload, "candidates"];
      }
      const modelKey = candidateModelKeys[key];
      if (modelKey === undefined) {
        return [...inWorkload, "candidates", index, ...(key === "customize" ? ["customize"] : [])];
      }
      return ["models", "candidates", modelOf(models, candidate.model).index, ...modelKey, ...(key === "image" ? deeper : [])];
    }
    default:
      return inWorkload;
  }
}
