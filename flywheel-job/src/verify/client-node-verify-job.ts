import type * as k8s from "@kubernetes/client-node" with { "resolution-mode": "import" };
import type { FlywheelEnvironment } from "../config/environment";
import { asError, messageOf, TransientError, UsageError } from "../errors";
import { answerWithin, apiServerOf, describeApiCall, type LoadedKubeconfig, loadKubeconfig } from "../kubernetes/client-node-api";
import type { JobState, VerifyJobApi } from "./verify-job";

/** The label Kubernetes puts on a Job's pods with the Job's name. */
const jobNameLabel = "batch.kubernetes.io/job-name";

/**
 * VerifyJobApi on @kubernetes/client-node, in the namespace `loadKubeconfig` resolves
 * (FLYWHEEL_NAMESPACE, else the kubeconfig context's): one attempt per call, each bounded by `timeoutMs`.
 */
export async function connectVerifyJobApi(environment: FlywheelEnvironment, timeoutMs: number): Promise<VerifyJobApi> {
  const loaded = await loadKubeconfig(environment);
  if (loaded === undefined) {
    throw new UsageError("no Kubernetes configuration: set KUBECONFIG (or create ~/.kube/config) for the stack's cluster, and FLYWHEEL_NAMESPACE to its flywheel namespace");
  }
  return new ClientNodeVerifyJobApi(loaded, timeoutMs);
}

class ClientNodeVerifyJobApi implements VerifyJobApi {
  readonly namespace: string;
  private readonly batch: k8s.BatchV1Api;
  private readonly core: k8s.CoreV1Api;
  private readonly server: string;

  constructor(
    private readonly loaded: LoadedKubeconfig,
    private readonly timeoutMs: number,
  ) {
    this.namespace = loaded.namespace;
    this.batch = loaded.config.makeApiClient(loaded.client.BatchV1Api);
    this.core = loaded.config.makeApiClient(loaded.client.CoreV1Api);
    this.server = apiServerOf(loaded.config);
  }

  readCronJob(name: string, signal: AbortSignal): Promise<k8s.V1CronJob | undefined> {
    return this.call(`read CronJob ${name}`, signal, () => this.batch.readNamespacedCronJob({ name, namespace: this.namespace }), true);
  }

  async createJob(job: k8s.V1Job, signal: AbortSignal): Promise<void> {
    await this.call(`create Job ${job.metadata?.name ?? ""}`, signal, () => this.batch.createNamespacedJob({ namespace: this.namespace, body: job }));
  }

  async jobState(name: string, signal: AbortSignal): Promise<JobState> {
    const job = await this.call(`read Job ${name}`, signal, () => this.batch.readNamespacedJob({ name, namespace: this.namespace }));
    const conditions = (job.status?.conditions ?? []).filter((condition) => condition.status === "True");
    if (conditions.some((condition) => condition.type === "Failed")) {
      return "failed";
    }
    return conditions.some((condition) => condition.type === "Complete") ? "complete" : "running";
  }

  async podLog(jobName: string, limitBytes: number, signal: AbortSignal): Promise<string | undefined> {
    const labelSelector = `${jobNameLabel}=${jobName}`;
    const pods = await this.call(`list pods (${labelSelector})`, signal, () => this.core.listNamespacedPod({ namespace: this.namespace, labelSelector }));
    const newest = [...pods.items].sort((a, b) => (b.metadata?.creationTimestamp?.getTime() ?? 0) - (a.metadata?.creationTimestamp?.getTime() ?? 0))[0];
    const podName = newest?.metadata?.name;
    if (podName === undefined) {
      return undefined;
    }
    return this.call(`read the log of pod ${podName}`, signal, () => this.core.readNamespacedPodLog({ name: podName, namespace: this.namespace, limitBytes }), true);
  }

  /** One call with a timeout; with `notFoundIsAnswer` a 404 gives undefined. A 401/403 names the permission. */
  private async call<T>(action: string, signal: AbortSignal, request: () => Promise<T>, notFoundIsAnswer?: false): Promise<T>;
  private async call<T>(action: string, signal: AbortSignal, request: () => Promise<T>, notFoundIsAnswer: true): Promise<T | undefined>;
  private async call<T>(action: string, signal: AbortSignal, request: () => Promise<T>, notFoundIsAnswer = false): Promise<T | undefined> {
    const what = describeApiCall(action, this.namespace, this.server);
    try {
      return await answerWithin(request(), this.timeoutMs, () => new TransientError(`${what}: no answer within ${this.timeoutMs / 1000} s`), { signal, error: () => asError(signal.reason) });
    } catch (error) {
      if (error instanceof this.loaded.client.ApiException) {
        if (error.code === 404 && notFoundIsAnswer) {
          return undefined;
        }
        if (error.code === 401 || error.code === 403) {
          throw new UsageError(`${what} was refused (HTTP ${error.code}): the kubeconfig's identity needs get on cronjobs, create and get on jobs, list on pods and get on pods/log there`);
        }
        const failure = `${what}: HTTP ${error.code}`;
        throw error.code === 429 || error.code >= 500 ? new TransientError(failure) : new UsageError(failure);
      }
      if (error instanceof TransientError || signal.aborted) {
        throw error;
      }
      throw new TransientError(`${what} failed: ${messageOf(error)}`);
    }
  }
}
