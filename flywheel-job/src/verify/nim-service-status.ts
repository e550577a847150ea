import type { FlywheelEnvironment } from "../config/environment";
import { asError, UsageError } from "../errors";
import { answerWithin, loadKubeconfig } from "../kubernetes/client-node-api";
import { nimApiGroup, nimApiVersion, type NimServiceObject } from "../kubernetes/kubernetes-api";
import { describeFetchError } from "../http/service-client";

/** What the verify Job reads of a serving NIMService: its `status.state`, the only Kubernetes read it makes. */
export interface NimServiceStatusReader {
  /**
   * `{ state }` (`Pending`, `NotReady`, `Ready`, `Failed`; undefined before the operator wrote a status),
   * `{ missing: true }` when there is no such NIMService, or `{ unreadable }` naming why the read failed.
   */
  read(namespace: string, name: string, signal: AbortSignal): Promise<NimServiceState>;
}

export type NimServiceState = { readonly state: string | undefined } | { readonly missing: true } | { readonly unreadable: string };

/** The state a NIMService reports when its pods serve (NIM operator v3, `status.state`). */
export const nimServiceReadyState = "Ready";

/**
 * A NimServiceStatusReader on @kubernetes/client-node, with the configuration `loadKubeconfig` finds
 * (in the verify pod, its service account, which may read the serving namespace's NIMServices and
 * nothing else). Each read is bounded by `timeoutMs`; a failed read is an answer, which the wait retries.
 */
export async function connectNimServiceStatusReader(environment: FlywheelEnvironment, timeoutMs: number): Promise<NimServiceStatusReader> {
  const loaded = await loadKubeconfig(environment);
  if (loaded === undefined) {
    throw new UsageError("no Kubernetes configuration: --in-cluster runs in the verify-serving Job's pod (its service account), or set KUBECONFIG");
  }
  const objects = loaded.config.makeApiClient(loaded.client.CustomObjectsApi);
  const { ApiException } = loaded.client;
  return {
    async read(namespace, name, signal) {
      try {
        const object = await answerWithin(
          objects.getNamespacedCustomObject({ group: nimApiGroup, version: nimApiVersion, namespace, plural: "nimservices", name }) as Promise<NimServiceObject>,
          timeoutMs,
          () => new Error(`no answer within ${timeoutMs / 1000} s`),
          { signal, error: () => asError(signal.reason) },
        );
        return { state: object.status?.state };
      } catch (error) {
        if (signal.aborted) {
          throw signal.reason;
        }
        if (error instanceof ApiException) {
          return error.code === 404 ? { missing: true } : { unreadable: `HTTP ${error.code} reading NIMService ${namespace}/${name}` };
        }
        return { unreadable: describeFetchError(error, timeoutMs) };
      }
    },
  };
}
