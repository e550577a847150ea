import type { ResourceValidationPolicy } from "@pulumi/policy";
import { gpuRoleLabel, gpuRoles, gpuTaint } from "../../flywheel-job/src/contract";
import { eksTaintEffect } from "../../infra/aws/autoscaler-tags";
import { validateResourceType } from "../lib/kubernetes";

interface NodeGroupInputs {
  readonly nodeGroupName?: string;
  readonly amiType?: string;
  readonly instanceTypes?: readonly string[];
  readonly labels?: Readonly<Record<string, string>>;
  readonly taints?: readonly { readonly key: string; readonly value?: string; readonly effect: string }[];
}

/** EC2 families with NVIDIA GPUs: g4dn, g5, g6, g6e, gr6, p4d, p5… */
const gpuInstanceFamily = /^(g\d|gr\d|p\d)[a-z]*\./;

function isGpuPool(group: NodeGroupInputs): boolean {
  return (
    (group.amiType ?? "").includes("NVIDIA") ||
    (group.instanceTypes ?? []).some((t) => gpuInstanceFamily.test(t)) ||
    group.labels?.[gpuRoleLabel] !== undefined
  );
}

const taintEffect = eksTaintEffect(gpuTaint.effect);

/**
 * A GPU node pool without the GPU taint lets any pod land on (and keep awake) a node that costs
 * dollars per hour; without the role label NIMs and fine-tuning jobs cannot pick their pool.
 */
export const gpuNodePoolTainted: ResourceValidationPolicy = {
  name: "gpu-node-pool-tainted",
  description:
    `GPU node pools carry the ${gpuTaint.key}=${gpuTaint.value}:${gpuTaint.effect} taint and a ${gpuRoleLabel} label. ` +
    "Mandatory: an untainted GPU pool is flooded by ordinary pods and never scales down.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps: `Declare GPU pools with GpuNodePool (infra/aws/gpu-node-pool.ts), which sets the taint and the ${gpuRoleLabel} label from constructs/scheduling.ts.`,
  validateResource: validateResourceType<NodeGroupInputs>("aws:eks/nodeGroup:NodeGroup", (group, args, reportViolation) => {
    if (!isGpuPool(group)) {
      return;
    }
    const name = `GPU node group "${group.nodeGroupName ?? args.name}" (${(group.instanceTypes ?? []).join(", ") || group.amiType})`;
    const tainted = (group.taints ?? []).some((t) => t.key === gpuTaint.key && t.effect === taintEffect);
    if (!tainted) {
      reportViolation(
        `${name} has no ${gpuTaint.key} ${taintEffect} taint: any pod can be scheduled on its nodes and keep them from scaling down. ` +
          `Fix: add the taint { key: "${gpuTaint.key}", value: "${gpuTaint.value}", effect: "${taintEffect}" }.`,
      );
    }
    const role = group.labels?.[gpuRoleLabel];
    if (role === undefined || !(gpuRoles as readonly string[]).includes(role)) {
      reportViolation(
        `${name} has ${role === undefined ? "no" : `an unknown (${role})`} ${gpuRoleLabel} label: NIMs and fine-tuning jobs select their pool by it. ` +
          `Fix: label the group ${gpuRoleLabel}=${gpuRoles.join("|")}.`,
      );
    }
  }),
};
