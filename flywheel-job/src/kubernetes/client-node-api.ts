import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";
import type * as k8s from "@kubernetes/client-node" with { "resolution-mode": "import" };
import type { FlywheelEnvironment } from "../config/environment";
import { messageOf, UsageError } from "../errors";
import { RetryableFailure, type RetryPolicy, retrying } from "../http/retry";
import { ServiceRequestError, ServiceUnavailableError } from "../http/service-client";
import { type JobInfo, type KubernetesApi, nimApiGroup, nimApiVersion, type NimServiceObject } from "./kubernetes-api";
import { kubeconfigProblems } from "./kubeconfig-problems";

export interface KubernetesSettings extends RetryPolicy {
  readonly timeoutMs: number;
}

/** A kubeconfig that passed `kubeconfigProblems`, with the client module that loaded it. */
export interface LoadedKubeconfig {
  readonly client: typeof k8s;
  readonly config: k8s.KubeConfig;
  /** FLYWHEEL_NAMESPACE, else the kubeconfig context's, else `default` as kubectl does. */
  readonly namespace: string;
}

/**
 * The cluster's configuration: `KUBECONFIG` when it is set, else the pod's service account in a
 * cluster, else `~/.kube/config`; undefined when there is none of them. A kubeconfig that cannot
 * work (see `kubeconfigProblems`) is a UsageError, before any call.
 */
export async function loadKubeconfig(environment: FlywheelEnvironment): Promise<LoadedKubeconfig | undefined> {
  const defaultFile = join(environment.HOME ?? homedir(), ".kube", "config");
  // The client costs ~90 MiB: `flywheel serve` without a cluster must not load it.
  if (!environment.KUBECONFIG && !environment.KUBERNETES_SERVICE_HOST && !existsSync(defaultFile)) {
    return undefined;
  }
  // @kubernetes/client-node 1.x is an ES module; a dynamic import loads it from this CommonJS program.
  const client = await import("@kubernetes/client-node");
  const config = new client.KubeConfig();
  const load = (into: k8s.KubeConfig, file: string): void => {
    try {
      into.loadFromFile(file);
    } catch (error) {
      throw new UsageError(`cannot read the kubeconfig ${file}: ${messageOf(error)}`);
    }
  };
  let source: string;
  if (environment.KUBECONFIG) {
    const files = environment.KUBECONFIG.split(delimiter).filter(Boolean);
    load(config, files[0]);
    for (const file of files.slice(1)) {
      const more = new client.KubeConfig();
      load(more, file);
      config.mergeConfig(more, true);
    }
    source = `the kubeconfig ${files.join(delimiter)} (KUBECONFIG)`;
  } else if (environment.KUBERNETES_SERVICE_HOST) {
    config.loadFromCluster();
    source = "the in-cluster configuration";
  } else if (existsSync(defaultFile)) {
    load(config, defaultFile);
    source = `the kubeconfig ${defaultFile}`;
  } else {
    return undefined;
  }
  const problems = kubeconfigProblems(config, source);
  if (problems.length > 0) {
    throw new UsageError(problems.length === 1 ? problems[0] : `${source} cannot be used:`, problems.length === 1 ? [] : problems);
  }
  const contextNamespace = config.getContextObject(config.getCurrentContext())?.namespace;
  return { client, config, namespace: environment.FLYWHEEL_NAMESPACE ?? contextNamespace ?? "default" };
}

/** The API server a kubeconfig calls, as the errors of its calls name it. */
export function apiServerOf(config: k8s.KubeConfig): string {
  return config.getCurrentCluster()?.server ?? "the Kubernetes API";
}

/** How an error names one API call: what it did, in which namespace, on which server, so its reader knows where to look. */
export function describeApiCall(action: string, namespace: string, server: string): string {
  return `Kubernetes: ${action} in namespace ${namespace} (${server})`;
}

/**
 * `request`'s answer, or a rejection with `timedOut()` when there is none within `timeoutMs`, or
 * with `abort.error()` as soon as `abort.signal` aborts. The client's calls take no signal: an answer
 * that comes later is dropped.
 */
export async function answerWithin<T>(request: Promise<T>, timeoutMs: number, timedOut: () => Error, abort?: { readonly signal: AbortSignal; readonly error: () => Error }): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const aborted = abort?.error;
  try {
    return await Promise.race([
      request,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(timedOut()), timeoutMs);
        if (abort !== undefined && aborted !== undefined) {
          onAbort = () => reject(aborted());
          abort.signal.addEventListener("abort", onAbort, { once: true });
        }
      }),
    ]);
  } finally {
    clearTimeout(timer);
    // A poll makes many calls under one signal: each must take its listener away again.
    if (onAbort !== undefined) {
      abort?.signal.removeEventListener("abort", onAbort);
    }
  }
}

/** Connects to the cluster `loadKubeconfig` finds; without one, a UsageError saying where it looked. */
export async function connectKubernetes(environment: FlywheelEnvironment, settings: KubernetesSettings): Promise<KubernetesApi> {
  const loaded = await loadKubeconfig(environment);
  if (loaded === undefined) {
    throw new UsageError("no Kubernetes configuration: run in the cluster, or set KUBECONFIG (or create ~/.kube/config)");
  }
  return new ClientNodeKubernetesApi(loaded.client, loaded.config, loaded.namespace, settings);
}

type ClientModule = typeof k8s;

/** KubernetesApi on @kubernetes/client-node, with timeouts, retries and errors that say what to fix. */
class ClientNodeKubernetesApi implements KubernetesApi {
  private readonly objects: k8s.CustomObjectsApi;
  private readonly batch: k8s.BatchV1Api;
  private readonly server: string;

  constructor(
    private readonly client: ClientModule,
    config: k8s.KubeConfig,
    readonly namespace: string,
    private readonly settings: KubernetesSettings,
  ) {
    this.objects = config.makeApiClient(client.CustomObjectsApi);
    this.batch = config.makeApiClient(client.BatchV1Api);
    this.server = apiServerOf(config);
  }

  createNimService(object: NimServiceObject, signal: AbortSignal): Promise<NimServiceObject> {
    return this.call(`create NIMService ${object.metadata.name}`, signal, async () => {
      try {
        return (await this.objects.createNamespacedCustomObject({ ...this.resource("nimservices"), body: object })) as NimServiceObject;
      } catch (error) {
        // A retried create whose first attempt did succeed: the object is ours (its name carries the run id).
        if (error instanceof this.client.ApiException && error.code === 409) {
          return (await this.objects.getNamespacedCustomObject({ ...this.resource("nimservices"), name: object.metadata.name })) as NimServiceObject;
        }
        throw error;
      }
    });
  }

  getNimService(name: string, signal: AbortSignal): Promise<NimServiceObject | undefined> {
    return this.call(`read NIMService ${name}`, signal, () => this.objects.getNamespacedCustomObject({ ...this.resource("nimservices"), name }) as Promise<NimServiceObject>, true);
  }

  async listNimServices(labelSelector: string, signal: AbortSignal): Promise<NimServiceObject[]> {
    const list = (await this.call(`list NIMServices (${labelSelector})`, signal, () =>
      this.objects.listNamespacedCustomObject({ ...this.resource("nimservices"), labelSelector }),
    )) as { items?: NimServiceObject[] };
    return list.items ?? [];
  }

  async deleteNimService(name: string, signal: AbortSignal): Promise<boolean> {
    const deleted = await this.call(
      `delete NIMService ${name}`,
      signal,
      () => this.objects.deleteNamespacedCustomObject({ ...this.resource("nimservices"), name, propagationPolicy: "Background" }) as Promise<unknown>,
      true,
    );
    return deleted !== undefined;
  }

  async nimCacheState(name: string, signal: AbortSignal): Promise<{ readonly state: string | undefined } | undefined> {
    const cache = (await this.call(`read NIMCache ${name}`, signal, () => this.objects.getNamespacedCustomObject({ ...this.resource("nimcaches"), name }), true)) as
      | { status?: { state?: string } }
      | undefined;
    return cache && { state: cache.status?.state };
  }

  async getJob(name: string, signal: AbortSignal): Promise<JobInfo | undefined> {
    const job = await this.call(`read Job ${name}`, signal, () => this.batch.readNamespacedJob({ name, namespace: this.namespace }), true);
    if (job === undefined) {
      return undefined;
    }
    const ended = (job.status?.conditions ?? []).some((c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True");
    return { uid: job.metadata?.uid ?? "", finished: ended || job.status?.completionTime !== undefined || job.metadata?.deletionTimestamp !== undefined };
  }

  private resource(plural: "nimservices" | "nimcaches") {
    return { group: nimApiGroup, version: nimApiVersion, namespace: this.namespace, plural };
  }

  /**
   * One API call with a timeout and retries on 5xx, 429 and connection errors. With `notFoundIsAnswer`
   * a 404 gives undefined. A 401 or 403 names the permission the job's service account lacks.
   */
  private call<T>(action: string, signal: AbortSignal, request: () => Promise<T>, notFoundIsAnswer = false): Promise<T> {
    const what = describeApiCall(action, this.namespace, this.server);
    return retrying(
      this.settings,
      signal,
      what,
      async () => {
        try {
          return await answerWithin(request(), this.settings.timeoutMs, () => new RetryableFailure(`no answer within ${this.settings.timeoutMs / 1000} s`));
        } catch (error) {
          if (error instanceof RetryableFailure) {
            throw error;
          }
          if (error instanceof this.client.ApiException) {
            const code = error.code;
            const detail = `HTTP ${code}: ${apiMessage(error.body)}`;
            if (code === 404 && notFoundIsAnswer) {
              return undefined as T;
            }
            if (code === 401 || code === 403) {
              throw new UsageError(`${what} was refused (${detail}); the job's service account needs this permission (FlywheelJobAccess)`);
            }
            if (code === 429 || code >= 500) {
              throw new RetryableFailure(detail);
            }
            throw new ServiceRequestError(`${what} was refused: ${detail}`, code, apiMessage(error.body));
          }
          if (isConnectionFailure(error)) {
            throw new RetryableFailure(messageOf(error));
          }
          if (error instanceof TypeError || error instanceof RangeError || error instanceof ReferenceError) {
            throw error;
          }
          // The client's other failures come from its configuration (a file it cannot read, an exec
          // credential plugin that fails, a certificate it does not trust): retrying cannot help.
          throw new UsageError(`${what} failed: ${messageOf(error)} (check the kubeconfig)`);
        }
      },
      (last, attempts) => new ServiceUnavailableError(`${what} failed ${attempts} times; the last: ${last.message}`),
    );
  }
}

/** Network errors a later attempt may not meet: the server or the network is down, or busy. */
const connectionErrorCodes = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN", "EPIPE", "ECONNABORTED"]);

/** A failure to reach the API server, by its code (the client's fetch errors carry the socket's). */
function isConnectionFailure(error: unknown): boolean {
  const { code, cause } = (error ?? {}) as { code?: unknown; cause?: { code?: unknown } };
  return connectionErrorCodes.has(String(code)) || connectionErrorCodes.has(String(cause?.code)) || (error instanceof Error && /socket hang up/i.test(error.message));
}

/** The `message` of a Kubernetes Status body (a JSON string for custom objects), or the body itself. */
function apiMessage(body: unknown): string {
  if (typeof body === "string") {
    try {
      const parsed = JSON.parse(body) as { message?: unknown };
      return typeof parsed.message === "string" ? parsed.message : body.slice(0, 500);
    } catch {
      return body.slice(0, 500);
    }
  }
  const message = (body as { message?: unknown } | undefined)?.message;
  return typeof message === "string" ? message : JSON.stringify(body)?.slice(0, 500) ?? "";
}
