import { eksControlPlaneLogging } from "../../policies/eks-control-plane-logging";
import { resourceViolations } from "../support/policy-review";
import { edit, eksCluster } from "../support/fixtures";

describe("eks-control-plane-logging", () => {
  it("passes a cluster that logs every type", async () => {
    expect(await resourceViolations(eksControlPlaneLogging, eksCluster())).toEqual([]);
  });

  it("requires api, audit and authenticator logs by default", async () => {
    expect(await resourceViolations(eksControlPlaneLogging, edit(eksCluster(), "props.enabledClusterLogTypes", ["api"]))).toEqual([
      'EKS cluster "data-flywheel-prod" does not log audit, authenticator (enabled: api). Fix: add audit, authenticator to aws.cluster.controlPlaneLogTypes.',
    ]);
  });

  it("follows the configured log types", async () => {
    const none = edit(eksCluster(), "props.enabledClusterLogTypes", undefined);
    expect(await resourceViolations(eksControlPlaneLogging, none, { requiredLogTypes: [] })).toEqual([]);
    expect(await resourceViolations(eksControlPlaneLogging, none, { requiredLogTypes: ["audit"] })).toEqual([
      expect.stringContaining("does not log audit (enabled: none)"),
    ]);
  });
});
