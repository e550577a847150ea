import { Chart, Testing } from "cdk8s";
import { NamespaceNetworkPolicies, type NamespaceNetworkPoliciesProps } from "../../../constructs/network/namespace-network-policies";
import { type NetworkPath, type PodSet, tcp } from "../../../constructs/network/network-path";

interface Policy {
  metadata: { name: string; namespace: string };
  spec: { podSelector: Record<string, unknown>; policyTypes: string[]; ingress?: { from: unknown[]; ports: unknown[] }[]; egress?: { to: unknown[]; ports: unknown[] }[] };
}

const pods = (name: string, namespace: string, selector: PodSet["selector"] = { matchLabels: { app: name } }): PodSet => ({
  kind: "pods",
  name,
  namespace,
  selector,
  labelSource: "test",
  verified: true,
});
const job = pods("job", "flywheel");
const store = pods("store", "data");
const jobToStore: NetworkPath = { from: job, to: store, ports: tcp(9200), why: "read logs" };

function synth(props: Partial<NamespaceNetworkPoliciesProps> = {}): Policy[] {
  const chart = new Chart(Testing.app(), "test");
  new NamespaceNetworkPolicies(chart, "platform", { namespaces: ["flywheel", "data"], paths: [jobToStore], ...props });
  return Testing.synth(chart) as Policy[];
}

const named = (policies: Policy[], namespace: string, name: string): Policy | undefined =>
  policies.find((p) => p.metadata.namespace === namespace && p.metadata.name === name);

describe("NamespaceNetworkPolicies", () => {
  it("denies all ingress and egress by default in every namespace it is given, and only there", () => {
    const policies = synth({ namespaces: ["flywheel", "data", "nemo"], paths: [] });
    expect(policies.map((p) => [p.metadata.namespace, p.metadata.name, p.spec])).toEqual(
      ["flywheel", "data", "nemo"].map((ns) => [ns, "default-deny", { podSelector: {}, policyTypes: ["Ingress", "Egress"] }]),
    );
  });

  it("turns a path between pods into exactly an egress policy on the caller's side and an ingress policy on the callee's", () => {
    const policies = synth().filter((p) => p.metadata.name !== "default-deny");
    expect(policies).toEqual([
      {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name: "job-to-store-egress", namespace: "flywheel" },
        spec: {
          podSelector: { matchLabels: { app: "job" } },
          policyTypes: ["Egress"],
          egress: [{ to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "data" } }, podSelector: { matchLabels: { app: "store" } } }], ports: [{ protocol: "TCP", port: 9200 }] }],
        },
      },
      {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name: "job-to-store-ingress", namespace: "data" },
        spec: {
          podSelector: { matchLabels: { app: "store" } },
          policyTypes: ["Ingress"],
          ingress: [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "flywheel" } }, podSelector: { matchLabels: { app: "job" } } }], ports: [{ protocol: "TCP", port: 9200 }] }],
        },
      },
    ]);
  });

  it("writes nothing in a namespace it does not manage, such as kube-system or a log writer's", () => {
    const dns: NetworkPath = { from: pods("flywheel-pods", "flywheel", "all"), to: pods("kube-dns", "kube-system"), ports: [{ protocol: "UDP", port: 53 }], why: "dns" };
    const writer: NetworkPath = { from: pods("shop", "shop", "all"), to: store, ports: tcp(9200), why: "logs" };
    const policies = synth({ paths: [dns, writer] });
    expect(policies.filter((p) => p.metadata.name !== "default-deny").map((p) => `${p.metadata.namespace}/${p.metadata.name}`)).toEqual([
      "flywheel/flywheel-pods-to-kube-dns-egress",
      "data/shop-to-store-ingress",
    ]);
    expect(named(policies, "flywheel", "flywheel-pods-to-kube-dns-egress")?.spec.podSelector).toEqual({});
  });

  it("admits a path from addresses (a webhook's callers) by ipBlock, and sends one to addresses by ipBlock", () => {
    const webhook: NetworkPath = { from: { kind: "addresses", name: "control-plane", cidrs: ["10.40.0.0/16"] }, to: store, ports: tcp(9443), why: "webhook" };
    const internet: NetworkPath = { from: job, to: { kind: "addresses", name: "internet", cidrs: ["0.0.0.0/0"] }, ports: tcp(443), why: "NGC" };
    const policies = synth({ paths: [webhook, internet] });
    expect(named(policies, "data", "control-plane-to-store-ingress")?.spec.ingress).toEqual([{ from: [{ ipBlock: { cidr: "10.40.0.0/16" } }], ports: [{ protocol: "TCP", port: 9443 }] }]);
    expect(named(policies, "flywheel", "job-to-internet-egress")?.spec.egress).toEqual([{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ protocol: "TCP", port: 443 }] }]);
    expect(policies).toHaveLength(4);
  });

  it("writes Exists requirements as matchExpressions", () => {
    const workflows = pods("workflows", "flywheel", { matchExpressions: [{ key: "workflows.argoproj.io/workflow", operator: "Exists" }] });
    const [egress] = synth({ paths: [{ from: workflows, to: store, ports: tcp(8000), why: "t" }] }).filter((p) => p.metadata.name.endsWith("-egress"));
    expect(egress.spec.podSelector).toEqual({ matchExpressions: [{ key: "workflows.argoproj.io/workflow", operator: "Exists" }] });
  });

  it("refuses an empty selector, a path listed twice, a path that writes nothing, a bad CIDR and no ports", () => {
    expect(() => synth({ paths: [{ ...jobToStore, to: pods("store", "data", {}) }] })).toThrow(
      'NamespaceNetworkPolicies platform: paths job-to-store: pods "store" have an empty selector, which would select every pod of data; say "all" if that is meant',
    );
    expect(() => synth({ paths: [jobToStore, { ...jobToStore, ports: tcp(9300) }] })).toThrow('NamespaceNetworkPolicies platform: paths: "job-to-store" is listed twice; give it one row with all its ports');
    expect(() => synth({ paths: [{ ...jobToStore, from: pods("job", "elsewhere"), to: pods("x", "kube-system") }] })).toThrow(
      "NamespaceNetworkPolicies platform: paths job-to-x: neither end is pods of a listed namespace, so the path would write no policy",
    );
    expect(() => synth({ paths: [{ ...jobToStore, to: { kind: "addresses", name: "vpc", cidrs: ["10.0.0.0"] } }] })).toThrow(
      'NamespaceNetworkPolicies platform: paths job-to-vpc: addresses "vpc" CIDR "10.0.0.0" is not an IPv4 CIDR',
    );
    expect(() => synth({ paths: [{ ...jobToStore, ports: [] }] })).toThrow("NamespaceNetworkPolicies platform: paths job-to-store: ports must list at least one port");
    expect(() => synth({ paths: [{ ...jobToStore, to: pods("job", "data") }] })).toThrow('NamespaceNetworkPolicies platform: paths job-to-job: two different ends are named "job"');
  });
});
