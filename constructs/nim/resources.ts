import { fail } from "./validation";

/** CPU and memory as Kubernetes quantities, e.g. `{ cpu: "500m", memory: "1Gi" }`. */
export interface CpuMemory {
  readonly cpu: string;
  readonly memory: string;
}

/** Access modes of a PersistentVolumeClaim. */
export type PersistentVolumeAccessMode = "ReadWriteOnce" | "ReadWriteMany" | "ReadWriteOncePod" | "ReadOnlyMany";

/** Requests and limits of a container; both are required so every pod is sized and bounded. */
export interface ComputeResources {
  readonly requests: CpuMemory;
  readonly limits: CpuMemory;
}

const quantityPattern = /^[+]?((\d+(\.\d*)?)|(\.\d+))([eE][+-]?\d+|[numkMGTPE]|[KMGTPE]i)?$/;

const suffixFactor: Record<string, number> = {
  n: 1e-9, u: 1e-6, m: 1e-3, "": 1,
  k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** The value of a Kubernetes quantity as a number (for comparisons), or undefined if malformed. */
export function parseQuantity(quantity: string): number | undefined {
  const match = quantityPattern.exec(quantity);
  if (!match) {
    return undefined;
  }
  const suffix = match[5] ?? "";
  const mantissa = Number(match[1]);
  if (/^[eE]/.test(suffix)) {
    return mantissa * 10 ** Number(suffix.slice(1));
  }
  return mantissa * suffixFactor[suffix];
}

/** A positive quantity, e.g. a PVC size or a shared-memory limit. */
export function validateQuantity(owner: string, prop: string, quantity: string): void {
  const value = parseQuantity(quantity);
  if (value === undefined || value <= 0) {
    fail(owner, `${prop} "${quantity}" is not a positive Kubernetes quantity such as 500m, 2 or 4Gi`);
  }
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
