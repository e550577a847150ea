import { nemo25Artifacts, nemo25Clients, type Nemo25Connection } from "../backends/nemo-25/nemo-25-clients";
import { Nemo25Platform } from "../backends/nemo-25/nemo-25-platform";
import { NimServiceDeployments } from "../backends/nemo-25/nim-service-deployments";
import { InProcessGpuBudget, InProcessRunLocks } from "../budget/in-process-budget";
import type * as RedisBudgetModule from "../budget/redis-budget";
import type * as RedisConnectionModule from "../budget/redis-connection";
import { type FlywheelEnvironment, resolveNemoServiceUrls } from "../config/environment";
import type { FlywheelJobConfig } from "../config/job-config";
import { messageOf } from "../errors";
import { ModelEndpoints } from "../http/model-endpoints";
import { ServiceClient, type ServiceClientSettings } from "../http/service-client";
import { connectKubernetes } from "../kubernetes/client-node-api";
import type { RunLog } from "../log";
import type * as ElasticsearchClientModule from "../logs/elasticsearch-client";
import type * as ElasticsearchLogSourceModule from "../logs/elasticsearch-log-source";
import { JsonlLogSource } from "../logs/jsonl-log-source";
import type { LogSource } from "../logs/log-source";
import { PushgatewaySink } from "../metrics/pushgateway";
import { MlflowTracking } from "../mlflow/mlflow-tracking";
import type { PublishedArtifacts } from "../platform/model-platform";
import { openRunStore } from "../store/open-run-store";
import type { RunStore } from "../store/run-store";
import type { RunServices } from "../run/run-context";

/** A probe in a wait loop gets one quick attempt: the loop itself polls again. */
const probeTimeoutMs = 10_000;
const maxRetryDelayMs = 30_000;

/*
 * The Elasticsearch and Redis clients are loaded only by a run that uses them: `flywheel serve` and
 * `flywheel runs delete` import this module for `openPublishedArtifacts` and must not pay their
 * memory. (A dynamic import() would need file extensions under node16 module resolution, which the
 * CommonJS transpilers do not map; see scripts/render.ts.)
 */
/* eslint-disable @typescript-eslint/no-require-imports -- see the note above */
const loadElasticsearchClient = () => require("../logs/elasticsearch-client") as typeof ElasticsearchClientModule;
const loadElasticsearchLogSource = () => require("../logs/elasticsearch-log-source") as typeof ElasticsearchLogSourceModule;
const loadRedisConnection = () => require("../budget/redis-connection") as typeof RedisConnectionModule;
const loadRedisBudget = () => require("../budget/redis-budget") as typeof RedisBudgetModule;
/* eslint-enable @typescript-eslint/no-require-imports */

/** The HTTP settings of NeMo, Kubernetes and model calls, from the config's `nemo` section; every retry is logged. */
export function serviceClientSettings(nemo: FlywheelJobConfig["nemo"], log: RunLog): ServiceClientSettings {
  return {
    timeoutMs: nemo.requestTimeoutSeconds * 1000,
    retries: nemo.retries,
    initialDelayMs: nemo.retryDelaySeconds * 1000,
    maxDelayMs: maxRetryDelayMs,
    onRetry: (message) => log.warn(message),
  };
}

/** The NeMo services at the config's and the environment's URLs. */
function nemoConnection(nemo: FlywheelJobConfig["nemo"], environment: FlywheelEnvironment, settings: ServiceClientSettings): Nemo25Connection {
  return { urls: resolveNemoServiceUrls(nemo, environment), namespace: nemo.namespace, settings };
}

/** What runs published on the platform, for `flywheel runs delete`. */
export function openPublishedArtifacts(nemo: FlywheelJobConfig["nemo"], environment: FlywheelEnvironment, log: RunLog): PublishedArtifacts {
  return nemo25Artifacts(nemoConnection(nemo, environment, serviceClientSettings(nemo, log)));
}

export interface OpenedRunServices {
  readonly services: RunServices;
  /** The Kubernetes namespace of the run's Job and of what it deploys. */
  readonly namespace: string;
  close(): Promise<void>;
}

/**
 * Connects everything a run needs, from the environment: the model platform (NeMo 25.x with its
 * candidates as NIMServices in the cluster), the run store (`--state-dir` or MongoDB), the GPU
 * budget (Redis when REDIS_URL is set, else this process), the logs (a JSONL export with
 * `--logs`, else Elasticsearch), with FLYWHEEL_PUSHGATEWAY_URL the Pushgateway for the run's
 * metrics, and with FLYWHEEL_MLFLOW_URL MLflow for its evaluations. NeMo's URLs are checked before anything is connected. `close` disconnects what was
 * connected.
 */
export async function openRunServices(
  config: FlywheelJobConfig,
  environment: FlywheelEnvironment,
  options: { readonly logs?: string; readonly stateDirectory?: string },
  log: RunLog,
): Promise<OpenedRunServices> {
  const closers: (() => Promise<void>)[] = [];
  const close = async (): Promise<void> => {
    for (const closer of closers.reverse()) {
      await closer().catch((error: unknown) => log.warn(`while closing: ${messageOf(error)}`));
    }
  };
  try {
    const settings = serviceClientSettings(config.nemo, log);
    const nemo = nemo25Clients(nemoConnection(config.nemo, environment, settings));
    const logSource: LogSource = options.logs !== undefined ? new JsonlLogSource(options.logs) : elasticsearchLogSource(config.logs, environment, log);
    const store: RunStore = await openRunStore(options.stateDirectory, environment, (message) => log.warn(message));
    closers.push(() => store.close());
    const kubernetes = await connectKubernetes(environment, settings);
    let budget: RunServices["budget"];
    let locks: RunServices["locks"];
    if (environment.REDIS_URL !== undefined) {
      const { connectRedis, disconnectRedis, readRedisCa } = loadRedisConnection();
      const { RedisGpuBudget, RedisRunLocks } = loadRedisBudget();
      const redis = await connectRedis(environment.REDIS_URL, settings.timeoutMs, (message) => log.warn(message), readRedisCa(environment));
      closers.push(() => disconnectRedis(redis, 5_000));
      const lease = { leaseMs: config.gpuBudget.leaseSeconds * 1000, retryIntervalMs: Math.min(config.polling.minSeconds * 1000, 1000) };
      budget = new RedisGpuBudget(redis, config.gpuBudget.gpus, lease);
      locks = new RedisRunLocks(redis, lease);
    } else {
      budget = new InProcessGpuBudget(config.gpuBudget.gpus);
      locks = new InProcessRunLocks();
    }
    const deployments = new NimServiceDeployments({
      kubernetes,
      probe: new ModelEndpoints(new ServiceClient({ ...settings, retries: 0, timeoutMs: Math.min(settings.timeoutMs, probeTimeoutMs) })),
      deployment: config.deployment,
      peftSource: nemo.entityStoreUrl,
      log,
    });
    return {
      services: {
        store,
        budget,
        locks,
        platform: new Nemo25Platform({ ...nemo, deployments }),
        models: new ModelEndpoints(new ServiceClient(settings)),
        logSource,
        log,
        ...(environment.FLYWHEEL_PUSHGATEWAY_URL === undefined ? {} : { metrics: new PushgatewaySink(environment.FLYWHEEL_PUSHGATEWAY_URL) }),
        ...(environment.FLYWHEEL_MLFLOW_URL === undefined ? {} : { tracking: new MlflowTracking(environment.FLYWHEEL_MLFLOW_URL, settings) }),
      },
      namespace: kubernetes.namespace,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The production logs in Elasticsearch, at the environment's ELASTICSEARCH_* settings. */
function elasticsearchLogSource(logs: FlywheelJobConfig["logs"], environment: FlywheelEnvironment, log: RunLog): LogSource {
  const { ElasticsearchLogSource } = loadElasticsearchLogSource();
  return new ElasticsearchLogSource(loadElasticsearchClient().createElasticsearchClient(environment), { ...logs, onWarning: (message) => log.warn(message) });
}
