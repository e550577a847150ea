import { gpuResource, gpuRoleLabel, gpuRoles, gpuTaint, type GpuRole } from "../../flywheel-job/src/contract";
import { numberOf } from "./values";
import type { NodeSelectorRequirement, PodTemplate, Toleration } from "./workloads";

/**
 * Node labels that only GPU nodes carry: the project's role label, and the labels NVIDIA GPU
 * feature discovery, node feature discovery (PCI vendor 10de is NVIDIA) and EKS put on GPU nodes.
 */
export const gpuNodeLabels: readonly string[] = [
  gpuRoleLabel,
  "nvidia.com/gpu.present",
  "nvidia.com/gpu.product",
  "nvidia.com/gpu.count",
  "feature.node.kubernetes.io/pci-10de.present",
  "k8s.amazonaws.com/accelerator",
];

/** GPUs a pod asks for: the sum over its containers (limits, or requests when only those are set). */
export function gpusRequested(pod: PodTemplate): number {
  return pod.containers.reduce((sum, { container }) => {
    const count = numberOf(container.resources?.limits?.[gpuResource] ?? container.resources?.requests?.[gpuResource]);
    return sum + (Number.isNaN(count) ? 0 : count);
  }, 0);
}

/** The toleration that lets a pod onto GPU nodes, if it has one (a key-less `Exists` tolerates every taint). */
export function gpuTolerationOf(pod: PodTemplate): Toleration | undefined {
  return (pod.spec.tolerations ?? []).find((t) => {
    const keyMatches = t.key === gpuTaint.key || (!t.key && t.operator === "Exists");
    const valueMatches = t.operator === "Exists" || t.value === gpuTaint.value;
    const effectMatches = !t.effect || t.effect === gpuTaint.effect;
    return keyMatches && valueMatches && effectMatches;
  });
}

function selectsGpu(requirement: NodeSelectorRequirement): boolean {
  if (!gpuNodeLabels.includes(requirement.key)) {
    return false;
  }
  const values = requirement.values ?? [];
  return (requirement.operator === "In" && !values.every((v) => v === "false")) || requirement.operator === "Exists" || requirement.operator === "Gt";
}

/**
 * How a pod restricts itself to GPU nodes, e.g. `nodeSelector data-flywheel.io/gpu-role=inference`,
 * or undefined when it can run on other nodes too.
 */
export function gpuNodeSelectionOf(pod: PodTemplate): string | undefined {
  const selected = Object.entries(pod.spec.nodeSelector ?? {}).find(([key, value]) => gpuNodeLabels.includes(key) && value !== "false");
  if (selected) {
    return `node selector ${selected[0]}=${selected[1]} (${pod.nodeSelectorSource})`;
  }
  const terms = pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  const requirements = terms.map((term) => (term.matchExpressions ?? []).find(selectsGpu));
  if (terms.length > 0 && requirements.every((r) => r !== undefined)) {
    return `required node affinity on ${requirements[0]?.key}`;
  }
  return undefined;
}

/** The GPU pool roles a pod is pinned to, or an empty list when it does not select a role. */
export function gpuRolesSelected(pod: PodTemplate): GpuRole[] {
  const isRole = (value: string): value is GpuRole => (gpuRoles as readonly string[]).includes(value);
  const fromSelector = pod.spec.nodeSelector?.[gpuRoleLabel];
  if (fromSelector !== undefined) {
    return isRole(fromSelector) ? [fromSelector] : [];
  }
  const terms = pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  const perTerm = terms.map((term) => (term.matchExpressions ?? []).find((r) => r.key === gpuRoleLabel && r.operator === "In"));
  if (terms.length === 0 || perTerm.some((r) => r === undefined)) {
    return [];
  }
  const values = perTerm.flatMap((r) => r?.values ?? []);
  return values.every(isRole) ? [...new Set(values)] : [];
}
