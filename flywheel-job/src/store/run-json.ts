import type { RunDetails } from "./run-store";

/** A value as JSON can hold it. */
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };
export type JsonObject = { readonly [key: string]: JsonValue };

/**
 * The JSON form of the run records, which `flywheel runs show --json` prints:
 * every field as the store holds it (README, "Run records"), times as ISO-8601 strings (UTC, with
 * milliseconds), numbers that are not finite as null, and the keys in one fixed order — `id` first,
 * then alphabetical — so the same records print the same text from either store.
 */
export function recordJson(record: object): JsonObject {
  return toJson(record) as JsonObject;
}

/** `runs show --json`: the run and the records of its parts, each collection under its own name. */
export function runDetailsJson(details: RunDetails): JsonObject {
  return {
    run: recordJson(details.run),
    nims: details.nims.map(recordJson),
    evaluations: details.evaluations.map(recordJson),
    customizations: details.customizations.map(recordJson),
    llm_judge_runs: details.judgeRuns.map(recordJson),
  };
}

function toJson(value: unknown): JsonValue {
  if (value instanceof Date) {
    return value.toISOString();
  }
  if (Array.isArray(value)) {
    return value.map(toJson);
  }
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value).filter(([, field]) => field !== undefined);
    entries.sort(([a], [b]) => (a === "id" ? -1 : b === "id" ? 1 : a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries.map(([key, field]) => [key, toJson(field)]));
  }
  if (typeof value === "number") {
    return Number.isFinite(value) ? value : null;
  }
  if (typeof value === "string" || typeof value === "boolean" || value === null) {
    return value;
  }
  return null;
}
