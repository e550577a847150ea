import type { PolicyResource } from "@pulumi/policy";

/**
 * The values another resource's input may hold when it refers to `resource` by id or ARN. In a
 * preview a resource's props carry its `id` and `arn` outputs (for a bucket, its name); the offline
 * render (`render/recorder.ts`) gives every resource the id `<name>-id` and an ARN ending in
 * `:<name>`, and records inputs only. A stack policy correlates resources through these.
 */
export function referencesTo(resource: Pick<PolicyResource, "name" | "props">): Set<string> {
  const values = [resource.props.id, resource.props.arn, resource.props.bucket, `${resource.name}-id`].filter((v): v is string => typeof v === "string" && v !== "");
  return new Set(values);
}

/** True when `value` (an input) refers to `resource`: by one of its ids, or an offline-render ARN that ends in its name. */
export function refersTo(value: unknown, resource: Pick<PolicyResource, "name" | "props">): boolean {
  return typeof value === "string" && (referencesTo(resource).has(value) || (value.startsWith("arn:") && value.endsWith(`:${resource.name}`)));
}
