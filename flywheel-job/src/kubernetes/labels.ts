/** Labels of the NIMServices (and their pods) a run creates. */
export const labelKeys = {
  /** The run that created it: what the sweep and the cleanup select by. */
  runId: "data-flywheel.io/run-id",
  workload: "data-flywheel.io/workload",
  /** What the flywheel namespace's NetworkPolicies select candidate NIM pods by (`flywheelPodLabels` in the stack). */
  component: "app.kubernetes.io/component",
  partOf: "app.kubernetes.io/part-of",
  managedBy: "app.kubernetes.io/managed-by",
} as const;

export const candidateNimComponent = "candidate-nim";

/** The full workload and client ids, which a label value may be too short for. */
export const annotationKeys = {
  workload: "data-flywheel.io/workload-id",
  client: "data-flywheel.io/client-id",
  model: "data-flywheel.io/model",
} as const;

/** Text as a label value: at most 63 characters of [A-Za-z0-9._-], starting and ending alphanumeric. */
export function labelValue(text: string): string {
  return text
    .replace(/[^A-Za-z0-9._-]+/g, "-")
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, "");
}

/**
 * Name of the NIMCache that holds a model's weights for one NIM image tag. The stack creates one per
 * candidate model by this rule (infra/platform/flywheel-models.ts uses it), so runs never download
 * weights twice; the tag is part of it because a NIMCache's model puller cannot change, so a new NIM
 * version gets a new cache: `meta/llama-3.2-1b-instruct` at `1.12.0` → `llama-3-2-1b-instruct-1-12-0`.
 */
export function nimCacheName(model: string, tag: string): string {
  return nameFragment(`${model.slice(model.lastIndexOf("/") + 1)}-${tag}`, 63) || "model";
}

/** A lower-case DNS label fragment of `text` (for object names), at most `max` characters. */
export function nameFragment(text: string, max: number): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .slice(0, max)
    .replace(/^-+|-+$/g, "");
}
