import { eksTaintEffect, nodeTemplateTags } from "../../infra/aws/autoscaler-tags";

describe("nodeTemplateTags", () => {
  it("writes labels, taints and extended resources in the autoscaler's tag format", () => {
    expect(
      nodeTemplateTags({
        labels: { "data-flywheel.io/gpu-role": "training" },
        taints: [{ key: "nvidia.com/gpu", value: "true", effect: "NoSchedule" }],
        resources: { "nvidia.com/gpu": "8" },
      }),
    ).toEqual({
      "k8s.io/cluster-autoscaler/node-template/label/data-flywheel.io/gpu-role": "training",
      "k8s.io/cluster-autoscaler/node-template/taint/nvidia.com/gpu": "true:NoSchedule",
      "k8s.io/cluster-autoscaler/node-template/resources/nvidia.com/gpu": "8",
    });
  });

  it("spells taint effects the way the EKS API wants them", () => {
    expect(["NoSchedule", "PreferNoSchedule", "NoExecute"].map((e) => eksTaintEffect(e as "NoSchedule"))).toEqual([
      "NO_SCHEDULE",
      "PREFER_NO_SCHEDULE",
      "NO_EXECUTE",
    ]);
  });
});
