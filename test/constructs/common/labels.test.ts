import { validateNodeSelector, validatePodSelectorLabels } from "../../../constructs/common/labels";

describe("validateNodeSelector", () => {
  it("accepts label keys with a DNS prefix and label values", () => {
    expect(() => validateNodeSelector("X ns/x", "nodeSelector", { "data-flywheel.io/node-pool": "system", "kubernetes.io/os": "linux" })).not.toThrow();
  });

  it.each([
    [{ "bad key": "x" }, 'nodeSelector key "bad key" is not a label key'],
    [{ pool: "not a value" }, 'nodeSelector["pool"] "not a value" is not a label value'],
  ])("refuses %j", (selector, message) => {
    expect(() => validateNodeSelector("X ns/x", "nodeSelector", selector)).toThrow(new Error(`X ns/x: ${message}`));
  });
});

describe("validatePodSelectorLabels", () => {
  it("refuses no labels: the selector would match every pod", () => {
    expect(() => validatePodSelectorLabels("X ns/x", "podLabels", {})).toThrow(
      new Error("X ns/x: podLabels must name at least one label, or it would select every pod of the namespace"),
    );
    expect(() => validatePodSelectorLabels("X ns/x", "podLabels", { app: "x" })).not.toThrow();
  });
});
