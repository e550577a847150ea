import { Testing } from "cdk8s";
import { VerifyPlatform } from "../../../constructs/verify/verify-platform";
import type { KubernetesObject } from "../../lib/kubernetes-object";
import { verifyPlatformReadOnly } from "../../policies/verify-platform-read-only";
import { edit } from "../support/fixtures";
import { objectViolations } from "../support/policy-review";

const image = `ghcr.io/example/flywheel-job@sha256:${"a".repeat(64)}`;

/** The construct's own RBAC objects, as the stack renders them. */
function rendered(): KubernetesObject[] {
  const chart = Testing.chart();
  new VerifyPlatform(chart, "verify", {
    namespace: "flywheel",
    image,
    config: { stack: "dev", operators: [], nemoServices: [], gpuPools: [], gpuProbe: { namespace: "flywheel", image }, nimCaches: [], endpoints: [], networkSample: { allowed: [], denied: [] } },
  });
  return (chart.toJson() as KubernetesObject[]).filter((o) => o.apiVersion === "rbac.authorization.k8s.io/v1");
}

const byKind = (kind: string, namespace?: string): KubernetesObject => {
  const found = rendered().find((o) => o.kind === kind && (namespace === undefined || o.metadata?.namespace === namespace));
  if (!found) throw new Error(`no ${kind}`);
  return found;
};

describe("verify-platform-read-only", () => {
  it("passes the construct's ClusterRole, Roles and bindings", async () => {
    const objects = rendered();
    expect(objects.map((o) => o.kind).sort()).toEqual(["ClusterRole", "ClusterRoleBinding", "Role", "Role", "RoleBinding", "RoleBinding"]);
    for (const object of objects) expect(await objectViolations(verifyPlatformReadOnly, object)).toEqual([]);
  });

  it("catches a write verb, Secrets or a wildcard in the ClusterRole", async () => {
    const clusterRole = byKind("ClusterRole");
    expect(await objectViolations(verifyPlatformReadOnly, edit(clusterRole, "rules", [{ apiGroups: ["apps"], resources: ["deployments"], verbs: ["get", "patch"] }]))).toEqual([
      "ClusterRole verify-platform grants write verbs (patch) on deployments; the verify Job's ClusterRole may only get, list and watch. Fix: remove the call from verifyPlatformPermissions (flywheel-job), which the construct derives its rules from.",
    ]);
    expect(await objectViolations(verifyPlatformReadOnly, edit(clusterRole, "rules", [{ apiGroups: [""], resources: ["secrets"], verbs: ["get"] }]))).toEqual([
      expect.stringContaining("grants Secrets"),
    ]);
    // Pods are writable only in a Role: cluster-wide, creating pods is creating them anywhere.
    expect(await objectViolations(verifyPlatformReadOnly, edit(clusterRole, "rules", [{ apiGroups: [""], resources: ["pods"], verbs: ["create"] }]))).toEqual([
      expect.stringContaining("write verbs (create) on pods"),
    ]);
    expect(await objectViolations(verifyPlatformReadOnly, edit(clusterRole, "rules", [{ apiGroups: ["*"], resources: ["*"], verbs: ["get"] }]))).toEqual([expect.stringContaining("a wildcard (*)")]);
  });

  it("lets a Role write pods and nothing else", async () => {
    const probe = byKind("Role", "flywheel");
    expect(await objectViolations(verifyPlatformReadOnly, edit(probe, "rules", [{ apiGroups: ["batch"], resources: ["jobs"], verbs: ["create"] }]))).toEqual([
      "Role flywheel/verify-platform grants write verbs (create) on jobs; the verify Job's Roles may write only the GPU probe's pods. Fix: remove it from the Role's rules.",
    ]);
    expect(await objectViolations(verifyPlatformReadOnly, edit(probe, "rules", [{ apiGroups: [""], resources: ["pods", "secrets"], verbs: ["get", "create"] }]))).toEqual([
      expect.stringContaining("grants Secrets"),
      expect.stringContaining("write verbs (create) on pods, secrets"),
    ]);
  });

  it("catches the service account bound to another role, and ignores others' roles and bindings", async () => {
    expect(await objectViolations(verifyPlatformReadOnly, edit(byKind("ClusterRoleBinding"), "roleRef.name", "cluster-admin"))).toEqual([
      "ClusterRoleBinding verify-platform binds the verify-platform ServiceAccount to ClusterRole cluster-admin; it may be bound only to its own ClusterRole verify-platform. Fix: bind it to ClusterRole verify-platform.",
    ]);
    expect(await objectViolations(verifyPlatformReadOnly, edit(byKind("RoleBinding", "flywheel"), "roleRef", { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "edit" }))).toEqual([
      expect.stringContaining("binds the verify-platform ServiceAccount to ClusterRole edit"),
    ]);
    expect(await objectViolations(verifyPlatformReadOnly, edit(edit(byKind("ClusterRole"), "metadata.name", "operator"), "rules", [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }]))).toEqual([]);
  });
});
