import { k8s } from "cdk8s-plus-28";
import { fail } from "./errors";
import { parseQuantity, validateQuantity } from "./quantities";

/** CPU and memory as Kubernetes quantities, e.g. `{ cpu: "500m", memory: "1Gi" }`. */
export interface CpuMemory {
  readonly cpu: string;
  readonly memory: string;
}

/** Requests and limits of a container; both are required so every pod is sized and bounded. */
export interface ComputeResources {
  readonly requests: CpuMemory;
  readonly limits: CpuMemory;
}

/** Every quantity well-formed and positive, and no request above its limit. */
export function validateComputeResources(owner: string, prop: string, resources: ComputeResources): void {
  for (const kind of ["cpu", "memory"] as const) {
    validateQuantity(owner, `${prop}.requests.${kind}`, resources.requests[kind]);
    validateQuantity(owner, `${prop}.limits.${kind}`, resources.limits[kind]);
    const request = parseQuantity(resources.requests[kind]) ?? 0;
    const limit = parseQuantity(resources.limits[kind]) ?? 0;
    if (request > limit) {
      fail(owner, `${prop}.requests.${kind} (${resources.requests[kind]}) exceeds ${prop}.limits.${kind} (${resources.limits[kind]})`);
    }
  }
}

/**
 * Converts plain quantity strings into the quantity class a generated CRD type expects (each CRD
 * type has its own, e.g. `NemoDatastoreSpecResourcesLimits.fromString`).
 */
export function toQuantities<Q>(values: CpuMemory, fromString: (value: string) => Q): Record<string, Q> {
  return { cpu: fromString(values.cpu), memory: fromString(values.memory) };
}

/** A container's resources in the Kubernetes API's shape. */
export function resourceRequirements(resources: ComputeResources): k8s.ResourceRequirements {
  return {
    requests: toQuantities(resources.requests, (value) => k8s.Quantity.fromString(value)),
    limits: toQuantities(resources.limits, (value) => k8s.Quantity.fromString(value)),
  };
}
