import { contentHash, memoryBytes, requireComputeResources, requireNodeSelector, requireQuantity } from "../../../constructs/data/common";
import { resolveJobRunLimits, versionedName } from "../../../constructs/data/jobs";

describe("data construct helpers", () => {
  test("memory quantities in bytes, binary and decimal", () => {
    expect(memoryBytes("2Gi")).toBe(2 * 2 ** 30);
    expect(memoryBytes("512Mi")).toBe(512 * 2 ** 20);
    expect(memoryBytes("1G")).toBe(1e9);
    expect(memoryBytes("1024")).toBe(1024);
    expect(memoryBytes("500m")).toBeUndefined();
  });

  test("quantities follow the Kubernetes grammar", () => {
    for (const ok of ["500m", "2Gi", "1.5", "20Gi", "1e3"]) expect(() => requireQuantity("C", "id", "p", ok)).not.toThrow();
    for (const bad of ["2 Gi", "2GB", "", "lots"]) expect(() => requireQuantity("C", "id", "p", bad)).toThrow(/^C "id": p must be a Kubernetes quantity/);
  });

  test("a memory request above its limit is rejected", () => {
    expect(() => requireComputeResources("C", "id", "resources", { requests: { cpu: "1", memory: "2Gi" }, limits: { cpu: "1", memory: "1Gi" } }))
      .toThrow(/resources.requests.memory must not exceed limits.memory \(1Gi\)/);
  });

  test("node selectors need label keys and values", () => {
    expect(() => requireNodeSelector("C", "id", "nodeSelector", { "data-flywheel.io/node-pool": "system" })).not.toThrow();
    expect(() => requireNodeSelector("C", "id", "nodeSelector", { "bad key": "x" })).toThrow(/nodeSelector key must be a label key/);
  });

  test("content hashes are stable and short", () => {
    expect(contentHash({ a: 1 })).toBe(contentHash({ a: 1 }));
    expect(contentHash({ a: 1 })).not.toBe(contentHash({ a: 2 }));
    expect(contentHash({ a: 1 })).toMatch(/^[0-9a-f]{10}$/);
  });

  test("a versioned name fits the 63 characters of a Job's pod label", () => {
    expect(versionedName("C", "id", "x".repeat(52), "0123456789")).toHaveLength(63);
    expect(() => versionedName("C", "id", "x".repeat(53), "0123456789")).toThrow(/name must be at most 52 characters/);
  });

  test("Job limits default to bounded values", () => {
    expect(resolveJobRunLimits("C", "id", {})).toEqual({ backoffLimit: 3, activeDeadlineSeconds: 1800, ttlSecondsAfterFinished: 86400 });
  });
});
