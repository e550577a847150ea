import type * as k8s from "@kubernetes/client-node" with { "resolution-mode": "import" };
import type { FlywheelEnvironment } from "../../config/environment";
import { asError, messageOf, UsageError } from "../../errors";
import { answerWithin, apiServerOf, loadKubeconfig, type LoadedKubeconfig } from "../../kubernetes/client-node-api";
import { nimApiGroup, nimApiVersion } from "../../kubernetes/kubernetes-api";
import { printableLine } from "../../text/printable";
import { KubernetesForbiddenError, KubernetesUnreachableError, type NimCacheState, type PlatformKubernetes, type PodState, type ProbePod } from "./platform-kubernetes";

/**
 * PlatformKubernetes on @kubernetes/client-node, with the configuration `loadKubeconfig` finds (in
 * the verify pod, its service account): one attempt per call, each bounded by `timeoutMs`.
 */
export async function connectPlatformKubernetes(environment: FlywheelEnvironment, timeoutMs: number): Promise<PlatformKubernetes> {
  const loaded = await loadKubeconfig(environment);
  if (loaded === undefined) {
    throw new UsageError("no Kubernetes configuration: --in-cluster runs in the verify-platform Job's pod (its service account), or set KUBECONFIG");
  }
  return new ClientNodePlatformKubernetes(loaded, timeoutMs);
}

class ClientNodePlatformKubernetes implements PlatformKubernetes {
  private readonly apps: k8s.AppsV1Api;
  private readonly core: k8s.CoreV1Api;
  private readonly objects: k8s.CustomObjectsApi;
  private readonly server: string;

  constructor(
    private readonly loaded: LoadedKubeconfig,
    private readonly timeoutMs: number,
  ) {
    this.apps = loaded.config.makeApiClient(loaded.client.AppsV1Api);
    this.core = loaded.config.makeApiClient(loaded.client.CoreV1Api);
    this.objects = loaded.config.makeApiClient(loaded.client.CustomObjectsApi);
    this.server = apiServerOf(loaded.config);
  }

  async readWorkload(kind: "Deployment" | "StatefulSet", namespace: string, name: string, signal: AbortSignal) {
    const workload =
      kind === "Deployment"
        ? await this.call({ verb: "get", resource: "deployments", namespace, name }, signal, () => this.apps.readNamespacedDeployment({ namespace, name }), true)
        : await this.call({ verb: "get", resource: "statefulsets", namespace, name }, signal, () => this.apps.readNamespacedStatefulSet({ namespace, name }), true);
    return (
      workload && {
        replicas: workload.spec?.replicas ?? 1,
        availableReplicas: workload.status?.availableReplicas ?? 0,
        matchLabels: workload.spec?.selector.matchLabels ?? {},
      }
    );
  }

  async listPods(namespace: string, labelSelector: string, signal: AbortSignal): Promise<readonly PodState[]> {
    const pods = await this.call({ verb: "list", resource: "pods", namespace }, signal, () => this.core.listNamespacedPod({ namespace, labelSelector }));
    return pods.items.map(podState);
  }

  async listNodes(labelSelector: string, signal: AbortSignal) {
    const nodes = await this.call({ verb: "list", resource: "nodes" }, signal, () => this.core.listNode({ labelSelector }));
    return nodes.items.map((node) => ({
      name: node.metadata?.name ?? "",
      ready: (node.status?.conditions ?? []).some((condition) => condition.type === "Ready" && condition.status === "True"),
    }));
  }

  async readConfigMap(namespace: string, name: string, signal: AbortSignal) {
    const map = await this.call({ verb: "get", resource: "configmaps", namespace, name }, signal, () => this.core.readNamespacedConfigMap({ namespace, name }), true);
    return map && (map.data ?? {});
  }

  async readNimCache(namespace: string, name: string, signal: AbortSignal): Promise<NimCacheState | undefined> {
    const cache = (await this.call(
      { verb: "get", resource: "nimcaches.apps.nvidia.com", namespace, name },
      signal,
      () => this.objects.getNamespacedCustomObject({ group: nimApiGroup, version: nimApiVersion, namespace, plural: "nimcaches", name }) as Promise<unknown>,
      true,
    )) as { status?: { state?: unknown; conditions?: unknown } } | undefined;
    if (cache === undefined) {
      return undefined;
    }
    const conditions = Array.isArray(cache.status?.conditions) ? (cache.status.conditions as Record<string, unknown>[]) : [];
    return {
      state: typeof cache.status?.state === "string" ? cache.status.state : undefined,
      conditions: conditions.map((condition) => ({
        type: typeof condition.type === "string" ? condition.type : "",
        status: typeof condition.status === "string" ? condition.status : "",
        reason: typeof condition.reason === "string" ? condition.reason : undefined,
        message: typeof condition.message === "string" ? condition.message : undefined,
      })),
    };
  }

  async createPod(namespace: string, pod: ProbePod, signal: AbortSignal): Promise<void> {
    await this.call({ verb: "create", resource: "pods", namespace, name: pod.metadata.name }, signal, () => this.core.createNamespacedPod({ namespace, body: pod }));
  }

  async readPod(namespace: string, name: string, signal: AbortSignal): Promise<PodState | undefined> {
    const pod = await this.call({ verb: "get", resource: "pods", namespace, name }, signal, () => this.core.readNamespacedPod({ namespace, name }), true);
    return pod && podState(pod);
  }

  async deletePod(namespace: string, name: string, signal: AbortSignal): Promise<void> {
    await this.call({ verb: "delete", resource: "pods", namespace, name }, signal, () => this.core.deleteNamespacedPod({ namespace, name, gracePeriodSeconds: 0 }), true);
  }

  /** One call with a timeout; with `notFoundIsAnswer` a 404 gives undefined. */
  private async call<T>(what: ApiCall, signal: AbortSignal, request: () => Promise<T>, notFoundIsAnswer?: false): Promise<T>;
  private async call<T>(what: ApiCall, signal: AbortSignal, request: () => Promise<T>, notFoundIsAnswer: true): Promise<T | undefined>;
  private async call<T>(what: ApiCall, signal: AbortSignal, request: () => Promise<T>, notFoundIsAnswer = false): Promise<T | undefined> {
    const described = `Kubernetes: ${what.verb} ${what.resource}${what.name === undefined ? "" : ` ${what.name}`}${what.namespace === undefined ? " (cluster-wide)" : ` in namespace ${what.namespace}`} (${this.server})`;
    try {
      return await answerWithin(request(), this.timeoutMs, () => new KubernetesUnreachableError(`${described}: no answer within ${this.timeoutMs / 1000} s`), {
        signal,
        error: () => asError(signal.reason),
      });
    } catch (error) {
      if (error instanceof this.loaded.client.ApiException) {
        if (error.code === 404 && notFoundIsAnswer) {
          return undefined;
        }
        if (error.code === 401 || error.code === 403) {
          throw new KubernetesForbiddenError(
            `${described} was refused (HTTP ${error.code}): the verify-platform service account needs ${what.verb} on ${what.resource}${what.namespace === undefined ? " cluster-wide" : ` in ${what.namespace}`}`,
            what.verb,
            what.resource,
          );
        }
        if (error.code === 429 || error.code >= 500) {
          throw new KubernetesUnreachableError(`${described}: HTTP ${error.code}`);
        }
        throw new Error(`${described}: HTTP ${error.code}: ${printableLine(statusMessage(error.body)).slice(0, 300)}`);
      }
      if (error instanceof KubernetesUnreachableError || signal.aborted || error instanceof TypeError || error instanceof RangeError || error instanceof ReferenceError) {
        throw error;
      }
      throw new KubernetesUnreachableError(`${described} failed: ${messageOf(error)}`);
    }
  }
}

interface ApiCall {
  readonly verb: string;
  readonly resource: string;
  /** Undefined for a cluster-scoped resource. */
  readonly namespace?: string;
  readonly name?: string;
}

function podState(pod: k8s.V1Pod): PodState {
  const scheduled = (pod.status?.conditions ?? []).find((condition) => condition.type === "PodScheduled");
  return {
    name: pod.metadata?.name ?? "",
    phase: pod.status?.phase ?? "Unknown",
    unschedulable: scheduled?.status === "False" ? (scheduled.message ?? scheduled.reason ?? "not scheduled") : undefined,
    containers: (pod.status?.containerStatuses ?? []).map((status) => {
      const waiting = status.state?.waiting;
      const terminated = status.state?.terminated ?? status.lastState?.terminated;
      return {
        name: status.name,
        reason: waiting?.reason ?? terminated?.reason,
        // A CrashLoopBackOff's own message only says "back-off"; the last run's says why it ended.
        message: [waiting?.message, terminated?.message].filter((part) => part !== undefined && part !== "").join("; ") || undefined,
      };
    }),
  };
}

/** The `message` of a Kubernetes Status body, or the body as text. */
function statusMessage(body: unknown): string {
  const parsed = typeof body === "string" ? safeJson(body) : body;
  const message = (parsed as { message?: unknown } | undefined)?.message;
  return typeof message === "string" ? message : typeof body === "string" ? body : "";
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
