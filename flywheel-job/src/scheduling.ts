/**
 * The scheduling contract between GPU node pools and the pods that run on them. The cluster side
 * (EKS node groups, or an admin labelling on-prem nodes) and the workload side (NIMs, training pods,
 * the policy pack) all read these names from here so they cannot drift apart.
 */

/** Taint on every GPU node: ordinary pods cannot land on (and keep awake) an expensive GPU node. */
export const gpuTaint = { key: "nvidia.com/gpu", value: "true", effect: "NoSchedule" } as const;

/** The extended resource the NVIDIA device plugin advertises. */
export const gpuResource = "nvidia.com/gpu";

/** Label that says what a GPU pool is for, so NIMs and fine-tuning jobs land on the right pool. */
export const gpuRoleLabel = "data-flywheel.io/gpu-role";

/** Label with the name of the node pool (as declared in the stack config). */
export const nodePoolLabel = "data-flywheel.io/node-pool";

/** What a GPU pool is for. */
export type GpuRole = "inference" | "training";

export const gpuRoles: readonly GpuRole[] = ["inference", "training"];

/** A toleration in the Kubernetes API's shape. */
export interface Toleration {
  readonly key: string;
  readonly operator: "Exists" | "Equal";
  readonly value?: string;
  readonly effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
}

/** The toleration a pod needs to run on a GPU node. */
export function gpuToleration(): Toleration {
  return { key: gpuTaint.key, operator: "Exists", effect: gpuTaint.effect };
}

/** The node selector that pins a pod to the GPU pools of one role. */
export function gpuNodeSelector(role: GpuRole): Record<string, string> {
  return { [gpuRoleLabel]: role };
}
