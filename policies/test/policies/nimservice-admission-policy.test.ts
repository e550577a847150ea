import type { KubernetesObject } from "../../lib/kubernetes-object";
import { nimserviceAdmissionPolicy } from "../../policies/nimservice-admission-policy";
import { stackViolations } from "../support/policy-review";
import { edit, kubernetesResource, namespace } from "../support/fixtures";

const rbac = "rbac.authorization.k8s.io/v1";
const role: KubernetesObject = {
  apiVersion: rbac,
  kind: "Role",
  metadata: { name: "flywheel-job", namespace: "flywheel" },
  rules: [{ apiGroups: ["apps.nvidia.com"], resources: ["nimservices"], verbs: ["create", "get", "list", "delete"] }],
};
const roleBinding: KubernetesObject = {
  apiVersion: rbac,
  kind: "RoleBinding",
  metadata: { name: "flywheel-job", namespace: "flywheel" },
  roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "flywheel-job" },
  subjects: [{ kind: "ServiceAccount", name: "flywheel-job", namespace: "flywheel" }],
};
const admission: KubernetesObject = {
  apiVersion: "admissionregistration.k8s.io/v1",
  kind: "ValidatingAdmissionPolicy",
  metadata: { name: "flywheel-candidate-nimservices" },
  spec: {
    failurePolicy: "Fail",
    matchConstraints: { resourceRules: [{ apiGroups: ["apps.nvidia.com"], apiVersions: ["v1alpha1"], operations: ["CREATE", "UPDATE"], resources: ["nimservices"] }] },
    validations: [{ expression: "object.spec.image.repository in ['nvcr.io/nim/meta/llama-3.2-1b-instruct']" }],
  },
};
const admissionBinding: KubernetesObject = {
  apiVersion: "admissionregistration.k8s.io/v1",
  kind: "ValidatingAdmissionPolicyBinding",
  metadata: { name: "flywheel-candidate-nimservices" },
  spec: {
    policyName: "flywheel-candidate-nimservices",
    validationActions: ["Deny"],
    matchResources: { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "flywheel" } } },
  },
};
const stack = (...objects: KubernetesObject[]) => objects.map(kubernetesResource);
const uncovered =
  'RoleBinding flywheel/flywheel-job lets its subjects create NIMServices in namespace "flywheel" (Role flywheel-job), and no ValidatingAdmissionPolicy with a Deny binding checks NIMServices created there: ' +
  "a compromised job could run any image, on any node, with any Secret. " +
  'Fix: declare a ValidatingAdmissionPolicy matching apps.nvidia.com nimservices CREATE (failurePolicy Fail) and a binding with validationActions [Deny] selecting "flywheel".';

describe("nimservice-admission-policy", () => {
  it("passes a namespace where creating NIMServices is checked by a denying admission policy", async () => {
    expect(await stackViolations(nimserviceAdmissionPolicy, stack(namespace("flywheel"), role, roleBinding, admission, admissionBinding))).toEqual([]);
  });

  it("does not ask for one where nobody may create NIMServices", async () => {
    const readOnly = edit(role, "rules.0.verbs", ["get", "list"]);
    expect(await stackViolations(nimserviceAdmissionPolicy, stack(readOnly, roleBinding))).toEqual([]);
    expect(await stackViolations(nimserviceAdmissionPolicy, stack(role))).toEqual([]);
  });

  it("catches a grant without an admission policy, naming the binding", async () => {
    expect(await stackViolations(nimserviceAdmissionPolicy, stack(role, roleBinding))).toEqual([{ message: uncovered, resource: "flywheel-job" }]);
  });

  it("catches a policy that does not deny, fails open, checks nothing, misses NIMService creation or the namespace", async () => {
    const broken: [string, KubernetesObject, KubernetesObject][] = [
      ["warn only", admission, edit(admissionBinding, "spec.validationActions", ["Warn", "Audit"])],
      ["another policy's binding", admission, edit(admissionBinding, "spec.policyName", "other")],
      ["another namespace", admission, edit(admissionBinding, "spec.matchResources.namespaceSelector.matchLabels", { "kubernetes.io/metadata.name": "nemo" })],
      ["fails open", edit(admission, "spec.failurePolicy", "Ignore"), admissionBinding],
      ["no validations", edit(admission, "spec.validations", []), admissionBinding],
      ["UPDATE only", edit(admission, "spec.matchConstraints.resourceRules.0.operations", ["UPDATE"]), admissionBinding],
      ["NIMCaches", edit(admission, "spec.matchConstraints.resourceRules.0.resources", ["nimcaches"]), admissionBinding],
    ];
    for (const [why, policy, binding] of broken) {
      expect([why, await stackViolations(nimserviceAdmissionPolicy, stack(namespace("flywheel"), role, roleBinding, policy, binding))]).toEqual([why, [{ message: uncovered, resource: "flywheel-job" }]]);
    }
  });

  it("follows ClusterRoles and wildcards, and needs a cluster-wide binding for a ClusterRoleBinding", async () => {
    const clusterRole: KubernetesObject = { apiVersion: rbac, kind: "ClusterRole", metadata: { name: "nim-admin" }, rules: [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }] };
    const toClusterRole = edit(roleBinding, "roleRef", { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "nim-admin" });
    expect(await stackViolations(nimserviceAdmissionPolicy, stack(clusterRole, toClusterRole))).toEqual([
      expect.objectContaining({ message: expect.stringContaining('create NIMServices in namespace "flywheel" (ClusterRole nim-admin)') }),
    ]);
    const clusterWide: KubernetesObject = { ...toClusterRole, kind: "ClusterRoleBinding", metadata: { name: "nim-admin" } };
    expect(await stackViolations(nimserviceAdmissionPolicy, stack(clusterRole, clusterWide, admission, admissionBinding))).toEqual([
      expect.objectContaining({ message: expect.stringContaining("ClusterRoleBinding nim-admin lets its subjects create NIMServices in every namespace"), resource: "nim-admin" }),
    ]);
    expect(await stackViolations(nimserviceAdmissionPolicy, stack(clusterRole, clusterWide, admission, edit(admissionBinding, "spec.matchResources", undefined)))).toEqual([]);
  });
});
