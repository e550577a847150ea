import { InProcessGpuBudget, InProcessRunLocks } from "../budget/in-process-budget";
import { RedisGpuBudget, RedisRunLocks } from "../budget/redis-budget";
import { connectRedis, disconnectRedis } from "../budget/redis-connection";
import { type FlywheelEnvironment, resolveNemoServiceUrls } from "../config/environment";
import type { FlywheelJobConfig } from "../config/job-config";
import { connectKubernetes } from "../kubernetes/client-node-api";
import type { RunLog } from "../log";
import { createElasticsearchClient } from "../logs/elasticsearch-client";
import { ElasticsearchLogSource } from "../logs/elasticsearch-log-source";
import { JsonlLogSource } from "../logs/jsonl-log-source";
import type { LogSource } from "../logs/log-source";
import { ModelEndpoints } from "../nemo/model-endpoints";
import { ServiceClient, type ServiceClientSettings } from "../nemo/service-client";
import type { NemoServices } from "../nemo/services";
import { nemoV1Services } from "../nemo/v1";
import { openRunStore } from "../store/open-run-store";
import type { RunStore } from "../store/run-store";
import type { RunServices } from "../run/run-context";

/** A probe in a wait loop gets one quick attempt: the loop itself polls again. */
const probeTimeoutMs = 10_000;
const maxRetryDelayMs = 30_000;

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

/** The NeMo clients for the config's and the environment's URLs. */
export function openNemo(nemo: FlywheelJobConfig["nemo"], environment: FlywheelEnvironment, log: RunLog): NemoServices {
  const settings = serviceClientSettings(nemo, log);
  return nemoV1Services(resolveNemoServiceUrls(nemo, environment), new ServiceClient(settings), settings);
}

export interface OpenedRunServices {
  readonly services: RunServices;
  close(): Promise<void>;
}

/**
 * Connects everything a run needs, from the environment: the run store (`--state-dir` or MongoDB),
 * NeMo, the cluster, the GPU budget (Redis when REDIS_URL is set, else this process) and the logs
 * (a JSONL export with `--logs`, else Elasticsearch). `close` disconnects what was connected.
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
      await closer().catch((error: unknown) => log.warn(`while closing: ${error instanceof Error ? error.message : String(error)}`));
    }
  };
  try {
    const settings = serviceClientSettings(config.nemo, log);
    const nemo = openNemo(config.nemo, environment, log);
    const logSource: LogSource =
      options.logs !== undefined
        ? new JsonlLogSource(options.logs)
        : new ElasticsearchLogSource(createElasticsearchClient(environment), { ...config.logs, onWarning: (message) => log.warn(message) });
    const store: RunStore = await openRunStore(options.stateDirectory, environment, (message) => log.warn(message));
    closers.push(() => store.close());
    const kubernetes = await connectKubernetes(environment, settings);
    let budget: RunServices["budget"];
    let locks: RunServices["locks"];
    if (environment.REDIS_URL !== undefined) {
      const redis = await connectRedis(environment.REDIS_URL, settings.timeoutMs, (message) => log.warn(message));
      closers.push(() => disconnectRedis(redis, 5_000));
      const lease = { leaseMs: config.gpuBudget.leaseSeconds * 1000, retryIntervalMs: Math.min(config.polling.minSeconds * 1000, 1000) };
      budget = new RedisGpuBudget(redis, config.gpuBudget.gpus, lease);
      locks = new RedisRunLocks(redis, lease);
    } else {
      budget = new InProcessGpuBudget(config.gpuBudget.gpus);
      locks = new InProcessRunLocks();
    }
    return {
      services: {
        store,
        budget,
        locks,
        kubernetes,
        nemo,
        models: new ModelEndpoints(new ServiceClient(settings)),
        probe: new ModelEndpoints(new ServiceClient({ ...settings, retries: 0, timeoutMs: Math.min(settings.timeoutMs, probeTimeoutMs) })),
        logSource,
        log,
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
