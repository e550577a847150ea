import { Chart, Testing } from "cdk8s";
import { ArgoServerAccess } from "../../../constructs/network/argo-server-access";

describe("ArgoServerAccess", () => {
  const synth = (labels: Record<string, string>): { metadata: { namespace: string }; spec: Record<string, unknown> }[] => {
    const chart = new Chart(Testing.app(), "test");
    new ArgoServerAccess(chart, "argo", { namespace: "nemo", serverPodLabels: labels });
    return Testing.synth(chart) as { metadata: { namespace: string }; spec: Record<string, unknown> }[];
  };

  it("admits only pods of the server's own namespace, on the server's port", () => {
    const [policy] = synth({ "app.kubernetes.io/name": "argo-workflows-server" });
    expect(policy.metadata.namespace).toBe("nemo");
    expect(policy.spec).toEqual({
      podSelector: { matchLabels: { "app.kubernetes.io/name": "argo-workflows-server" } },
      policyTypes: ["Ingress"],
      ingress: [{ from: [{ podSelector: {} }], ports: [{ protocol: "TCP", port: 2746 }] }],
    });
  });

  it("refuses an empty selector", () => {
    expect(() => synth({})).toThrow(
      new Error("ArgoServerAccess nemo/argo-server-same-namespace: serverPodLabels must name at least one label, or it would select every pod of the namespace"),
    );
  });
});
