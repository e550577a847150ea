import { namespaceDefaultDeny } from "../../policies/namespace-default-deny";
import { stackViolations } from "../support/policy-review";
import { defaultDeny, edit, flywheelCronJob, kubernetesResource, namespace } from "../support/fixtures";

describe("namespace-default-deny", () => {
  it("passes a flywheel namespace with a default-deny policy", async () => {
    const stack = [namespace("flywheel"), defaultDeny("flywheel"), flywheelCronJob()].map(kubernetesResource);
    expect(await stackViolations(namespaceDefaultDeny, stack)).toEqual([]);
  });

  it("does not check a namespace the stack does not deploy into", async () => {
    expect(await stackViolations(namespaceDefaultDeny, [namespace("data")].map(kubernetesResource))).toEqual([]);
  });

  it("catches a flywheel namespace without one, naming the Namespace", async () => {
    expect(await stackViolations(namespaceDefaultDeny, [namespace("flywheel"), flywheelCronJob()].map(kubernetesResource))).toEqual([
      {
        message:
          'Namespace "flywheel" has no default-deny NetworkPolicy for Ingress and Egress: every pod in the cluster can reach its pods. ' +
          'Fix: add a NetworkPolicy in "flywheel" with podSelector: {}, policyTypes: [Ingress, Egress] and no rules, and allow what the flywheel needs with separate policies.',
        resource: "flywheel",
      },
    ]);
  });

  it("catches a namespace used without being declared, as a stack-level violation", async () => {
    expect(await stackViolations(namespaceDefaultDeny, [flywheelCronJob()].map(kubernetesResource))).toEqual([
      { message: expect.stringContaining('Namespace "flywheel" has no default-deny NetworkPolicy') },
    ]);
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

  it("guards the namespaces named in config", async () => {
    const stack = [namespace("flywheel-staging")].map(kubernetesResource);
    expect(await stackViolations(namespaceDefaultDeny, stack)).toEqual([]);
    expect(await stackViolations(namespaceDefaultDeny, stack, { namespaces: ["flywheel-staging"] })).toEqual([expect.objectContaining({ resource: "flywheel-staging" })]);
  });
});
