import { renderedDirectory } from "../../../test/support/rendered-stacks";
import { kubernetesType } from "../../lib/kubernetes";
import type { KubernetesObject } from "../../lib/kubernetes-object";
import { loadRenderedStack, type ReviewedResource } from "../../offline/dist";
import type { Violation } from "../../offline/review";
import { reviewResourcesOfStack } from "../../offline/review-stack";

/** A shipped stack, rendered as `npm run render` writes it (the test run's shared render: read-only). */
export interface RenderedForReview {
  readonly stack: string;
  readonly dir: string;
  readonly resources: readonly ReviewedResource[];
}

/** The stack's shared render, loaded as the offline CLI loads it. */
export async function renderForReview(stack: string): Promise<RenderedForReview> {
  const dir = await renderedDirectory(stack);
  return { stack, dir, resources: loadRenderedStack(dir) };
}

/** Every violation the pack reports for these resources, under the stack's environment config. */
export async function violationsOf(rendered: RenderedForReview, resources = rendered.resources): Promise<Violation[]> {
  const { review } = await reviewResourcesOfStack(rendered.stack, resources, rendered.dir);
  return review.violations;
}

/** Mandatory violations, as readable lines (a failing expectation shows them). */
export function mandatoryLines(violations: readonly Violation[]): string[] {
  return violations
    .filter((v) => v.enforcementLevel === "mandatory")
    .map((v) => `${v.policyName} (${v.resource ? `${v.resource.type}: ${v.resource.name}` : "stack"}): ${v.message}`);
}

/**
 * What a break added: mandatory violations of a policy on a resource that the policy did not flag
 * in `baseline`, whatever else the stack is being told today.
 */
export async function addedMandatoryLines(rendered: RenderedForReview, baseline: readonly ReviewedResource[], broken: readonly ReviewedResource[]): Promise<string[]> {
  const subject = (line: string): string => line.slice(0, line.indexOf("): ") + 1);
  const before = new Set(mandatoryLines(await violationsOf(rendered, baseline)).map(subject));
  return mandatoryLines(await violationsOf(rendered, broken)).filter((line) => !before.has(subject(line)));
}

/** A Kubernetes object added to a stack, as if a ConfigGroup declared it. */
export function asReviewed(object: KubernetesObject): ReviewedResource {
  const { name = "", namespace } = object.metadata;
  return { type: kubernetesType(object.apiVersion, object.kind), name: `fixture:${namespace ? `${namespace}/` : ""}${name}`, props: object, source: "test fixture" };
}

/** A copy of the resources with the first one matching `pick` replaced by `change(copy of it)`. */
export function changed(
  resources: readonly ReviewedResource[],
  pick: (r: ReviewedResource) => boolean,
  change: (props: Record<string, unknown>) => void,
): ReviewedResource[] {
  const index = resources.findIndex(pick);
  if (index < 0) {
    throw new Error("no resource matches");
  }
  return resources.map((r, i) => {
    if (i !== index) {
      return r;
    }
    const props = structuredClone(r.props);
    change(props);
    return { ...r, props };
  });
}
