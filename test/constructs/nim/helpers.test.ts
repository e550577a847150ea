import { validateImage, validatePinnedReference } from "../../../constructs/nim/image";
import { parseQuantity, validateComputeResources } from "../../../constructs/nim/resources";
import { inClusterServiceUrl } from "../../../constructs/nim/urls";
import { validateServiceRoot } from "../../../constructs/nim/validation";

describe("validatePinnedReference", () => {
  const digest = `sha256:${"0123456789abcdef".repeat(4)}`;

  it.each([
    "nvcr.io/nim/meta/llama-3.1-8b-instruct:1.8.6",
    `nvcr.io/nim/meta/llama-3.1-8b-instruct@${digest}`,
    `nvcr.io/nim/meta/llama-3.1-8b-instruct:1.8.6@${digest}`,
    "registry.local:5000/nim/llm-nim:1.12",
  ])("accepts %s", (reference) => {
    expect(() => validatePinnedReference("X", "image", reference)).not.toThrow();
  });

  it.each([
    ["registry.local:5000/nim/llm-nim", "must be pinned by a tag or a digest"],
    ["nvcr.io/nim/llm-nim:latest", 'must pin a release, not "latest"'],
    ["nvcr.io/nim/llm-nim@sha256:abc", "malformed digest"],
    ["NVCR.io/nim/llm-nim:1", "is not an image reference"],
  ])("rejects %s", (reference, message) => {
    expect(() => validatePinnedReference("X", "image", reference)).toThrow(message);
  });

  it("keeps repository and tag apart for the operator's image fields", () => {
    expect(() => validateImage("X", "image", { repository: "nvcr.io/nvidia/nemo-microservices/datastore:25.08", tag: "25.08" })).toThrow("(no tag or digest here)");
  });
});

describe("parseQuantity", () => {
  it.each([
    ["500m", 0.5],
    ["2", 2],
    ["1Gi", 2 ** 30],
    ["1.5G", 1.5e9],
    ["1e3", 1000],
  ])("reads %s", (quantity, value) => {
    expect(parseQuantity(quantity)).toBeCloseTo(value);
  });

  it("rejects what Kubernetes would", () => {
    expect(parseQuantity("1 Gi")).toBeUndefined();
    expect(parseQuantity("1GB")).toBeUndefined();
  });

  it("compares requests with limits across units", () => {
    expect(() => validateComputeResources("X", "resources", { requests: { cpu: "1500m", memory: "1Gi" }, limits: { cpu: "1", memory: "2Gi" } })).toThrow(
      "X: resources.requests.cpu (1500m) exceeds resources.limits.cpu (1)",
    );
  });
});

describe("service URLs", () => {
  it("name the Service the operator creates after the resource", () => {
    expect(inClusterServiceUrl("nemo-datastore", "nemo")).toBe("http://nemo-datastore.nemo.svc.cluster.local:8000");
  });

  it("take roots without a trailing slash and refuse paths", () => {
    expect(validateServiceRoot("X", "url", "http://a.b.svc.cluster.local:8000/")).toBe("http://a.b.svc.cluster.local:8000");
    expect(() => validateServiceRoot("X", "url", "http://a.b.svc.cluster.local:8000/v1")).toThrow("must be the service root");
  });
});
