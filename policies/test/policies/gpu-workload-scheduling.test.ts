import { gpuWorkloadScheduling } from "../../policies/gpu-workload-scheduling";
import { objectViolations } from "../support/policy-review";
import { cpuDeployment, edit, flywheelCronJob, nimService } from "../support/fixtures";

const gpuLimit = { cpu: "4", memory: "16Gi", "nvidia.com/gpu": "1" };

describe("gpu-workload-scheduling", () => {
  it("passes a NIMService that tolerates the taint and selects the inference pool, and ignores CPU pods", async () => {
    expect(await objectViolations(gpuWorkloadScheduling, nimService())).toEqual([]);
    expect(await objectViolations(gpuWorkloadScheduling, cpuDeployment())).toEqual([]);
    expect(await objectViolations(gpuWorkloadScheduling, flywheelCronJob())).toEqual([]);
  });

  it("catches a GPU NIMService without the toleration", async () => {
    expect(await objectViolations(gpuWorkloadScheduling, edit(nimService(), "spec.tolerations", []))).toEqual([
      expect.stringMatching(/^NIMService flywheel\/llm-judge requests 1 nvidia\.com\/gpu but does not tolerate the nvidia\.com\/gpu=true:NoSchedule taint.*\(at spec\.tolerations\)\. Fix: add the toleration/),
    ]);
  });

  it("catches a GPU NIMService that selects no pool role", async () => {
    expect(await objectViolations(gpuWorkloadScheduling, edit(nimService(), "spec.nodeSelector", undefined))).toEqual([
      expect.stringContaining("selects no GPU pool role, so it can land on (and scale up) any GPU pool (at spec.nodeSelector). Fix: set the node selector data-flywheel.io/gpu-role"),
    ]);
  });

  it("accepts a role chosen by required node affinity", async () => {
    const byAffinity = edit(edit(nimService(), "spec.nodeSelector", undefined), "spec.affinity", {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: "data-flywheel.io/gpu-role", operator: "In", values: ["training"] }] }],
        },
      },
    });
    expect(await objectViolations(gpuWorkloadScheduling, byAffinity)).toEqual([]);
  });

  it("checks the pod templates of Deployments and Jobs too", async () => {
    const gpuDeployment = edit(cpuDeployment(), "spec.template.spec.containers.0.resources.limits", gpuLimit);
    expect(await objectViolations(gpuWorkloadScheduling, gpuDeployment)).toEqual([
      expect.stringContaining("Deployment nemo/mlflow-proxy requests 1 nvidia.com/gpu but does not tolerate"),
      expect.stringContaining("Deployment nemo/mlflow-proxy requests 1 nvidia.com/gpu but selects no GPU pool role"),
    ]);
  });

  it("accepts a toleration of the exact taint value", async () => {
    const exact = edit(nimService(), "spec.tolerations", [{ key: "nvidia.com/gpu", operator: "Equal", value: "true", effect: "NoSchedule" }]);
    expect(await objectViolations(gpuWorkloadScheduling, exact)).toEqual([]);
    const wrongValue = edit(exact, "spec.tolerations.0.value", "present");
    expect(await objectViolations(gpuWorkloadScheduling, wrongValue)).toEqual([expect.stringContaining("does not tolerate")]);
  });
});
