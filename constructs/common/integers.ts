import { fail } from "./errors";

/** An integer within [min, max]. */
export function validateInteger(owner: string, prop: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `between ${min} and ${max}`;
    fail(owner, `${prop} must be an integer ${range}, got ${value}`);
  }
}
