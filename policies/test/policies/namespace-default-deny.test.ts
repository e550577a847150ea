import { namespaceDefaultDeny } from "../../policies/namespace-default-deny";
import { stackViolations } from "../support/policy-review";
import { defaultDeny, edit, flywheelCronJob, kubernetesResource, namespace } from "../support/fixtures";

describe("namespace-default-deny", () => {
  it("passes namespaces that each have a default-deny policy", async () => {
    const stack = [namespace("flywheel"), defaultDeny("flywheel"), namespace("nemo"), defaultDeny("nemo"), flywheelCronJob()].map(kubernetesResource);
    expect(await stackViolations(namespaceDefaultDeny, stack)).toEqual([]);
  });

  it("guards every namespace the stack creates, whatever it is called, naming the Namespace", async () => {
    const stack = [namespace("flywheel"), defaultDeny("flywheel"), namespace("team-added-later")].map(kubernetesResource);
    expect(await stackViolations(namespaceDefaultDeny, stack)).toEqual([
      {
        message:
          'Namespace "team-added-later" has no default-deny NetworkPolicy for Ingress and Egress: every pod in the cluster can reach its pods. ' +
          'Fix: add a NetworkPolicy in "team-added-later" with podSelector: {}, policyTypes: [Ingress, Egress] and no rules, and allow what its pods need with separate policies.',
        resource: "team-added-later",
      },
    ]);
  });

  it("does not count a default-deny policy of another namespace", async () => {
    const stack = [namespace("data"), defaultDeny("flywheel")].map(kubernetesResource);
    expect(await stackViolations(namespaceDefaultDeny, stack)).toEqual([expect.objectContaining({ resource: "data" })]);
  });

  it("does not check a namespace the stack only deploys into", async () => {
    expect(await stackViolations(namespaceDefaultDeny, [flywheelCronJob()].map(kubernetesResource))).toEqual([]);
  });

  it("does not count a policy that selects some pods, allows traffic, or denies one direction only", async () => {
    const some = edit(defaultDeny("flywheel"), "spec.podSelector", { matchLabels: { app: "flywheel" } });
    const allowing = edit(defaultDeny("flywheel"), "spec.egress", [{ to: [{ namespaceSelector: {} }] }]);
    const ingressOnly = edit(defaultDeny("flywheel"), "spec.policyTypes", ["Ingress"]);
    const cases: [typeof some, string][] = [
      [some, "for Ingress and Egress"],
      [allowing, "for Egress: its pods can reach anything"],
      [ingressOnly, "for Egress: its pods can reach anything"],
    ];
    for (const [policy, expected] of cases) {
      expect(await stackViolations(namespaceDefaultDeny, [namespace("flywheel"), policy].map(kubernetesResource))).toEqual([
        expect.objectContaining({ message: expect.stringContaining(expected) }),
      ]);
    }
  });

  it("counts a policy edited by hand only if both of its versions deny by default", async () => {
    const edited = edit(defaultDeny("flywheel"), "spec.egress", [{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }] }]);
    expect(await stackViolations(namespaceDefaultDeny, [namespace("flywheel"), defaultDeny("flywheel"), edited].map(kubernetesResource))).toEqual([
      expect.objectContaining({ message: expect.stringContaining("for Egress") }),
    ]);
  });
});
