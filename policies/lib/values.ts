/**
 * Small, total readers for the untyped property bags policies receive. `isRecord` is the render's
 * too (`render/` imports it, for the reason `kubernetes-object.ts` gives): one test of "a JSON
 * object" on both sides of `dist/`.
 */

export type Json = Record<string, unknown>;

/**
 * What the offline render writes in place of a secret value (`render/secret-masking.ts` masks with
 * it): a value the pack cannot read. In a preview the engine hands policies secret values decrypted.
 */
export const secretMarker = "[secret]";

/** True for a non-null object that is not an array: a JSON object, as inputs and manifests hold them. */
export function isRecord(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The value at a dotted path (`operator.image.tag`), or undefined when any step is missing. */
export function valueAt(root: unknown, path: string): unknown {
  return path.split(".").reduce<unknown>((value, key) => (isRecord(value) ? value[key] : undefined), root);
}

/** `value` as an array; anything else (including undefined) is an empty list. */
export function arrayOf<T>(value: readonly T[] | undefined | null): readonly T[] {
  return Array.isArray(value) ? (value as readonly T[]) : [];
}

/** Every `[path, value]` pair of a JSON tree, depth first, with paths like `a.b[0].c`. */
export function* walk(value: unknown, path = ""): Generator<[string, unknown]> {
  yield [path, value];
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      yield* walk(item, `${path}[${i}]`);
    }
  } else if (isRecord(value)) {
    for (const [key, item] of Object.entries(value)) {
      yield* walk(item, path ? `${path}.${key}` : key);
    }
  }
}

/** A quantity or count as a number: 2, "2", "1.5"; anything else is NaN. */
export function numberOf(value: unknown): number {
  if (typeof value === "number") {
    return value;
  }
  return typeof value === "string" && /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : Number.NaN;
}
