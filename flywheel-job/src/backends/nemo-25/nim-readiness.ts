import { messageOf } from "../../errors";
import type { ModelEndpoints } from "../../http/model-endpoints";
import type { KubernetesApi, NimServiceObject } from "../../kubernetes/kubernetes-api";
import { type PollSettings, pollUntil } from "../../waits/poll-until";
import { nimPort } from "./candidate-nim-service";

/**
 * Waits until a NIMService is Ready and its endpoint serves `model` in `/v1/models`, and returns the
 * endpoint (`http://host:port`): the one its status reports, else its Service's DNS name. Progress
 * is anything the operator reports (state, replicas, conditions) and what the endpoint answers, so
 * the stall timeout only ends a deployment that stopped moving. A Failed NIMService fails at once.
 */
export async function waitUntilServing(
  api: KubernetesApi,
  probe: ModelEndpoints,
  name: string,
  model: string,
  settings: PollSettings,
  signal: AbortSignal,
): Promise<string> {
  return pollUntil(
    `NIMService ${name} (${model}) becoming ready`,
    async () => {
      const service = await api.getNimService(name, signal);
      if (service === undefined) {
        throw new Error(`NIMService ${name} was deleted while the run waited for it`);
      }
      const status = service.status ?? {};
      const conditions = (status.conditions ?? []).map((c) => `${c.type}=${c.status}${c.reason ? ` (${c.reason})` : ""}`);
      if (status.state === "Failed") {
        const reasons = (status.conditions ?? []).filter((c) => c.message).map((c) => `${c.type}: ${c.message}`);
        throw new Error(`NIMService ${name} failed${reasons.length > 0 ? `: ${reasons.join("; ")}` : ""}`);
      }
      const operator = { state: status.state ?? "unknown", replicas: status.availableReplicas ?? 0, conditions };
      if (status.state !== "Ready") {
        return { done: false, progress: operator, state: `state ${operator.state}${conditions.length > 0 ? `, ${conditions.join(", ")}` : ""}` };
      }
      const endpoint = endpointOf(service, api.namespace);
      const served = await servedModels(probe, endpoint, signal);
      if (Array.isArray(served) && served.includes(model)) {
        return { done: true, value: endpoint };
      }
      if (Array.isArray(served) && served.length > 0) {
        throw new Error(`NIMService ${name} serves ${served.join(", ")} at ${endpoint}, not ${model}: set the candidate's model to the name its NIM serves`);
      }
      return { done: false, progress: { ...operator, serving: served }, state: `Ready, but ${endpoint}/v1/models ${Array.isArray(served) ? "lists no model yet" : `does not answer (${served})`}` };
    },
    settings,
    signal,
  );
}

/**
 * Waits until the NIM at `endpoint` lists `model` (a LoRA adapter appears after the NIM's next look
 * at Entity Store). Progress is the list of models, so only a NIM that stopped changing times out.
 */
export async function waitUntilModelServed(probe: ModelEndpoints, endpoint: string, model: string, settings: PollSettings, signal: AbortSignal): Promise<void> {
  await pollUntil(
    `adapter ${model} appearing in ${endpoint}/v1/models`,
    async () => {
      const served = await servedModels(probe, endpoint, signal);
      if (Array.isArray(served) && served.includes(model)) {
        return { done: true, value: undefined };
      }
      return { done: false, progress: served, state: Array.isArray(served) ? `serving ${served.join(", ") || "nothing"}` : `not answering (${served})` };
    },
    settings,
    signal,
  );
}

/** `http://` + `status.model.clusterEndpoint` (which has no scheme), else the Service the operator names after the NIMService. */
export function endpointOf(service: NimServiceObject, namespace: string): string {
  const reported = service.status?.model?.clusterEndpoint;
  if (reported) {
    return /^https?:\/\//.test(reported) ? reported.replace(/\/+$/, "") : `http://${reported}`;
  }
  return `http://${service.metadata.name}.${service.metadata.namespace ?? namespace}.svc.cluster.local:${nimPort}`;
}

/** The served model ids, or why the endpoint did not answer (a NIM that is starting refuses connections). */
async function servedModels(probe: ModelEndpoints, endpoint: string, signal: AbortSignal): Promise<string[] | string> {
  try {
    return await probe.servedModels(endpoint, signal);
  } catch (error) {
    if (signal.aborted) {
      throw signal.reason;
    }
    return messageOf(error);
  }
}
