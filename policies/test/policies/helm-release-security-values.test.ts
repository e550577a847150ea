import { helmReleaseSecurityValues } from "../../policies/helm-release-security-values";
import { resourceViolations } from "../support/policy-review";
import { edit, helmRelease } from "../support/fixtures";

describe("helm-release-security-values", () => {
  it("is advisory: a chart's pods are only visible through its values", () => {
    expect(helmReleaseSecurityValues.enforcementLevel).toBe("advisory");
  });

  it("passes a release that sets its chart's security contexts", async () => {
    expect(await resourceViolations(helmReleaseSecurityValues, helmRelease())).toEqual([]);
  });

  it("flags a listed chart whose security contexts are left to the chart", async () => {
    expect(await resourceViolations(helmReleaseSecurityValues, edit(helmRelease(), "props.values", {}))).toEqual([
      'Helm release "flywheel-autoscaler" (chart cluster-autoscaler) leaves values.securityContext.runAsNonRoot to the chart\'s default. Fix: set values.securityContext.runAsNonRoot to true.',
      expect.stringContaining("leaves values.containerSecurityContext.allowPrivilegeEscalation to the chart's default"),
    ]);
  });

  it("flags values that weaken any security context", async () => {
    const weakened = edit(helmRelease(), "props.values.exporter", { securityContext: { runAsUser: 0, privileged: true } });
    expect(await resourceViolations(helmReleaseSecurityValues, weakened)).toEqual([
      expect.stringContaining("sets runAsUser: 0, privileged: true in values.exporter.securityContext"),
    ]);
  });

  it("takes the charts to check from config", async () => {
    const other = edit(edit(helmRelease(), "props.chart", "milvus"), "props.values", {});
    expect(await resourceViolations(helmReleaseSecurityValues, other)).toEqual([]);
    expect(await resourceViolations(helmReleaseSecurityValues, other, { charts: { milvus: { pod: "securityContext" } } })).toEqual([
      expect.stringContaining("leaves values.securityContext.runAsNonRoot to the chart's default"),
    ]);
  });
});
