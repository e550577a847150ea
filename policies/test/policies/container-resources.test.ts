import { containerResources } from "../../policies/container-resources";
import { objectViolations } from "../support/policy-review";
import { cpuDeployment, edit, flywheelCronJob, nimCache, nimService, redis } from "../support/fixtures";

describe("container-resources", () => {
  it("passes workloads whose containers all set requests and limits", async () => {
    for (const object of [cpuDeployment(), flywheelCronJob(), nimService(), nimCache(), redis()]) {
      expect(await objectViolations(containerResources, object)).toEqual([]);
    }
  });

  it("names each missing request and limit and where to set them", async () => {
    const noLimits = edit(flywheelCronJob(), "spec.jobTemplate.spec.template.spec.containers.0.resources.limits", undefined);
    expect(await objectViolations(containerResources, noLimits)).toEqual([
      'CronJob flywheel/flywheel-support-agent: container "flywheel" sets no cpu limit, memory limit (at spec.jobTemplate.spec.template.spec.containers[0].resources). ' +
        "Fix: set requests and limits for cpu and memory.",
    ]);
  });

  it("checks init containers too", async () => {
    const init = edit(cpuDeployment(), "spec.template.spec.initContainers", [{ name: "migrate", image: "nvcr.io/nvidia/example-proxy:1.2.3" }]);
    expect(await objectViolations(containerResources, init)).toEqual([
      expect.stringContaining('init container "migrate" sets no cpu request, cpu limit, memory request, memory limit (at spec.template.spec.initContainers[0].resources)'),
    ]);
  });

  it("lets a team drop the CPU limit by config", async () => {
    const noCpuLimit = edit(cpuDeployment(), "spec.template.spec.containers.0.resources.limits.cpu", undefined);
    expect(await objectViolations(containerResources, noCpuLimit)).toEqual([expect.stringContaining("sets no cpu limit")]);
    expect(await objectViolations(containerResources, noCpuLimit, { requireCpuLimit: false })).toEqual([]);
  });

  it("reads NIM operator resources where the operator takes them from", async () => {
    expect(await objectViolations(containerResources, edit(nimService(), "spec.resources.requests", undefined))).toEqual([
      'NIMService flywheel/llm-judge: container "llm-judge" sets no cpu request, memory request (at spec.resources). Fix: set requests and limits for cpu and memory.',
    ]);
    expect(await objectViolations(containerResources, edit(nimCache(), "spec.resources.memory", undefined))).toEqual([
      expect.stringContaining('NIMCache flywheel/llm-judge: container "nim-cache" sets no memory request, memory limit (at spec.resources)'),
    ]);
  });
});
