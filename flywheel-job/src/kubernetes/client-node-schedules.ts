import type * as k8s from "@kubernetes/client-node" with { "resolution-mode": "import" };
import { flywheelScheduleContract } from "../api/flywheel-api-service";
import type { FlywheelEnvironment } from "../config/environment";
import { messageOf } from "../errors";
import { answerWithin, apiServerOf, describeApiCall, type LoadedKubeconfig, loadKubeconfig } from "./client-node-api";
import { annotationKeys, labelKeys } from "./labels";
import { type CreatedJob, ScheduleApiError, type WorkloadSchedule, type WorkloadSchedules } from "./workload-schedules";

/** How long one call to the API server may take before it counts as unanswered. @default 10 s */
const defaultTimeoutMs = 10_000;

/**
 * The flywheel CronJobs of the cluster the environment configures (as `flywheel run` finds it), or
 * undefined when there is no cluster configuration at all: then the API serves the run records only.
 */
export async function connectWorkloadSchedules(environment: FlywheelEnvironment, timeoutMs = defaultTimeoutMs): Promise<WorkloadSchedules | undefined> {
  const loaded = await loadKubeconfig(environment);
  return loaded && new ClientNodeWorkloadSchedules(loaded, timeoutMs);
}

/** WorkloadSchedules on @kubernetes/client-node: one attempt per call (the HTTP client retries a POST /api/jobs, not this). */
class ClientNodeWorkloadSchedules implements WorkloadSchedules {
  readonly namespace: string;
  private readonly batch: k8s.BatchV1Api;
  private readonly server: string;

  constructor(
    private readonly loaded: LoadedKubeconfig,
    private readonly timeoutMs: number,
  ) {
    this.namespace = loaded.namespace;
    this.batch = loaded.config.makeApiClient(loaded.client.BatchV1Api);
    this.server = apiServerOf(loaded.config);
  }

  async list(signal: AbortSignal): Promise<WorkloadSchedule[]> {
    const labelSelector = `${labelKeys.component}=${flywheelScheduleContract.component}`;
    const list = await this.call(`list CronJobs (${labelSelector})`, signal, () => this.batch.listNamespacedCronJob({ namespace: this.namespace, labelSelector }));
    return list.items.flatMap((cronJob) => {
      const annotations = cronJob.metadata?.annotations ?? {};
      const workloadId = annotations[annotationKeys.workload];
      const clientId = annotations[annotationKeys.client];
      return workloadId === undefined || clientId === undefined ? [] : [{ workloadId, clientId, cronJob }];
    });
  }

  async createJob(job: k8s.V1Job, signal: AbortSignal): Promise<CreatedJob> {
    const created = await this.call(`create Job ${job.metadata?.name ?? ""}`, signal, () => this.batch.createNamespacedJob({ namespace: this.namespace, body: job }));
    return { name: created.metadata?.name ?? "", uid: created.metadata?.uid ?? "" };
  }

  private async call<T>(action: string, signal: AbortSignal, request: () => Promise<T>): Promise<T> {
    const what = describeApiCall(action, this.namespace, this.server);
    try {
      return await answerWithin(request(), this.timeoutMs, () => new ScheduleApiError(`${what}: no answer within ${this.timeoutMs / 1000} s`, "unavailable"), {
        signal,
        error: () => new ScheduleApiError(`${what}: abandoned (${String(signal.reason)})`, "unavailable"),
      });
    } catch (error) {
      if (error instanceof ScheduleApiError) {
        throw error;
      }
      if (error instanceof this.loaded.client.ApiException) {
        const code = error.code;
        const kind = code === 429 || code >= 500 ? "unavailable" : "refused";
        throw new ScheduleApiError(`${what}: HTTP ${code}: ${statusMessage(error.body)}`, kind, code);
      }
      throw new ScheduleApiError(`${what}: ${messageOf(error)}`, "unavailable");
    }
  }
}

/** The `message` of a Kubernetes Status body, bounded. */
function statusMessage(body: unknown): string {
  let parsed = body;
  if (typeof body === "string") {
    try {
      parsed = JSON.parse(body) as unknown;
    } catch {
      return body.slice(0, 300);
    }
  }
  const message = (parsed as { message?: unknown } | undefined)?.message;
  return typeof message === "string" ? message.slice(0, 300) : "";
}
