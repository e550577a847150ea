import { Testing } from "cdk8s";
import { FlywheelNetworkPolicies } from "../../constructs/network/flywheel-network-policies";
import { flywheelNetworkPolicyProps } from "../../infra/platform/flywheel-network-access";

describe("flywheelNetworkPolicyProps", () => {
  it("lets the job reach Elasticsearch, MongoDB, Redis and the NeMo pods, and the NIM operator check the candidate NIMs", () => {
    expect(flywheelNetworkPolicyProps([443])).toEqual({
      namespace: "flywheel",
      jobPodLabels: { "app.kubernetes.io/component": "flywheel-job" },
      nimPodLabels: { "app.kubernetes.io/component": "candidate-nim" },
      dataServices: { namespace: "data", ports: [9200, 27017, 6379] },
      // Data Store's Gitea, Evaluator, and everything else (Entity Store, Customizer, Guardrails, the NIMs) on 8000.
      nemoServices: { namespace: "nemo", ports: [3000, 8000, 7331] },
      nimOperatorNamespace: "nim-operator",
      httpsPorts: [443],
    });
  });

  it("opens HTTPS on 443, for NGC and remote models, and on each port the API server listens on, once", () => {
    expect(flywheelNetworkPolicyProps([443, 6443]).httpsPorts).toEqual([443, 6443]);
    expect(flywheelNetworkPolicyProps([8443]).httpsPorts).toEqual([443, 8443]);
  });

  it("selects the job's and the NIMs' pods by labels the policies construct accepts", () => {
    expect(() => new FlywheelNetworkPolicies(Testing.chart(), "policies", flywheelNetworkPolicyProps([443]))).not.toThrow();
  });
});
