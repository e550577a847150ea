import type { ResourceValidationPolicy } from "@pulumi/policy";
import { gpuResource, gpuRoleLabel, gpuRoles, gpuTaint } from "../../flywheel-job/src/contract";
import { gpuRolesSelected, gpuTolerationOf, gpusRequested } from "../lib/gpu";
import { describeObject, validateKubernetesObject } from "../lib/kubernetes";
import { podTemplatesOf } from "../lib/workloads";

/**
 * A pod that asks for a GPU must be able to land on a GPU node (tolerate the taint) and must say
 * which pool it is for, or a NIM can scale up (and squat on) the training pool.
 */
export const gpuWorkloadScheduling: ResourceValidationPolicy = {
  name: "gpu-workload-scheduling",
  description:
    `Pods that request ${gpuResource} tolerate the ${gpuTaint.key}:${gpuTaint.effect} taint and select a GPU pool by ${gpuRoleLabel}. ` +
    "Mandatory: otherwise the pod stays Pending forever or lands on the wrong pool.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps: "Use gpuToleration() and gpuNodeSelector(role) from constructs/scheduling.ts in every GPU pod template, NIMService included.",
  validateResource: validateKubernetesObject((object, _args, reportViolation) => {
    for (const pod of podTemplatesOf(object)) {
      const gpus = gpusRequested(pod);
      if (gpus === 0) {
        continue;
      }
      const what = `${describeObject(object)} requests ${gpus} ${gpuResource}`;
      if (!gpuTolerationOf(pod)) {
        reportViolation(
          `${what} but does not tolerate the ${gpuTaint.key}=${gpuTaint.value}:${gpuTaint.effect} taint of the GPU nodes, so it can never be scheduled (at ${pod.path}.tolerations). ` +
            `Fix: add the toleration { key: "${gpuTaint.key}", operator: "Exists", effect: "${gpuTaint.effect}" } (gpuToleration()).`,
        );
      }
      if (gpuRolesSelected(pod).length === 0) {
        reportViolation(
          `${what} but selects no GPU pool role, so it can land on (and scale up) any GPU pool (at ${pod.nodeSelectorSource}). ` +
            `Fix: set the node selector ${gpuRoleLabel}: ${gpuRoles.join("|")} (gpuNodeSelector(role)).`,
        );
      }
    }
  }),
};
