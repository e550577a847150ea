/** Reading the fields of parsed JSON (a service's answer, a config file) without trusting its shape. */

/** A JSON object (not an array, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A JSON value as an object, or undefined when it is not one. */
export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return isRecord(value) ? value : undefined;
}

/** The object at a path of a JSON value, or undefined when any step is missing or not an object. */
export function recordAt(value: unknown, ...path: readonly string[]): Record<string, unknown> | undefined {
  let current = asRecord(value);
  for (const key of path) {
    current = asRecord(current?.[key]);
  }
  return current;
}

/** A finite number from a JSON field, or undefined. */
export function numberField(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** A non-empty string from a JSON field, or undefined. */
export function stringField(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/**
 * A JSON value as `String` writes it: a string as it is, a number, boolean or null as written, an
 * array its items' text joined with commas (null items empty), an object "[object Object]".
 */
export function jsonText(value: unknown): string {
  if (Array.isArray(value)) {
    return value.map((item: unknown) => (item === null || item === undefined ? "" : jsonText(item))).join(",");
  }
  return isRecord(value) ? "[object Object]" : String(value);
}
