import { gpuNodePoolTainted } from "../../policies/gpu-node-pool-tainted";
import { resourceViolations } from "../support/policy-review";
import { edit, gpuNodeGroup, systemNodeGroup } from "../support/fixtures";

describe("gpu-node-pool-tainted", () => {
  it("passes a GPU pool with the taint and a role label, and ignores CPU pools", async () => {
    expect(await resourceViolations(gpuNodePoolTainted, gpuNodeGroup())).toEqual([]);
    expect(await resourceViolations(gpuNodePoolTainted, systemNodeGroup())).toEqual([]);
  });

  it("catches a GPU pool without its taint", async () => {
    expect(await resourceViolations(gpuNodePoolTainted, edit(gpuNodeGroup(), "props.taints", []))).toEqual([
      expect.stringMatching(/^GPU node group "flywheel-gpu-inference" \(g6e\.2xlarge\) has no nvidia\.com\/gpu NO_SCHEDULE taint.*Fix: add the taint/),
    ]);
  });

  it("does not accept a taint with a softer effect", async () => {
    const soft = edit(gpuNodeGroup(), "props.taints.0.effect", "PREFER_NO_SCHEDULE");
    expect(await resourceViolations(gpuNodePoolTainted, soft)).toEqual([expect.stringContaining("has no nvidia.com/gpu NO_SCHEDULE taint")]);
  });

  it("catches a GPU pool without a role label or with an unknown role", async () => {
    const unlabelled = gpuNodeGroup();
    delete (unlabelled.props.labels as Record<string, string>)["data-flywheel.io/gpu-role"];
    expect(await resourceViolations(gpuNodePoolTainted, unlabelled)).toEqual([
      expect.stringContaining("has no data-flywheel.io/gpu-role label: NIMs and fine-tuning jobs select their pool by it. Fix: label the group data-flywheel.io/gpu-role=inference|training"),
    ]);
    const unknown = gpuNodeGroup();
    (unknown.props.labels as Record<string, string>)["data-flywheel.io/gpu-role"] = "batch";
    expect(await resourceViolations(gpuNodePoolTainted, unknown)).toEqual([expect.stringContaining("has an unknown (batch) data-flywheel.io/gpu-role label")]);
  });

  it("recognises a GPU pool by its instance type even on a standard AMI", async () => {
    const pool = edit(edit(gpuNodeGroup(), "props.amiType", "AL2023_x86_64_STANDARD"), "props.taints", []);
    expect(await resourceViolations(gpuNodePoolTainted, pool)).toEqual([expect.stringContaining("has no nvidia.com/gpu NO_SCHEDULE taint")]);
  });
});
