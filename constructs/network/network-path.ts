/**
 * One allowed network path, caller → callee on some ports: the rows `NamespaceNetworkPolicies` turns
 * into NetworkPolicies. An end is either a set of pods (a namespace and a selector) or a set of
 * addresses (CIDRs: the VPC, a configured range, any address).
 */

/** A label selector requirement, as Kubernetes writes it. */
export interface SelectorRequirement {
  readonly key: string;
  readonly operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
  /** Values for `In` and `NotIn`; none for `Exists` and `DoesNotExist`. */
  readonly values?: readonly string[];
}

/** Pods by labels; at least one label or requirement (an empty selector would match every pod). */
export interface PodSelector {
  /** @default none */
  readonly matchLabels?: Readonly<Record<string, string>>;
  /** @default none */
  readonly matchExpressions?: readonly SelectorRequirement[];
}

/** Pods of one namespace: the pods a selector matches, or `"all"` of them. */
export interface PodSet {
  readonly kind: "pods";
  /** Short name of the set, unique in the table; policy names are built from it. */
  readonly name: string;
  readonly namespace: string;
  readonly selector: PodSelector | "all";
  /**
   * Where the selected labels come from: this project's code, or, for pods a chart or an operator
   * creates, the chart's values file and line or the documentation URL.
   */
  readonly labelSource: string;
  /** Whether `labelSource` shows the labels (false: the README lists the path as "verify on a cluster"). */
  readonly verified: boolean;
}

/** Addresses outside the pod network a NetworkPolicy can name: the VPC, a configured range, any address. */
export interface AddressSet {
  readonly kind: "addresses";
  /** Short name of the set, unique in the table; policy names are built from it. */
  readonly name: string;
  /** IPv4 CIDRs. */
  readonly cidrs: readonly string[];
}

export type PathEnd = PodSet | AddressSet;

/** A port of the callee's pods (NetworkPolicy matches the pod's port, not the Service's). */
export interface PathPort {
  readonly protocol: "TCP" | "UDP";
  readonly port: number;
}

export interface NetworkPath {
  readonly from: PathEnd;
  readonly to: PathEnd;
  readonly ports: readonly PathPort[];
  /** Why the caller needs the callee. */
  readonly why: string;
}

/** The TCP ports, once each, in order. */
export function tcp(...ports: readonly number[]): PathPort[] {
  return [...new Set(ports)].map((port) => ({ protocol: "TCP", port }));
}

/** The name of a path's policies: `<caller>-to-<callee>`. */
export function pathName(path: NetworkPath): string {
  return `${path.from.name}-to-${path.to.name}`;
}
