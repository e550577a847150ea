import { nodeImdsv2Required } from "../../policies/node-imdsv2-required";
import { resourceViolations } from "../support/policy-review";
import { edit, gpuNodeGroup, launchTemplate } from "../support/fixtures";

describe("node-imdsv2-required", () => {
  it("passes a launch template that requires tokens with a hop limit of 1, and a node group that uses one", async () => {
    expect(await resourceViolations(nodeImdsv2Required, launchTemplate())).toEqual([]);
    expect(await resourceViolations(nodeImdsv2Required, gpuNodeGroup())).toEqual([]);
  });

  it("catches IMDSv1", async () => {
    expect(await resourceViolations(nodeImdsv2Required, edit(launchTemplate(), "props.metadataOptions.httpTokens", "optional"))).toEqual([
      expect.stringMatching(/^Launch template "flywheel-gpu-inference" allows IMDSv1 \(httpTokens is optional\).*Fix: set metadataOptions\.httpTokens to "required"\.$/),
    ]);
  });

  it("catches a hop limit that lets pods reach the metadata service", async () => {
    expect(await resourceViolations(nodeImdsv2Required, edit(launchTemplate(), "props.metadataOptions.httpPutResponseHopLimit", 2))).toEqual([
      expect.stringContaining('has an IMDS hop limit of 2 (at most 1 allowed)'),
    ]);
    expect(await resourceViolations(nodeImdsv2Required, edit(launchTemplate(), "props.metadataOptions.httpPutResponseHopLimit", 2), { maxHopLimit: 2 })).toEqual([]);
  });

  it("catches a launch template without metadata options", async () => {
    expect(await resourceViolations(nodeImdsv2Required, edit(launchTemplate(), "props.metadataOptions", undefined))).toEqual([
      expect.stringContaining("allows IMDSv1 (httpTokens is unset)"),
      expect.stringContaining("has an IMDS hop limit of unset"),
    ]);
  });

  it("accepts a launch template with the metadata service turned off", async () => {
    expect(await resourceViolations(nodeImdsv2Required, edit(launchTemplate(), "props.metadataOptions", { httpEndpoint: "disabled" }))).toEqual([]);
  });

  it("catches a node group without a launch template", async () => {
    expect(await resourceViolations(nodeImdsv2Required, edit(gpuNodeGroup(), "props.launchTemplate", undefined))).toEqual([
      expect.stringContaining('EKS node group "flywheel-gpu-inference" has no launch template, so EKS\'s default applies'),
    ]);
  });
});
