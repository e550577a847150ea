import { configGroupObjects, configGroupType, declaresOneObject, type KubernetesObject } from "../policies/lib/kubernetes-object";
import { isRecord } from "../policies/lib/values";
import type { RecordedResource } from "./recorder";

/** What the render agrees to write: the pack reads an object without metadata as unnamed, the render refuses it. */
function isKubernetesObject(value: unknown): value is KubernetesObject {
  return isRecord(value) && typeof value.apiVersion === "string" && typeof value.kind === "string" && isRecord(value.metadata);
}

/** What a resource declares for manifests/: a ConfigGroup its objects, a one-object resource its inputs, anything else nothing. */
function declaredObjects(resource: RecordedResource): unknown[] {
  if (resource.type === configGroupType) {
    return configGroupObjects(resource.inputs);
  }
  return declaresOneObject(resource.type) ? [resource.inputs] : [];
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
    for (const candidate of declaredObjects(resource)) {
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
