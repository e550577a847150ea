import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { renderStack } from "../../../render/render-stack";
import { writeRendered } from "../../../render/write";
import { kubernetesType, type KubernetesObject } from "../../lib/kubernetes";
import { loadRenderedStack, type ReviewedResource } from "../../offline/dist";
import type { Violation } from "../../offline/review";
import { reviewResourcesOfStack } from "../../offline/review-stack";

/** A shipped stack, rendered live into a temporary directory as `npm run render` writes it. */
export interface RenderedForReview {
  readonly stack: string;
  readonly dir: string;
  readonly resources: readonly ReviewedResource[];
}

/** Renders a stack (once per test file: Pulumi's runtime state is global) and loads it as the CLI does. */
export async function renderForReview(stack: string): Promise<RenderedForReview> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `policy-${stack}-`));
  writeRendered(await renderStack(stack), dir);
  return { stack, dir, resources: loadRenderedStack(dir) };
}

/** Deletes the render's temporary directory. */
export function removeRender(rendered: RenderedForReview | undefined): void {
  if (rendered) {
    fs.rmSync(rendered.dir, { recursive: true, force: true });
  }
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
