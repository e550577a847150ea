import { validateComputeResources } from "../../../constructs/common/compute-resources";

describe("validateComputeResources", () => {
  const owner = "X ns/x";

  it("accepts requests up to their limits, compared across units", () => {
    expect(() => validateComputeResources(owner, "resources", { requests: { cpu: "1000m", memory: "1024Mi" }, limits: { cpu: "1", memory: "1Gi" } })).not.toThrow();
  });

  it.each([
    [{ requests: { cpu: "1500m", memory: "1Gi" }, limits: { cpu: "1", memory: "2Gi" } }, "resources.requests.cpu (1500m) exceeds resources.limits.cpu (1)"],
    [{ requests: { cpu: "1", memory: "2Gi" }, limits: { cpu: "1", memory: "2G" } }, "resources.requests.memory (2Gi) exceeds resources.limits.memory (2G)"],
    [{ requests: { cpu: "0", memory: "1Gi" }, limits: { cpu: "1", memory: "1Gi" } }, 'resources.requests.cpu "0" is not a positive Kubernetes quantity such as 500m, 2 or 4Gi'],
    [{ requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "1", memory: "1 Gi" } }, 'resources.limits.memory "1 Gi" is not a positive Kubernetes quantity such as 500m, 2 or 4Gi'],
  ])("refuses %j", (resources, message) => {
    expect(() => validateComputeResources(owner, "resources", resources)).toThrow(new Error(`${owner}: ${message}`));
  });
});
