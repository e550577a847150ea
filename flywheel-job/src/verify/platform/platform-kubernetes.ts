import type * as k8s from "@kubernetes/client-node" with { "resolution-mode": "import" };
import { TransientError, UsageError } from "../../errors";
import type { KubernetesPermission } from "../../kubernetes/permissions";
import type { PlatformCheckResult } from "./platform-verify-contract";

/**
 * What the Kubernetes checks of `verify platform` read and do, and nothing more: the client-node
 * implementation (client-node-platform-kubernetes.ts) makes exactly these calls, which
 * `verifyPlatformPermissions` grants. Every method rejects with KubernetesUnreachableError when the
 * API server does not answer and with KubernetesForbiddenError on a 401/403.
 */
export interface PlatformKubernetes {
  /** An operator's Deployment or StatefulSet; undefined when there is none. */
  readWorkload(kind: "Deployment" | "StatefulSet", namespace: string, name: string, signal: AbortSignal): Promise<DeploymentState | undefined>;
  listPods(namespace: string, labelSelector: string, signal: AbortSignal): Promise<readonly PodState[]>;
  listNodes(labelSelector: string, signal: AbortSignal): Promise<readonly NodeState[]>;
  /** The ConfigMap's data, or undefined when there is none. */
  readConfigMap(namespace: string, name: string, signal: AbortSignal): Promise<Readonly<Record<string, string>> | undefined>;
  /** Undefined when there is no such NIMCache. */
  readNimCache(namespace: string, name: string, signal: AbortSignal): Promise<NimCacheState | undefined>;
  createPod(namespace: string, pod: ProbePod, signal: AbortSignal): Promise<void>;
  /** Undefined when the pod is gone. */
  readPod(namespace: string, name: string, signal: AbortSignal): Promise<PodState | undefined>;
  /** Deletes the pod now (grace period 0); a pod already gone is no error. */
  deletePod(namespace: string, name: string, signal: AbortSignal): Promise<void>;
}

export interface DeploymentState {
  readonly replicas: number;
  readonly availableReplicas: number;
  /** `spec.selector.matchLabels`, to find its pods. */
  readonly matchLabels: Readonly<Record<string, string>>;
}

export interface PodState {
  readonly name: string;
  /** `Pending`, `Running`, `Succeeded`, `Failed`, `Unknown`. */
  readonly phase: string;
  /** Why it is not scheduled: the message of its `PodScheduled` condition when that is False. */
  readonly unschedulable?: string;
  /** Each container's waiting or terminated state: its reason and message, e.g. CrashLoopBackOff with the last run's message. */
  readonly containers: readonly { readonly name: string; readonly reason?: string; readonly message?: string }[];
}

export interface NodeState {
  readonly name: string;
  readonly ready: boolean;
}

export interface NimCacheState {
  /** `status.state`: `Ready`, `InProgress`, `Failed`, ...; undefined before the operator wrote one. */
  readonly state: string | undefined;
  readonly conditions: readonly { readonly type: string; readonly status: string; readonly reason?: string; readonly message?: string }[];
}

/** The `--probe-gpu` pod: a Pod whose name and labels are set. */
export type ProbePod = k8s.V1Pod & { readonly metadata: k8s.V1ObjectMeta & { readonly name: string; readonly labels: Readonly<Record<string, string>> } };

/** The API server did not answer (or answered 5xx/429): the verification could not run, and may be retried. */
export class KubernetesUnreachableError extends TransientError {}

/** The verify pod's identity may not make this call: its ClusterRole lacks `verb` on `resource`. */
export class KubernetesForbiddenError extends UsageError {
  constructor(
    message: string,
    readonly verb: string,
    readonly resource: string,
  ) {
    super(message);
  }
}

/**
 * The failed line of a check whose call met an unreachable or refusing API server; any other error
 * is the group's own fault and is thrown on (the runner names the group).
 */
export function kubernetesFailure(check: string, target: string, error: unknown): PlatformCheckResult {
  if (error instanceof KubernetesForbiddenError) {
    return { check, target, outcome: "fail", detail: error.message, troubleshooting: "kubernetes-forbidden" };
  }
  if (error instanceof KubernetesUnreachableError) {
    return { check, target, outcome: "fail", detail: error.message, troubleshooting: "kubernetes-unreachable" };
  }
  throw error;
}

/** Where the Cluster Autoscaler writes its status: its chart's default name, in the namespace infra/aws/cluster-autoscaler.ts installs it in. */
export const clusterAutoscalerStatus = { namespace: "kube-system", configMap: "cluster-autoscaler-status" } as const;

/** One permission of the verify Job, with where the stack grants it. */
export interface VerifyPlatformPermission extends KubernetesPermission {
  /**
   * Granted in this namespace only (a Role there): `gpuProbe.namespace` stands for the
   * configuration's probe namespace; undefined is cluster-wide (the read-only ClusterRole).
   */
  readonly namespace?: "gpuProbe.namespace" | typeof clusterAutoscalerStatus.namespace;
  /** Granted on these objects only. */
  readonly resourceNames?: readonly string[];
}

/**
 * Every call `verify platform` makes to the Kubernetes API: reads across the cluster (operators'
 * Deployments and pods, nodes, NIMCaches), the autoscaler's status ConfigMap, and — the only
 * writes — the `--probe-gpu` pods, which the stack grants in the probe namespace alone.
 */
export const verifyPlatformPermissions: readonly VerifyPlatformPermission[] = [
  { apiGroup: "apps", resource: "deployments", verbs: ["get"] },
  { apiGroup: "apps", resource: "statefulsets", verbs: ["get"] },
  { apiGroup: "", resource: "pods", verbs: ["list"] },
  { apiGroup: "", resource: "nodes", verbs: ["list"] },
  { apiGroup: "apps.nvidia.com", resource: "nimcaches", verbs: ["get"] },
  { apiGroup: "", resource: "configmaps", verbs: ["get"], namespace: clusterAutoscalerStatus.namespace, resourceNames: [clusterAutoscalerStatus.configMap] },
  { apiGroup: "", resource: "pods", verbs: ["create", "get", "delete"], namespace: "gpuProbe.namespace" },
];
