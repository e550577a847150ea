import { isRecord } from "../policies/lib/values";

/**
 * Resource URNs as the Pulumi engine computes them, and two renders matched by them.
 *
 * A URN is `urn:pulumi:<stack>::<project>::<type path>::<name>`, where the type path is the types
 * of the resource's ancestors and its own joined by `$`, the root stack left out. `pulumi up`
 * finds a resource's old state by its URN, then by its aliases' URNs in turn: a resource keeps its
 * state, however its parents change, as long as one of them is the URN it had. The alias rules
 * here are the engine's (`pkg/resource/deploy/step_generator.go`: `collapseAliasToUrn`,
 * `inheritedChildAlias`, `generateAliases`), which the Node.js SDK mirrors in `allAliases`.
 */

export const rootStackType = "pulumi:pulumi:Stack";

/** What every URN of a stack starts with. */
export function urnPrefix(stack: string, project: string): string {
  return `urn:pulumi:${stack}::${project}::`;
}

export interface ParsedUrn {
  /** `urn:pulumi:<stack>::<project>::` */
  readonly prefix: string;
  /** The type path: ancestors' types and the resource's own, joined by `$`. */
  readonly qualifiedType: string;
  /** The resource's own type: the last of the type path. */
  readonly type: string;
  readonly name: string;
}

export function parseUrn(urn: string): ParsedUrn {
  const parts = urn.split("::");
  if (!urn.startsWith("urn:pulumi:") || parts.length < 4) {
    throw new Error(`not a URN: ${urn}`);
  }
  const qualifiedType = parts[2];
  return { prefix: `${parts.slice(0, 2).join("::")}::`, qualifiedType, type: qualifiedType.split("$").pop() ?? qualifiedType, name: parts.slice(3).join("::") };
}

/**
 * The URN of a resource named `name` of type `type` under `parent` (a URN; none, or the root
 * stack's, for a top-level resource): the engine's `CreateURN`, and the URN it gives a new resource.
 */
export function createUrn(name: string, type: string, parent: string | undefined, stack: string, project: string): string {
  if (parent && parseUrn(parent).qualifiedType !== rootStackType) {
    return `${parent.slice(0, parent.lastIndexOf("::"))}$${type}::${name}`;
  }
  return `${urnPrefix(stack, project)}${type}::${name}`;
}

/**
 * A resource's alias as the SDK sends it to the engine: an old URN, or the parts of it that differ
 * from the resource's own. The SDK fills in `parentUrn` with the resource's parent when the alias
 * names none; `noParent` is an alias with `parent: undefined`, a top-level resource.
 */
export type AliasSpec =
  | { readonly urn: string }
  | { readonly name?: string; readonly type?: string; readonly parentUrn?: string; readonly noParent?: boolean; readonly stack?: string; readonly project?: string };

/** A resource of the program, as its aliases are resolved against it. */
export interface DeclaredResource {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  /** The parent's URN; none, or the root stack's, for a top-level resource. */
  readonly parentUrn?: string;
}

export interface AliasContext {
  readonly stack: string;
  readonly project: string;
  /** The alias URNs already computed for a resource of the program, by its URN; none for any other URN. */
  aliasesOf(urn: string): readonly string[];
}

/** The engine's `inheritedChildAlias`: a child's URN under an old URN of its parent, renamed with it when its name starts with the parent's. */
function inheritedChildAlias(childType: string, childName: string, parentName: string, parentAlias: string, context: AliasContext): string {
  const old = parseUrn(parentAlias);
  const name = childName.startsWith(parentName) ? old.name + childName.slice(parentName.length) : childName;
  return `${urnPrefix(context.stack, context.project)}${old.qualifiedType}$${childType}::${name}`;
}

/** The engine's `collapseAliasToUrn`, with the alias's parent taken to be `parent`. */
function collapse(spec: AliasSpec, resource: DeclaredResource, parent: string | undefined, context: AliasContext): string {
  if ("urn" in spec) {
    return spec.urn;
  }
  return createUrn(spec.name || resource.name, spec.type || resource.type, spec.noParent ? undefined : parent, spec.stack || context.stack, spec.project || context.project);
}

/**
 * Every old URN `pulumi up` may find the resource's state under, besides its own, in the order it
 * tries them: its own aliases, then those it inherits from its parent's, at every depth (the
 * parent's own list already holds what the parent inherited).
 *
 * The engine resolves a child's aliases against the one old URN its parent actually matched. A
 * program does not know which that is, so this takes each URN the parent could have matched: the
 * list is what the engine could try, and a resource matches the same old URN through it as through
 * the engine unless an old stack holds resources under two of the parent's old URNs.
 */
export function aliasUrns(resource: DeclaredResource, specs: readonly AliasSpec[], context: AliasContext): string[] {
  const found = new Set<string>();
  const collapsed = specs.map((spec) => collapse(spec, resource, "urn" in spec ? undefined : spec.parentUrn, context));
  specs.forEach((spec, i) => {
    found.add(collapsed[i]);
    // An alias's parent that itself moved is looked up under the old URN it matched.
    if (!("urn" in spec) && spec.parentUrn && !spec.noParent) {
      context.aliasesOf(spec.parentUrn).forEach((parentAlias) => found.add(collapse(spec, resource, parentAlias, context)));
    }
  });
  if (resource.parentUrn) {
    const parentName = parseUrn(resource.parentUrn).name;
    for (const parentAlias of context.aliasesOf(resource.parentUrn)) {
      found.add(inheritedChildAlias(resource.type, resource.name, parentName, parentAlias, context));
      for (const alias of collapsed) {
        const { type, name } = parseUrn(alias);
        found.add(inheritedChildAlias(type, name, parentName, parentAlias, context));
      }
    }
  }
  found.delete(resource.urn);
  return [...found];
}

/** A resource as a render's `resources.json` lists it; renders from before URNs were recorded lack `urn`, `custom` and `options.aliasUrns`. */
export interface RenderedResource {
  readonly type: string;
  readonly name: string;
  /** `<type>::<name>` of the parent, or null for a top-level resource. */
  readonly parent: string | null;
  readonly urn?: string;
  readonly custom?: boolean;
  readonly remote?: boolean;
  readonly inputs?: unknown;
  readonly options?: { readonly aliasUrns?: readonly string[]; readonly [option: string]: unknown };
}

/** A resource of a comparison: who it is and where. */
export interface ResourceRef {
  readonly type: string;
  readonly name: string;
  readonly parent: string | null;
  readonly urn: string;
}

/** One resource in both renders whose URN or parent changed. */
export interface Move {
  readonly before: ResourceRef;
  readonly after: ResourceRef;
  /** True when the resource kept its state through an alias, false when its URN did not change. */
  readonly byAlias: boolean;
  /** True for a component: it holds no state of its own. */
  readonly component: boolean;
}

export interface ResourceChange {
  /** `replaced`: removed and added again under another URN, with the same type and name and no alias between them. */
  readonly kind: "added" | "removed" | "replaced" | "changed";
  /** The resource after, or before for a removed one. */
  readonly resource: ResourceRef;
  /** What differs, one line per path, for a changed or replaced resource. */
  readonly paths: readonly string[];
  readonly component: boolean;
}

export interface ResourceComparison {
  /** Resources kept, with a new URN or parent: not a difference. */
  readonly moved: readonly Move[];
  /** Additions, removals and changes of components: no state of their own, not a difference. */
  readonly componentTree: readonly ResourceChange[];
  /** What `pulumi up` would create, delete, replace or update. */
  readonly changes: readonly ResourceChange[];
  /** What would make `pulumi up` fail: two resources claiming one old URN. */
  readonly errors: readonly string[];
  readonly notes: readonly string[];
  /** Resources compared: those in both renders once, the others each once. */
  readonly entries: number;
}

const placeholderPrefix = urnPrefix("stack", "project");

function keyOf(resource: { type: string; name: string }): string {
  return `${resource.type}::${resource.name}`;
}

function describe(resource: { type: string; name: string }): string {
  return `${resource.type} ${resource.name}`;
}

/** The prefix of a render's recorded URNs, when it recorded them. */
function recordedPrefix(resources: readonly RenderedResource[]): string | undefined {
  const urn = resources.find((r) => r.urn)?.urn;
  return urn === undefined ? undefined : parseUrn(urn).prefix;
}

/** Each resource's URN: recorded, or computed from its parents' types for a render without URNs. */
function urnsOf(resources: readonly RenderedResource[], prefix: string): string[] {
  const byKey = new Map<string, RenderedResource[]>();
  resources.forEach((r) => byKey.set(keyOf(r), [...(byKey.get(keyOf(r)) ?? []), r]));
  const typePath = (resource: RenderedResource, seen: readonly string[]): string => {
    if (resource.parent === null) {
      return resource.type;
    }
    const parents = byKey.get(resource.parent) ?? [];
    if (parents.length !== 1 || seen.includes(resource.parent)) {
      const why = parents.length === 0 ? "is not in the render" : parents.length > 1 ? "names more than one resource" : "is its own ancestor";
      throw new Error(`cannot compute the URN of ${describe(resource)}: its parent ${resource.parent} ${why}`);
    }
    return `${typePath(parents[0], [...seen, resource.parent])}$${resource.type}`;
  };
  return resources.map((r) => r.urn ?? `${prefix}${typePath(r, [])}::${r.name}`);
}

function refOf(resource: RenderedResource, urn: string): ResourceRef {
  return { type: resource.type, name: resource.name, parent: resource.parent, urn };
}

/** What is compared of a resource kept in both renders: not who it is or where (that is the move), nor its aliases. */
function comparable(resource: RenderedResource, kinds: boolean): Record<string, unknown> {
  const { aliasUrns: _aliasUrns, ...options } = resource.options ?? {};
  return {
    inputs: resource.inputs ?? {},
    ...(Object.keys(options).length > 0 ? { options } : {}),
    ...(kinds ? { custom: resource.custom, remote: resource.remote === true } : {}),
  };
}

/** The paths at which two JSON values differ, e.g. `inputs.spec.replicas: 1 → 2`. */
export function differences(a: unknown, b: unknown, at = ""): string[] {
  if (a !== null && b !== null && typeof a === "object" && typeof b === "object" && Array.isArray(a) === Array.isArray(b)) {
    const left = a as Record<string, unknown>;
    const right = b as Record<string, unknown>;
    const keys = new Set([...Object.keys(left), ...Object.keys(right)]);
    return [...keys].sort().flatMap((key) => differences(left[key], right[key], at ? `${at}.${key}` : key));
  }
  return canonical(a) === canonical(b) ? [] : [`${at || "(value)"}: ${brief(a)} → ${brief(b)}`];
}

function canonical(value: unknown): string | undefined {
  return JSON.stringify(value, (_key, v: unknown) => (isRecord(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]])) : v));
}

function brief(value: unknown): string {
  const text = value === undefined ? "(absent)" : (canonical(value) ?? "(absent)");
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/**
 * Matches the resources of two renders as `pulumi up` would match the program's resources (after)
 * with a stack's state (before): by URN, then by the first alias URN that is an old URN. What is in
 * both is compared; what moved with its URN kept, and what happened to components only, are listed
 * apart from the differences. A render without recorded URNs gets them computed from its parents.
 */
export function compareResources(before: readonly RenderedResource[], after: readonly RenderedResource[]): ResourceComparison {
  const notes: string[] = [];
  const afterPrefix = recordedPrefix(after);
  const beforePrefix = recordedPrefix(before);
  const prefix = afterPrefix ?? beforePrefix ?? placeholderPrefix;
  const rebase = (urn: string) => (beforePrefix && beforePrefix !== prefix && urn.startsWith(beforePrefix) ? prefix + urn.slice(beforePrefix.length) : urn);
  if (beforePrefix && beforePrefix !== prefix) {
    notes.push(`before's URNs start ${beforePrefix}, after's ${prefix}: compared without their stack and project`);
  }
  const oldUrns = urnsOf(before, prefix).map(rebase);
  const newUrns = urnsOf(after, prefix);

  // Whether a type is a custom resource, for a render that did not record it: as the other render says.
  const kinds = new Map<string, { custom: boolean; remote: boolean }>();
  [...after, ...before].forEach((r) => r.custom !== undefined && !kinds.has(r.type) && kinds.set(r.type, { custom: r.custom, remote: r.remote === true }));
  const isComponent = (r: RenderedResource) => {
    const kind = r.custom === undefined ? kinds.get(r.type) : { custom: r.custom, remote: r.remote === true };
    return kind !== undefined && !kind.custom && !kind.remote;
  };

  const errors: string[] = [];
  const indexByUrn = (urns: readonly string[], resources: readonly RenderedResource[], render: string) => {
    const index = new Map<string, number>();
    urns.forEach((urn, i) => {
      const other = index.get(urn);
      if (other !== undefined) {
        errors.push(`${render}: ${describe(resources[other])} and ${describe(resources[i])} have the same URN ${urn}`);
      } else {
        index.set(urn, i);
      }
    });
    return index;
  };
  const oldByUrn = indexByUrn(oldUrns, before, "before");
  const newByUrn = indexByUrn(newUrns, after, "after");

  // The engine takes the resources in the program's order; errors aside, the order changes nothing.
  const order = after.map((_, i) => i).sort((a, b) => newUrns[a].localeCompare(newUrns[b]));
  const matched = new Map<number, { old: number; byAlias: boolean }>();
  const claimedBy = new Map<number, number>();
  const refused = new Set<number>();
  for (const i of order) {
    const own = oldByUrn.get(newUrns[i]);
    if (own !== undefined) {
      matched.set(i, { old: own, byAlias: false });
      claimedBy.set(own, i);
      continue;
    }
    const alias = (after[i].options?.aliasUrns ?? []).find((urn) => oldByUrn.has(urn));
    if (alias === undefined) {
      continue;
    }
    const old = oldByUrn.get(alias) as number;
    const owner = newByUrn.get(alias);
    const other = owner ?? claimedBy.get(old);
    if (other !== undefined) {
      errors.push(`${describe(after[i])} claims the old URN ${alias} by alias, but ${describe(after[other])} ${owner !== undefined ? "has that URN" : "claims it too"}`);
      refused.add(i);
      continue;
    }
    matched.set(i, { old, byAlias: true });
    claimedBy.set(old, i);
  }

  const moved: Move[] = [];
  const componentTree: ResourceChange[] = [];
  const changes: ResourceChange[] = [];
  const report = (change: ResourceChange) => (change.component ? componentTree : changes).push(change);
  for (const [i, { old, byAlias }] of matched) {
    const [a, b] = [before[old], after[i]];
    const component = isComponent(a) && isComponent(b);
    const [from, to] = [refOf(a, oldUrns[old]), refOf(b, newUrns[i])];
    if (byAlias || a.parent !== b.parent) {
      moved.push({ before: from, after: to, byAlias, component });
    }
    const bothRecordKinds = a.custom !== undefined && b.custom !== undefined;
    const paths = differences(comparable(a, bothRecordKinds), comparable(b, bothRecordKinds));
    if (paths.length > 0) {
      report({ kind: "changed", resource: to, paths, component });
    }
  }

  // Removed and added again under another URN with nothing to tie them: `pulumi up` replaces it.
  const removed = before.map((_, i) => i).filter((i) => !claimedBy.has(i));
  const added = order.filter((i) => !matched.has(i) && !refused.has(i));
  const removedByKey = new Map<string, number[]>();
  removed.forEach((i) => removedByKey.set(keyOf(before[i]), [...(removedByKey.get(keyOf(before[i])) ?? []), i]));
  const replaced = new Set<number>();
  for (const i of added) {
    const old = removedByKey.get(keyOf(after[i]))?.shift();
    if (old === undefined) {
      report({ kind: "added", resource: refOf(after[i], newUrns[i]), paths: [], component: isComponent(after[i]) });
      continue;
    }
    replaced.add(old);
    const paths = [
      `urn: ${oldUrns[old]} → ${newUrns[i]}`,
      ...differences({ parent: before[old].parent }, { parent: after[i].parent }),
      ...differences(comparable(before[old], false), comparable(after[i], false)),
    ];
    report({ kind: "replaced", resource: refOf(after[i], newUrns[i]), paths, component: isComponent(before[old]) && isComponent(after[i]) });
  }
  removed
    .filter((i) => !replaced.has(i))
    .forEach((i) => report({ kind: "removed", resource: refOf(before[i], oldUrns[i]), paths: [], component: isComponent(before[i]) }));

  const byResource = (x: { resource: ResourceRef }, y: { resource: ResourceRef }) => describe(x.resource).localeCompare(describe(y.resource)) || x.resource.urn.localeCompare(y.resource.urn);
  return {
    moved: moved.sort((x, y) => byResource({ resource: x.after }, { resource: y.after })),
    componentTree: componentTree.sort(byResource),
    changes: changes.sort(byResource),
    errors,
    notes,
    entries: before.length + after.length - matched.size - replaced.size,
  };
}
