import { fail } from "./errors";

/**
 * Kubernetes resource quantities (`500m`, `2Gi`, `1.5`, `1e3`), read the way the API server reads
 * them (`resource.ParseQuantity`): an optionally signed decimal number, then a binary suffix
 * (`Ki` … `Ei`), a decimal suffix (`n`, `u`, `m`, `k`, `M` … `E`) or an integer decimal exponent.
 */
const quantityPattern = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:([KMGTPE]i|[numkMGTPE])|[eE]([+-]?\d+))?$/;

const suffixFactor: Readonly<Record<string, number>> = {
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
  const [, mantissa, suffix, exponent] = match;
  if (exponent !== undefined) {
    return Number(mantissa) * 10 ** Number(exponent);
  }
  return Number(mantissa) * suffixFactor[suffix ?? ""];
}

/** A positive quantity, e.g. a PVC size or a CPU request. */
export function validateQuantity(owner: string, prop: string, quantity: string): void {
  const value = parseQuantity(quantity);
  if (value === undefined || value <= 0) {
    fail(owner, `${prop} "${quantity}" is not a positive Kubernetes quantity such as 500m, 2 or 4Gi`);
  }
}

/** A memory quantity already validated (`validateComputeResources`), in mebibytes: what NODE_OPTIONS are sized by. */
export function memoryMebibytes(quantity: string): number {
  return (parseQuantity(quantity) ?? 0) / 2 ** 20;
}
