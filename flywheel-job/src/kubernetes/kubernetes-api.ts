/**
 * The Kubernetes objects a run touches, as far as it reads them, and the calls it makes: the
 * candidates' NIMServices (create, read, list by label, delete), the NIMCaches they serve from, and
 * Jobs (to tell whether the run that created a NIMService still runs). Everything else of the
 * Kubernetes client stays behind this interface.
 */

export const nimApiGroup = "apps.nvidia.com";
export const nimApiVersion = "v1alpha1";

export interface OwnerReference {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly uid: string;
  readonly controller?: boolean;
  readonly blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  readonly name: string;
  readonly namespace?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly ownerReferences?: readonly OwnerReference[];
}

export interface Condition {
  readonly type: string;
  readonly status: string;
  readonly reason?: string;
  readonly message?: string;
}

export interface NimServiceStatus {
  /** `Pending`, `NotReady`, `Ready` or `Failed` (NIM operator v3). */
  readonly state?: string;
  readonly availableReplicas?: number;
  readonly conditions?: readonly Condition[];
  readonly model?: {
    readonly name?: string;
    /** `host:port` of the NIM's Service, without a scheme. */
    readonly clusterEndpoint?: string;
  };
}

export interface NimServiceObject {
  readonly apiVersion: string;
  readonly kind: "NIMService";
  readonly metadata: ObjectMeta;
  readonly spec: Readonly<Record<string, unknown>>;
  readonly status?: NimServiceStatus;
}

/** What a run needs to know of a Job. */
export interface JobInfo {
  readonly uid: string;
  /** Completed, failed, or being deleted: it runs no longer. */
  readonly finished: boolean;
}

export interface KubernetesApi {
  /** Namespace of the run's NIMServices (and of its Job and the NIMCaches). */
  readonly namespace: string;
  createNimService(object: NimServiceObject, signal: AbortSignal): Promise<NimServiceObject>;
  getNimService(name: string, signal: AbortSignal): Promise<NimServiceObject | undefined>;
  listNimServices(labelSelector: string, signal: AbortSignal): Promise<NimServiceObject[]>;
  /** False when it was already gone. */
  deleteNimService(name: string, signal: AbortSignal): Promise<boolean>;
  /** The NIMCache's `status.state`, or undefined when there is no such NIMCache. */
  nimCacheState(name: string, signal: AbortSignal): Promise<{ readonly state: string | undefined } | undefined>;
  getJob(name: string, signal: AbortSignal): Promise<JobInfo | undefined>;
}
