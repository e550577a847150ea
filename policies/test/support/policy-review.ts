import type { Policy, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { configurePolicies } from "../../offline/config";
import type { ReviewedResource } from "../../offline/dist";
import { reviewResources, type Violation } from "../../offline/review";
import type { KubernetesObject } from "../../lib/kubernetes-object";
import { kubernetesResource, type TestResource } from "./fixtures";

/**
 * What one policy reports for these resources, through the pack's own runner (`reviewResources`,
 * which `npm run policy` uses): settings are applied as a pack config file applies them, over the
 * policy's schema defaults, and a setting the schema refuses fails the test.
 */
async function review(policy: Policy, resources: readonly TestResource[], settings: Record<string, unknown>): Promise<Violation[]> {
  const configured = configurePolicies([policy], { [policy.name]: settings }, "the test's settings");
  const reviewed = resources.map((r): ReviewedResource => ({ type: r.type, name: r.name ?? "test", props: r.props, source: "test fixture" }));
  const { violations } = await reviewResources(reviewed, configured, "test", "data-flywheel");
  return violations;
}

/** What a resource policy reports for one resource, under the given policy settings. */
export async function resourceViolations(policy: ResourceValidationPolicy, resource: TestResource, settings: Record<string, unknown> = {}): Promise<string[]> {
  return (await review(policy, [resource], settings)).map((v) => v.message);
}

/** What a resource policy reports for a Kubernetes object. */
export function objectViolations(policy: ResourceValidationPolicy, object: KubernetesObject, settings: Record<string, unknown> = {}): Promise<string[]> {
  return resourceViolations(policy, kubernetesResource(object), settings);
}

/** What a stack policy reports for a stack of these resources, with the name of the resource each message names. */
export async function stackViolations(
  policy: StackValidationPolicy,
  resources: readonly TestResource[],
  settings: Record<string, unknown> = {},
): Promise<{ message: string; resource?: string }[]> {
  return (await review(policy, resources, settings)).map((v) => ({ message: v.message, ...(v.resource ? { resource: v.resource.name } : {}) }));
}
