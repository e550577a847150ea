import type { RecordedResource } from "./recorder";

/** A Kubernetes object as the API server would receive it. */
export interface KubernetesObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name?: string; readonly namespace?: string; readonly [key: string]: unknown };
  readonly [key: string]: unknown;
}

/** Resource types that stand for a group of objects the render cannot see inside. */
const opaqueTypes = new Set([
  "kubernetes:helm.sh/v3:Release",
  "kubernetes:helm.sh/v4:Chart",
  "kubernetes:yaml/v2:ConfigFile",
  "kubernetes:kustomize/v2:Directory",
]);

function isKubernetesObject(value: unknown): value is KubernetesObject {
  if (!value || typeof value !== "object") {
    return false;
  }
  const o = value as Record<string, unknown>;
  return typeof o.apiVersion === "string" && typeof o.kind === "string" && typeof o.metadata === "object" && o.metadata !== null;
}

/**
 * Every Kubernetes object the stack would apply: typed resources and custom resources as their
 * inputs, and the objects of each ConfigGroup (the cdk8s charts). Helm releases and remote YAML
 * (ConfigGroup `files`, such as operator CRDs from their release URLs) are opaque here: they are
 * checked by their inputs instead.
 */
export function kubernetesObjects(resources: readonly RecordedResource[]): KubernetesObject[] {
  const objects: KubernetesObject[] = [];
  for (const resource of resources) {
    if (!resource.type.startsWith("kubernetes:") || opaqueTypes.has(resource.type) || resource.type.startsWith("pulumi:providers:")) {
      continue;
    }
    const candidates = resource.type === "kubernetes:yaml/v2:ConfigGroup" ? [resource.inputs.objs ?? []].flat(2) : [resource.inputs];
    for (const candidate of candidates) {
      if (!isKubernetesObject(candidate)) {
        throw new Error(`${resource.type} "${resource.name}" does not describe a Kubernetes object (apiVersion, kind and metadata)`);
      }
      if (!candidate.metadata.name) {
        throw new Error(`${candidate.kind} from ${resource.type} "${resource.name}" has no metadata.name; name every object explicitly`);
      }
      objects.push(candidate);
    }
  }
  return objects;
}

/** A stable file name for an object: `<namespace|cluster>.<kind>.<name>.yaml`. */
export function manifestFileName(object: KubernetesObject): string {
  const scope = object.metadata.namespace ?? "cluster";
  return `${scope}.${object.kind}.${object.metadata.name}.yaml`.toLowerCase().replace(/[^a-z0-9._-]/g, "_");
}
