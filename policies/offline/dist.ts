import * as fs from "node:fs";
import * as path from "node:path";
import { parseAllDocuments } from "yaml";
import { kubernetesObjectOf, kubernetesType } from "../lib/kubernetes";
import { configGroupObjects, configGroupType, type KubernetesObject } from "../lib/kubernetes-object";
import { isRecord } from "../lib/values";

/** A resource as the pack sees it, from an offline render. */
export interface ReviewedResource {
  /** Pulumi type token, e.g. `aws:eks/nodeGroup:NodeGroup` or `kubernetes:apps/v1:Deployment`. */
  readonly type: string;
  /** Pulumi resource name, as a preview would show it. */
  readonly name: string;
  readonly props: Record<string, unknown>;
  /** `<type>::<name>` of the parent, when there is one. */
  readonly parent?: string;
  /** Where it was read from, relative to the render directory. */
  readonly source: string;
}

/** A render directory that cannot be reviewed; the message says what to do. */
export class RenderedStackError extends Error {}

interface RecordedResource {
  readonly type: string;
  readonly name: string;
  readonly parent: string | null;
  readonly inputs: Record<string, unknown>;
}

/** A value read from a render as the Kubernetes object of its own kind, when it has an apiVersion and a kind. */
function asKubernetesObject(value: unknown): KubernetesObject | undefined {
  return isRecord(value) && typeof value.apiVersion === "string" && typeof value.kind === "string" ? kubernetesObjectOf(kubernetesType(value.apiVersion, value.kind), value) : undefined;
}

function objectKey(object: KubernetesObject): string {
  return [object.apiVersion, object.kind, object.metadata.namespace ?? "", object.metadata.name ?? ""].join("|");
}

/** JSON with sorted keys: equal for two objects with the same content. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    isRecord(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]])) : v,
  );
}

function readResources(file: string): RecordedResource[] {
  if (!fs.existsSync(file)) {
    throw new RenderedStackError(`${file} does not exist: render the stack first (npm run render -- <stack>), or leave out --no-render`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (error) {
    throw new RenderedStackError(`${file} is not valid JSON (${(error as Error).message}): render the stack again`);
  }
  if (!Array.isArray(parsed)) {
    throw new RenderedStackError(`${file} must hold an array of resources`);
  }
  return parsed.map((r: unknown, i) => {
    if (!isRecord(r) || typeof r.type !== "string" || typeof r.name !== "string" || !isRecord(r.inputs)) {
      throw new RenderedStackError(`${file}: entry ${i} is not a resource ({ type, name, parent, inputs })`);
    }
    return { type: r.type, name: r.name, parent: typeof r.parent === "string" ? r.parent : null, inputs: r.inputs };
  });
}

function readManifests(dir: string): { object: KubernetesObject; source: string }[] {
  if (!fs.existsSync(dir)) {
    return [];
  }
  return fs
    .readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .flatMap((file) => {
      const source = `manifests/${file}`;
      return parseAllDocuments(fs.readFileSync(path.join(dir, file), "utf8")).flatMap((document, i) => {
        if (document.errors.length > 0) {
          throw new RenderedStackError(`${source}: ${document.errors[0].message}`);
        }
        const value: unknown = document.toJS();
        if (value === null || value === undefined) {
          return [];
        }
        const object = asKubernetesObject(value);
        if (!object) {
          throw new RenderedStackError(`${source}: document ${i + 1} is not a Kubernetes object (apiVersion, kind, metadata)`);
        }
        return [{ object, source }];
      });
    });
}

/** A Kubernetes object resources.json declares, and the name a preview would give it. */
interface DeclaredObject {
  readonly object: KubernetesObject;
  readonly name: string;
  readonly parent?: string;
}

/**
 * The resources of a rendered stack (`dist/<stack>/`), as a preview would hand them to the pack:
 * everything in resources.json by its type and inputs, and every Kubernetes object by its own
 * Kubernetes type, named as Pulumi names it (a ConfigGroup's objects `<group>:<namespace>/<name>`).
 * A typed Kubernetes resource and a ConfigGroup's object appear in both files: it is reviewed once
 * when the two agree, and in both versions when someone edited one of them by hand.
 */
export function loadRenderedStack(dir: string): ReviewedResource[] {
  const resources = readResources(path.join(dir, "resources.json"));
  const declared = new Map<string, DeclaredObject>();
  const reviewed: ReviewedResource[] = [];
  for (const resource of resources) {
    const typed = kubernetesObjectOf(resource.type, resource.inputs);
    if (typed) {
      declared.set(objectKey(typed), { object: typed, name: resource.name, ...(resource.parent ? { parent: resource.parent } : {}) });
      continue;
    }
    reviewed.push({ type: resource.type, name: resource.name, props: resource.inputs, source: "resources.json", ...(resource.parent ? { parent: resource.parent } : {}) });
    if (resource.type !== configGroupType) {
      continue;
    }
    const prefix = typeof resource.inputs.resourcePrefix === "string" ? resource.inputs.resourcePrefix : resource.name;
    for (const candidate of configGroupObjects(resource.inputs)) {
      const object = asKubernetesObject(candidate);
      if (object) {
        const { name = "", namespace } = object.metadata;
        declared.set(objectKey(object), { object, name: `${prefix}:${namespace ? `${namespace}/` : ""}${name}`, parent: `${resource.type}::${resource.name}` });
      }
    }
  }
  const asResource = (object: KubernetesObject, name: string, source: string, parent?: string): ReviewedResource => ({
    type: kubernetesType(object.apiVersion, object.kind),
    name,
    props: object,
    source,
    ...(parent ? { parent } : {}),
  });
  const seen = new Set<string>();
  for (const { object, source } of readManifests(path.join(dir, "manifests"))) {
    const key = objectKey(object);
    const twin = declared.get(key);
    seen.add(key);
    if (!twin) {
      const { name = "", namespace } = object.metadata;
      reviewed.push(asResource(object, `${namespace ? `${namespace}/` : ""}${name}`, source));
      continue;
    }
    reviewed.push(asResource(object, twin.name, source, twin.parent));
    if (canonical(twin.object) !== canonical(object)) {
      reviewed.push(asResource(twin.object, twin.name, "resources.json", twin.parent));
    }
  }
  for (const [key, twin] of declared) {
    if (!seen.has(key)) {
      reviewed.push(asResource(twin.object, twin.name, "resources.json", twin.parent));
    }
  }
  return reviewed;
}
