import type { RecordedResource } from "../../render/recorder";

/** Resources of one type. */
export function ofType(resources: readonly RecordedResource[], type: string): RecordedResource[] {
  return resources.filter((r) => r.type === type);
}

/** The one resource of a type and name; fails the test when it is missing. */
export function named(resources: readonly RecordedResource[], type: string, name: string): RecordedResource {
  const found = resources.find((r) => r.type === type && r.name === name);
  if (!found) {
    throw new Error(`no ${type} named ${name}; have: ${ofType(resources, type).map((r) => r.name).join(", ")}`);
  }
  return found;
}

/** A nested input, e.g. `input(r, "vpcConfig", "endpointPublicAccess")`. */
export function input(resource: RecordedResource, ...path: string[]): unknown {
  return path.reduce<unknown>((value, key) => (value && typeof value === "object" ? (value as Record<string, unknown>)[key] : undefined), resource.inputs);
}
