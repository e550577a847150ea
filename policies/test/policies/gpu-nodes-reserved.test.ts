import { gpuNodesReserved } from "../../policies/gpu-nodes-reserved";
import { objectViolations } from "../support/policy-review";
import { cpuDeployment, edit, flywheelCronJob, nimCache, nimService } from "../support/fixtures";

describe("gpu-nodes-reserved", () => {
  it("passes CPU pods on CPU nodes, GPU pods on GPU nodes, and a NIMCache pinned to CPU nodes", async () => {
    for (const object of [cpuDeployment(), flywheelCronJob(), nimService(), nimCache()]) {
      expect(await objectViolations(gpuNodesReserved, object)).toEqual([]);
    }
  });

  it("catches a CPU pod that selects a GPU pool", async () => {
    const pinned = edit(flywheelCronJob(), "spec.jobTemplate.spec.template.spec.nodeSelector", { "data-flywheel.io/gpu-role": "inference" });
    expect(await objectViolations(gpuNodesReserved, pinned)).toEqual([
      expect.stringMatching(
        /^CronJob flywheel\/flywheel-support-agent requests no nvidia\.com\/gpu but is pinned to GPU nodes by its node selector data-flywheel\.io\/gpu-role=inference \(spec\.jobTemplate\.spec\.template\.spec\.nodeSelector\)\. Fix: select CPU nodes/,
      ),
    ]);
  });

  it("catches a CPU pod that tolerates the GPU taint, or every taint", async () => {
    const tolerant = edit(cpuDeployment(), "spec.template.spec.tolerations", [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }]);
    expect(await objectViolations(gpuNodesReserved, tolerant)).toEqual([
      expect.stringContaining("Deployment nemo/mlflow-proxy requests no nvidia.com/gpu but tolerates the nvidia.com/gpu taint"),
    ]);
    const everything = edit(cpuDeployment(), "spec.template.spec.tolerations", [{ operator: "Exists" }]);
    expect(await objectViolations(gpuNodesReserved, everything)).toEqual([expect.stringContaining("Fix: remove the toleration.")]);
  });

  it("catches a NIMCache without a node selector, which the operator sends to GPU nodes", async () => {
    expect(await objectViolations(gpuNodesReserved, edit(nimCache(), "spec.nodeSelector", undefined))).toEqual([
      expect.stringContaining(
        "NIMCache flywheel/llm-judge requests no nvidia.com/gpu but is pinned to GPU nodes by its node selector feature.node.kubernetes.io/pci-10de.present=true (the NIM operator's default for a NIMCache without spec.nodeSelector",
      ),
    ]);
  });

  it("leaves DaemonSets alone: node agents run on every node", async () => {
    const agent = {
      apiVersion: "apps/v1",
      kind: "DaemonSet",
      metadata: { name: "node-exporter", namespace: "monitoring" },
      spec: { template: { spec: { tolerations: [{ operator: "Exists" }], containers: [{ name: "exporter", image: "quay.io/prometheus/node-exporter:v1.9.1" }] } } },
    };
    expect(await objectViolations(gpuNodesReserved, agent)).toEqual([]);
  });
});
