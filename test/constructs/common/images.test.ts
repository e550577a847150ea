import { isPinnedByDigest, validateImage, validatePinnedReference } from "../../../constructs/common/images";

const digest = `sha256:${"0123456789abcdef".repeat(4)}`;

describe("validatePinnedReference", () => {
  it.each([
    "nvcr.io/nim/meta/llama-3.1-8b-instruct:1.8.6",
    `nvcr.io/nim/meta/llama-3.1-8b-instruct@${digest}`,
    `nvcr.io/nim/meta/llama-3.1-8b-instruct:1.8.6@${digest}`,
    "registry.local:5000/nim/llm-nim:1.12",
  ])("accepts %s", (reference) => {
    expect(() => validatePinnedReference("X ns/x", "image", reference)).not.toThrow();
  });

  it.each([
    ["registry.local:5000/nim/llm-nim", 'image "registry.local:5000/nim/llm-nim" must be pinned by a tag or a digest (without either it means "latest")'],
    ["nvcr.io/nim/llm-nim:latest", 'image "nvcr.io/nim/llm-nim:latest": tag must pin a release, not "latest": a moving tag changes what runs without a reviewed change'],
    ["nvcr.io/nim/llm-nim@sha256:abc", 'image "nvcr.io/nim/llm-nim@sha256:abc" has a malformed digest (expected @sha256:<64 hex digits>)'],
    ["NVCR.io/nim/llm-nim:1", 'image "NVCR.io/nim/llm-nim:1" is not an image reference such as nvcr.io/nim/meta/llama-3.2-1b-instruct:1.12.0'],
  ])("rejects %s", (reference, message) => {
    expect(() => validatePinnedReference("X ns/x", "image", reference)).toThrow(new Error(`X ns/x: ${message}`));
  });
});

describe("validateImage", () => {
  it("keeps repository and tag apart for the operator's image fields", () => {
    expect(() => validateImage("X ns/x", "image", { repository: "nvcr.io/nvidia/nemo-microservices/datastore:25.08", tag: "25.08" })).toThrow(
      new Error('X ns/x: image.repository "nvcr.io/nvidia/nemo-microservices/datastore:25.08" is not an image repository such as nvcr.io/nvidia/nemo-microservices/datastore (no tag or digest here)'),
    );
  });
});

describe("isPinnedByDigest", () => {
  it.each([`ghcr.io/acme/flywheel-job@${digest}`, `registry.local:5000/team/flywheel/job@${digest}`])("accepts %s", (reference) => {
    expect(isPinnedByDigest(reference)).toBe(true);
  });

  it.each([
    "ghcr.io/acme/flywheel-job:1.0",
    `flywheel-job@${digest}`,
    `ghcr.io/acme/flywheel-job:1.0@${digest}`,
    `ghcr.io/acme/flywheel-job@sha256:${"0".repeat(63)}`,
    `ghcr.io/Acme/flywheel-job@${digest}`,
    `ghcr.io/acme//flywheel-job@${digest}`,
  ])("refuses %s", (reference) => {
    expect(isPinnedByDigest(reference)).toBe(false);
  });
});
