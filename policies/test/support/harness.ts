import type { PolicyResource, ResourceValidationArgs, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { kubernetesType, type KubernetesObject } from "../../lib/kubernetes";

/** A resource as a test declares it: a Pulumi type, inputs and a name. */
export interface TestResource {
  readonly type: string;
  readonly props: Record<string, unknown>;
  readonly name?: string;
}

const options = {
  protect: false,
  ignoreChanges: [],
  aliases: [],
  customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
  additionalSecretOutputs: [],
};

const urnOf = (r: TestResource): string => `urn:pulumi:test::data-flywheel::${r.type}::${r.name ?? "test"}`;

/** A Kubernetes object as the resource a preview would hand the pack. */
export function kubernetesResource(object: KubernetesObject): TestResource {
  return { type: kubernetesType(object.apiVersion, object.kind), props: object, name: object.metadata.name };
}

/** What a resource policy reports for one resource, under the given policy settings. */
export async function resourceViolations(policy: ResourceValidationPolicy, resource: TestResource, config: object = {}): Promise<string[]> {
  const violations: string[] = [];
  const args: ResourceValidationArgs = {
    type: resource.type,
    props: resource.props,
    urn: urnOf(resource),
    name: resource.name ?? "test",
    opts: options,
    stackTags: new Map(),
    isType: () => false,
    asType: () => undefined,
    getConfig: <T extends object>() => config as T,
    notApplicable: (reason?: string) => {
      throw new Error(`not applicable: ${reason}`);
    },
  };
  for (const validate of [policy.validateResource ?? []].flat()) {
    await validate(args, (message) => violations.push(message));
  }
  return violations;
}

/** What a resource policy reports for a Kubernetes object. */
export function objectViolations(policy: ResourceValidationPolicy, object: KubernetesObject, config: object = {}): Promise<string[]> {
  return resourceViolations(policy, kubernetesResource(object), config);
}

/** What a stack policy reports for a stack of these resources, with the URN each message names. */
export async function stackViolations(
  policy: StackValidationPolicy,
  resources: readonly TestResource[],
  config: object = {},
): Promise<{ message: string; resource?: string }[]> {
  const violations: { message: string; resource?: string }[] = [];
  const policyResources: PolicyResource[] = resources.map((r) => ({
    type: r.type,
    props: r.props,
    urn: urnOf(r),
    name: r.name ?? "test",
    opts: options,
    dependencies: [],
    propertyDependencies: {},
    isType: () => false,
    asType: () => undefined,
  }));
  await policy.validateStack(
    {
      resources: policyResources,
      stackTags: new Map(),
      getConfig: <T extends object>() => config as T,
      notApplicable: (reason?: string) => {
        throw new Error(`not applicable: ${reason}`);
      },
    },
    (message, urn) => violations.push({ message, ...(urn ? { resource: urn.split("::").pop() } : {}) }),
  );
  return violations;
}

/**
 * A deep copy of `value` with the field at `path` (`spec.containers.0.image`) set to `replacement`,
 * or removed when `replacement` is undefined. Fixtures stay untouched.
 */
export function edit<T>(value: T, path: string, replacement: unknown): T {
  const copy = structuredClone(value);
  const keys = path.split(".");
  let target: unknown = copy;
  keys.slice(0, -1).forEach((key, i) => {
    const container = target as Record<string, unknown>;
    if (container[key] === undefined) {
      container[key] = /^\d+$/.test(keys[i + 1]) ? [] : {};
    }
    target = container[key];
  });
  const last = keys[keys.length - 1];
  const container = target as Record<string, unknown>;
  if (replacement === undefined) {
    if (Array.isArray(container)) {
      container.splice(Number(last), 1);
    } else {
      delete container[last];
    }
  } else {
    container[last] = replacement;
  }
  return copy;
}
