/**
 * The Kubernetes side of the `dist/<stack>/` contract, shared by its producer and its consumer: the
 * render (`render/manifests.ts`) writes every Kubernetes object a stack would apply to
 * `manifests/`, and the pack reads them back offline (`offline/dist.ts`) or receives them from the
 * engine in a preview. Both agree here on what a Kubernetes object is and on which Pulumi resources
 * declare one.
 *
 * It lives in the pack, not in `render/`, because the pack is the side that cannot import freely:
 * `pulumi preview --policy-pack policies` starts run-policy-pack in `policies/` (its own workspace),
 * which loads `index.ts` with ts-node and `policies/tsconfig.json`, and `pulumi policy publish`
 * uploads this directory alone, so every import from outside it is one more file to bundle before
 * publishing, and `render/` sits next to the Pulumi program, which the pack must never load. The
 * root render and its tests are type-checked and transpiled with `policies/` included, so they
 * import this file as it is. It imports nothing: no Pulumi SDK, nothing of the stack.
 */

/** An object's metadata: what the render names files by and what policies read. */
export interface ObjectMeta {
  readonly name?: string;
  readonly namespace?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  /** The rest of the metadata (owner references, finalizers…), as the object carries it. */
  readonly [field: string]: unknown;
}

/** A Kubernetes object as the API server would receive it. */
export interface KubernetesObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: ObjectMeta;
  readonly [field: string]: unknown;
}

/** The Pulumi type of a cdk8s chart applied through Pulumi: its objects are its `objs` input. */
export const configGroupType = "kubernetes:yaml/v2:ConfigGroup";

/**
 * Pulumi types in the `kubernetes` package that stand for a group of objects, not one. In a
 * preview, their objects are registered as child resources of their own Kubernetes types. The
 * render writes a ConfigGroup's `objs` to `manifests/`; it cannot see inside the others (Helm
 * charts, remote YAML, kustomizations), which are reviewed by their inputs.
 */
const objectGroupTypes: ReadonlySet<string> = new Set([
  configGroupType,
  "kubernetes:yaml/v2:ConfigFile",
  "kubernetes:helm.sh/v3:Release",
  "kubernetes:helm.sh/v4:Chart",
  "kubernetes:kustomize/v2:Directory",
]);

/** True when a resource of this Pulumi type declares exactly one Kubernetes object: its inputs. */
export function declaresOneObject(type: string): boolean {
  return type.startsWith("kubernetes:") && !objectGroupTypes.has(type);
}

/** The objects a ConfigGroup's inputs declare (`objs`: an object, or lists of them), not yet checked. */
export function configGroupObjects(inputs: Readonly<Record<string, unknown>>): unknown[] {
  return [inputs.objs ?? []].flat(2);
}
