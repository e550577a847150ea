import type { PolicyResource, ReportViolation, ResourceValidation, ResourceValidationArgs } from "@pulumi/policy";
import { declaresOneObject, type KubernetesObject } from "./kubernetes-object";
import { isRecord } from "./values";

/** The API group of an apiVersion: `apps` for `apps/v1`, `core` for `v1`. */
export function apiGroup(apiVersion: string): string {
  return apiVersion.includes("/") ? apiVersion.slice(0, apiVersion.indexOf("/")) : "core";
}

/** The Pulumi type token of a Kubernetes kind, e.g. `kubernetes:core/v1:Pod`. */
export function kubernetesType(apiVersion: string, kind: string): string {
  return `kubernetes:${apiVersion.includes("/") ? apiVersion : `core/${apiVersion}`}:${kind}`;
}

/** True when an object is of this kind in this API group (any version). */
export function isKind(object: KubernetesObject, group: string, kind: string): boolean {
  return object.kind === kind && apiGroup(object.apiVersion) === group;
}

/** The object a Pulumi resource stands for, when it stands for exactly one Kubernetes object. */
export function kubernetesObjectOf(type: string, props: Record<string, unknown>): KubernetesObject | undefined {
  if (!declaresOneObject(type)) {
    return undefined;
  }
  const { apiVersion, kind, metadata } = props;
  if (typeof apiVersion !== "string" || typeof kind !== "string") {
    return undefined;
  }
  return { ...props, apiVersion, kind, metadata: isRecord(metadata) ? metadata : {} };
}

/** `Deployment flywheel/api`, or `StorageClass gp3` for a cluster-scoped object. */
export function describeObject(object: KubernetesObject): string {
  const { name = "(unnamed)", namespace } = object.metadata;
  return `${object.kind} ${namespace ? `${namespace}/` : ""}${name}`;
}

/** The namespace an object lives in; objects without one go to the provider's default namespace. */
export function namespaceOf(object: KubernetesObject): string {
  return object.metadata.namespace ?? "default";
}

export type KubernetesObjectValidation = (object: KubernetesObject, args: ResourceValidationArgs, reportViolation: ReportViolation) => void;

/**
 * A resource validation that runs on every Kubernetes object, typed or custom, whatever Pulumi
 * resource declared it: a typed resource, an object of a ConfigGroup (in a preview, a child resource
 * of its own Kubernetes type) or an object of the offline render.
 */
export function validateKubernetesObject(validate: KubernetesObjectValidation): ResourceValidation {
  return (args, reportViolation) => {
    const object = kubernetesObjectOf(args.type, args.props);
    if (object) {
      validate(object, args, reportViolation);
    }
  };
}

/** A stack's Kubernetes objects, each with the resource that declared it. */
export function kubernetesObjectsIn(resources: readonly PolicyResource[]): { object: KubernetesObject; resource: PolicyResource }[] {
  return resources.flatMap((resource) => {
    const object = kubernetesObjectOf(resource.type, resource.props);
    return object ? [{ object, resource }] : [];
  });
}

/** A resource validation for one Pulumi type, with its inputs as `T`. */
export function validateResourceType<T>(
  type: string,
  validate: (props: T, args: ResourceValidationArgs, reportViolation: ReportViolation) => void,
): ResourceValidation {
  return (args, reportViolation) => {
    if (args.type === type) {
      validate(args.props as T, args, reportViolation);
    }
  };
}
