import type { JobState } from "../services";

/**
 * Maps a 25.x job status (Customizer and Evaluator share the vocabulary; documented in upper case,
 * sent in lower case) onto the lifecycle the pipeline waits on. A word this table does not know
 * counts as still pending: the wait's stall timeout ends it if nothing moves, instead of the run
 * failing on the first status a newer service version adds (the blueprint failed on `pending`).
 */
export function jobState(status: unknown): JobState {
  switch (String(status).toLowerCase()) {
    case "running":
    case "cancelling":
      return "running";
    case "completed":
      return "completed";
    case "failed":
    case "error":
      return "failed";
    case "cancelled":
    case "canceled":
      return "cancelled";
    default:
      return "pending";
  }
}

/** A finite number from a JSON field, or undefined. */
export function numberField(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** A non-empty string from a JSON field, or undefined. */
export function stringField(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** A JSON value as an object, or undefined when it is not one. */
export function asObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** The object at a path of a JSON value, or undefined when any step is missing or not an object. */
export function objectAt(value: unknown, ...path: readonly string[]): Record<string, unknown> | undefined {
  let current = asObject(value);
  for (const key of path) {
    current = asObject(current?.[key]);
  }
  return current;
}
