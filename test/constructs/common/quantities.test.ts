import { parseQuantity, validateQuantity } from "../../../constructs/common/quantities";

describe("parseQuantity", () => {
  it.each([
    ["500m", 0.5],
    ["2", 2],
    ["1.5", 1.5],
    ["1.", 1],
    [".5", 0.5],
    ["+2", 2],
    ["-1", -1],
    ["100n", 1e-7],
    ["250u", 2.5e-4],
    ["1k", 1e3],
    ["1.5G", 1.5e9],
    ["2E", 2e18],
    ["1Ki", 2 ** 10],
    ["512Mi", 512 * 2 ** 20],
    ["1Gi", 2 ** 30],
    ["1Ei", 2 ** 60],
    ["1e3", 1000],
    ["1E3", 1000],
    ["5e-3", 0.005],
    ["2e+2", 200],
  ])("reads %s as %d", (quantity, value) => {
    expect(parseQuantity(quantity)).toBeCloseTo(value);
  });

  // What the API server's resource.ParseQuantity refuses too.
  it.each([
    [""],
    ["lots"],
    ["1 Gi"],
    [" 1Gi"],
    ["1GB"],
    ["1gi"],
    ["1Mb"],
    ["1K"],
    ["1e"],
    ["1e1.5"],
    ["1e3Gi"],
    ["."],
    ["1.2.3"],
    ["0x10"],
    ["--1"],
    ["1m2"],
  ])("refuses %j", (quantity) => {
    expect(parseQuantity(quantity)).toBeUndefined();
  });
});

describe("validateQuantity", () => {
  it("accepts a positive quantity", () => {
    expect(() => validateQuantity("X ns/x", "size", "20Gi")).not.toThrow();
  });

  it.each(["0", "-1Gi", "20 Gi"])("refuses %j, naming the resource, the prop and the value", (quantity) => {
    expect(() => validateQuantity("X ns/x", "storage.size", quantity)).toThrow(
      new Error(`X ns/x: storage.size "${quantity}" is not a positive Kubernetes quantity such as 500m, 2 or 4Gi`),
    );
  });
});
