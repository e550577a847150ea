import type { ResourceValidationPolicy } from "@pulumi/policy";
import { policyConfig } from "../lib/config";
import { describeObject, validateKubernetesObject } from "../lib/kubernetes";
import { podTemplatesOf, type ResourceRequirements } from "../lib/workloads";

export interface ContainerResourcesConfig {
  /** Require a CPU limit too (some teams leave CPU unlimited to avoid throttling). */
  readonly requireCpuLimit: boolean;
}

export const containerResourcesDefaults: ContainerResourcesConfig = { requireCpuLimit: true };

function missingResources(resources: ResourceRequirements | undefined, requireCpuLimit: boolean): string[] {
  const missing: string[] = [];
  const has = (list: "requests" | "limits", resource: string): boolean => {
    const value = resources?.[list]?.[resource];
    return value !== undefined && value !== "" && value !== null;
  };
  for (const resource of ["cpu", "memory"]) {
    if (!has("requests", resource)) {
      missing.push(`${resource} request`);
    }
    if ((resource === "memory" || requireCpuLimit) && !has("limits", resource)) {
      missing.push(`${resource} limit`);
    }
  }
  return missing;
}

/**
 * Requests let the scheduler and the autoscaler size nodes; limits keep one container from starving
 * its neighbours (a NIM and the database it shares a node with, say).
 */
export const containerResources: ResourceValidationPolicy = {
  name: "container-resources",
  description:
    "Every container the stack runs (NIM operator resources included) sets CPU and memory requests and limits (config requireCpuLimit). " +
    "Mandatory: without them the autoscaler cannot size nodes and one container can starve a node.",
  enforcementLevel: "mandatory",
  severity: "medium",
  remediationSteps: "Set resources.requests and resources.limits for cpu and memory on every container (spec.resources.cpu/memory on a NIMCache).",
  configSchema: {
    properties: {
      requireCpuLimit: {
        type: "boolean",
        default: containerResourcesDefaults.requireCpuLimit,
        description: "Require a CPU limit as well as a CPU request.",
      },
    },
  },
  validateResource: validateKubernetesObject((object, args, reportViolation) => {
    const { requireCpuLimit } = policyConfig(args, containerResourcesDefaults);
    for (const pod of podTemplatesOf(object)) {
      for (const { name, init, container, fields } of pod.containers) {
        const missing = missingResources(container.resources, requireCpuLimit);
        if (missing.length > 0) {
          reportViolation(
            `${describeObject(object)}: ${init ? "init container" : "container"} "${name}" sets no ${missing.join(", ")} (at ${fields.resources}). ` +
              "Fix: set requests and limits for cpu and memory.",
          );
        }
      }
    }
  }),
};
