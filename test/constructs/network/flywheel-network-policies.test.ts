import { Chart, Testing } from "cdk8s";
import { FlywheelNetworkPolicies, type FlywheelNetworkPoliciesProps } from "../../../constructs/network/flywheel-network-policies";

const props: FlywheelNetworkPoliciesProps = {
  namespace: "flywheel",
  jobPodLabels: { "app.kubernetes.io/component": "flywheel-job" },
  nimPodLabels: { "app.kubernetes.io/component": "candidate-nim" },
  dataServices: { namespace: "data", ports: [9200, 27017, 6379] },
  nemoServices: { namespace: "nemo", ports: [8000] },
  nimOperatorNamespace: "nim-operator",
};

interface Policy {
  metadata: { name: string; namespace: string };
  spec: {
    podSelector: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values: string[] }[] };
    policyTypes: string[];
    ingress?: { from: Record<string, unknown>[]; ports: { port: number }[] }[];
    egress?: { to: Record<string, unknown>[]; ports: { protocol: string; port: number }[] }[];
  };
}

function synth(overrides: Partial<FlywheelNetworkPoliciesProps> = {}): Policy[] {
  const chart = new Chart(Testing.app(), "test");
  new FlywheelNetworkPolicies(chart, "policies", { ...props, ...overrides });
  return Testing.synth(chart) as Policy[];
}

const byName = (policies: Policy[], name: string): Policy => {
  const found = policies.find((p) => p.metadata.name === name);
  if (!found) {
    throw new Error(`no policy ${name}`);
  }
  return found;
};

describe("FlywheelNetworkPolicies", () => {
  it("denies all ingress and egress in the namespace by default", () => {
    expect(byName(synth(), "default-deny").spec).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
  });

  it("puts every policy in the flywheel namespace", () => {
    expect(new Set(synth().map((p) => p.metadata.namespace))).toEqual(new Set(["flywheel"]));
  });

  it("lets every pod resolve names through cluster DNS only", () => {
    const dns = byName(synth(), "allow-dns").spec.egress?.[0];
    expect(dns?.to).toEqual([{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }]);
    expect(dns?.ports.map((p) => `${p.protocol}/${p.port}`)).toEqual(["UDP/53", "TCP/53"]);
  });

  it("lets the job reach the data services, NeMo and its NIMs on their ports only", () => {
    const egress = byName(synth(), "allow-flywheel-job-egress").spec.egress ?? [];
    expect(egress.map((rule) => [rule.to, rule.ports.map((p) => p.port)])).toEqual([
      [[{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "data" } } }], [9200, 27017, 6379]],
      [[{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "nemo" } } }], [8000]],
      [[{ podSelector: { matchLabels: { "app.kubernetes.io/component": "candidate-nim" } } }], [8000]],
    ]);
  });

  it("lets only the job, NeMo's evaluation workflows and the NIM operator's readiness check call the NIMs", () => {
    const ingress = byName(synth(), "allow-nim-ingress").spec;
    expect(ingress.podSelector).toEqual({ matchLabels: { "app.kubernetes.io/component": "candidate-nim" } });
    expect(ingress.ingress?.[0].from).toEqual([
      { podSelector: { matchLabels: { "app.kubernetes.io/component": "flywheel-job" } } },
      { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "nemo" } } },
      { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "nim-operator" } } },
    ]);
  });

  it("opens HTTPS out for the API server, a remote judge and NGC, on configurable ports, to every pod but the NIMs", () => {
    const https = byName(synth(), "allow-https-egress").spec;
    expect(https.egress?.[0].ports.map((p) => p.port)).toEqual([443, 6443]);
    expect(https.podSelector).toEqual({ matchExpressions: [{ key: "app.kubernetes.io/component", operator: "NotIn", values: ["candidate-nim"] }] });
    expect(byName(synth({ httpsPorts: [8443] }), "allow-https-egress").spec.egress?.[0].ports.map((p) => p.port)).toEqual([8443]);
  });

  it("refuses empty pod selectors, which would open the NIM rules to every pod", () => {
    expect(() => synth({ nimPodLabels: {} })).toThrow(
      new Error("FlywheelNetworkPolicies flywheel/policies: nimPodLabels must name at least one label, or it would select every pod of the namespace"),
    );
    expect(() => synth({ jobPodLabels: {} })).toThrow(
      new Error("FlywheelNetworkPolicies flywheel/policies: jobPodLabels must name at least one label, or it would select every pod of the namespace"),
    );
  });
});
