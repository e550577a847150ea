import { Chart, Testing } from "cdk8s";
import { FlywheelJobAccess } from "../../../constructs/flywheel/flywheel-job-access";

describe("FlywheelJobAccess", () => {
  const chart = new Chart(Testing.app(), "test");
  const access = new FlywheelJobAccess(chart, "access", { namespace: "flywheel" });
  const objects = Testing.synth(chart) as { kind: string; metadata: { namespace: string }; rules?: { apiGroups: string[]; resources: string[]; verbs: string[] }[] }[];

  it("grants a namespaced Role only, never cluster-wide access", () => {
    expect(objects.map((o) => o.kind).sort()).toEqual(["Role", "RoleBinding", "ServiceAccount"]);
    expect(new Set(objects.map((o) => o.metadata.namespace))).toEqual(new Set(["flywheel"]));
    expect(access.serviceAccountName).toBe("flywheel-job");
  });

  it("grants exactly the job's declared permissions, which its tests check a run stays within", () => {
    const role = objects.find((o) => o.kind === "Role");
    expect(role?.rules).toEqual([
      { apiGroups: ["apps.nvidia.com"], resources: ["nimservices"], verbs: ["create", "get", "list", "delete"] },
      { apiGroups: ["apps.nvidia.com"], resources: ["nimcaches"], verbs: ["get"] },
      { apiGroups: ["batch"], resources: ["jobs"], verbs: ["get"] },
    ]);
  });
});
