import { k8s } from "cdk8s-plus-28";
import { Construct } from "constructs";
import { fail } from "../common/errors";
import { type NetworkPath, type PathEnd, type PodSelector, type PodSet, pathName } from "./network-path";

export interface NamespaceNetworkPoliciesProps {
  /** The namespaces to protect: each gets a default-deny policy, and policies are written only in them. */
  readonly namespaces: readonly string[];
  /** The allowed paths; each writes an egress policy in its caller's namespace and an ingress policy in its callee's, where those are listed. */
  readonly paths: readonly NetworkPath[];
}

const namespaceNameLabel = "kubernetes.io/metadata.name";
const setName = /^[a-z0-9]([-a-z0-9]{0,50}[a-z0-9])?$/;
const ipv4Cidr = /^(\d{1,3}\.){3}\d{1,3}\/(\d|[12]\d|3[0-2])$/;

function labelSelector(selector: PodSelector | "all"): k8s.LabelSelector {
  if (selector === "all") {
    return {};
  }
  return {
    ...(selector.matchLabels ? { matchLabels: { ...selector.matchLabels } } : {}),
    ...(selector.matchExpressions
      ? { matchExpressions: selector.matchExpressions.map((r) => ({ key: r.key, operator: r.operator, ...(r.values ? { values: [...r.values] } : {}) })) }
      : {}),
  };
}

function peers(end: PathEnd): k8s.NetworkPolicyPeer[] {
  if (end.kind === "addresses") {
    return end.cidrs.map((cidr) => ({ ipBlock: { cidr } }));
  }
  return [{ namespaceSelector: { matchLabels: { [namespaceNameLabel]: end.namespace } }, podSelector: labelSelector(end.selector) }];
}

/**
 * Default deny in every namespace given, then exactly the paths of one table: for each path an
 * egress policy selecting the caller's pods and an ingress policy selecting the callee's, named
 * after the path (`<caller>-to-<callee>-egress`, `…-ingress`). A namespace that is not listed (such
 * as kube-system, or a log writer's) gets nothing: its end of a path is only a peer.
 */
export class NamespaceNetworkPolicies extends Construct {
  constructor(scope: Construct, id: string, props: NamespaceNetworkPoliciesProps) {
    super(scope, id);
    const owner = `NamespaceNetworkPolicies ${id}`;
    const managed = new Set(props.namespaces);
    if (managed.size !== props.namespaces.length) {
      fail(owner, `namespaces list a namespace twice (${props.namespaces.join(", ")})`);
    }
    const ends = new Map<string, PathEnd>();
    const checkEnd = (path: string, end: PathEnd): void => {
      if (!setName.test(end.name)) {
        fail(owner, `paths ${path}: end name "${end.name}" is not a DNS label of at most 52 characters`);
      }
      const known = ends.get(end.name);
      if (known && JSON.stringify(known) !== JSON.stringify(end)) {
        fail(owner, `paths ${path}: two different ends are named "${end.name}"`);
      }
      ends.set(end.name, end);
      if (end.kind === "addresses") {
        if (end.cidrs.length === 0) {
          fail(owner, `paths ${path}: addresses "${end.name}" list no CIDR`);
        }
        end.cidrs.filter((c) => !ipv4Cidr.test(c)).forEach((c) => fail(owner, `paths ${path}: addresses "${end.name}" CIDR "${c}" is not an IPv4 CIDR`));
      } else if (end.selector !== "all" && Object.keys(end.selector.matchLabels ?? {}).length === 0 && (end.selector.matchExpressions ?? []).length === 0) {
        fail(owner, `paths ${path}: pods "${end.name}" have an empty selector, which would select every pod of ${end.namespace}; say "all" if that is meant`);
      }
    };

    for (const namespace of props.namespaces) {
      new k8s.KubeNetworkPolicy(this, `${namespace}-default-deny`, {
        metadata: { name: "default-deny", namespace },
        spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
      });
    }

    const names = new Set<string>();
    for (const path of props.paths) {
      const name = pathName(path);
      if (names.has(name)) {
        fail(owner, `paths: "${name}" is listed twice; give it one row with all its ports`);
      }
      names.add(name);
      checkEnd(name, path.from);
      checkEnd(name, path.to);
      if (path.ports.length === 0) {
        fail(owner, `paths ${name}: ports must list at least one port`);
      }
      path.ports.filter((p) => !Number.isInteger(p.port) || p.port < 1 || p.port > 65535).forEach((p) => fail(owner, `paths ${name}: port ${p.port} is not a port number`));
      const ports = path.ports.map((p) => ({ protocol: p.protocol, port: k8s.IntOrString.fromNumber(p.port) }));
      const inManaged = (end: PathEnd): end is PodSet => end.kind === "pods" && managed.has(end.namespace);
      if (!inManaged(path.from) && !inManaged(path.to)) {
        fail(owner, `paths ${name}: neither end is pods of a listed namespace, so the path would write no policy`);
      }
      if (inManaged(path.from)) {
        new k8s.KubeNetworkPolicy(this, `${name}-egress`, {
          metadata: { name: `${name}-egress`, namespace: path.from.namespace },
          spec: { podSelector: labelSelector(path.from.selector), policyTypes: ["Egress"], egress: [{ to: peers(path.to), ports }] },
        });
      }
      if (inManaged(path.to)) {
        new k8s.KubeNetworkPolicy(this, `${name}-ingress`, {
          metadata: { name: `${name}-ingress`, namespace: path.to.namespace },
          spec: { podSelector: labelSelector(path.to.selector), policyTypes: ["Ingress"], ingress: [{ from: peers(path.from), ports }] },
        });
      }
    }
  }
}
