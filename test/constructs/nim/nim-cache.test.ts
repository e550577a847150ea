import { NimCache, type NimCacheProps } from "../../../constructs/nim/nim-cache";
import { only, synth, typicalProps } from "./fixtures";

const props = typicalProps.nimCache;
const ngc = props.source.ngc;

function nimCacheSpec(overrides: Partial<NimCacheProps> = {}) {
  return only(synth((chart) => new NimCache(chart, "cache", { ...props, ...overrides })), "NIMCache").spec;
}

function build(overrides: Partial<NimCacheProps>) {
  return () => synth((chart) => new NimCache(chart, "cache", { ...props, ...overrides }));
}

describe("NimCache", () => {
  it("pins GPU-specific profiles from NGC with the pull and auth secrets", () => {
    const manifest = only(synth((chart) => new NimCache(chart, "cache", props)), "NIMCache");
    expect(manifest).toMatchObject({ apiVersion: "apps.nvidia.com/v1alpha1", metadata: { name: props.name, namespace: "flywheel" } });
    expect(manifest.spec.source).toEqual({
      ngc: {
        modelPuller: "nvcr.io/nim/meta/llama-3.2-1b-instruct:1.12.0",
        pullSecret: "nvcr-pull",
        authSecret: "ngc-api",
        model: { gpus: [{ product: "l40s" }], engine: "tensorrt_llm", tensorParallelism: "1", lora: true },
      },
    });
  });

  it("runs the caching job on the CPU nodes it is given, with CPU and memory", () => {
    const spec = nimCacheSpec();
    expect(spec.nodeSelector).toEqual({ "data-flywheel.io/node-pool": "system" });
    expect(spec.resources).toEqual({ cpu: "1", memory: "4Gi" });
    expect(nimCacheSpec({ resources: { cpu: "2", memory: "8Gi" } }).resources).toEqual({ cpu: "2", memory: "8Gi" });
  });

  it("asks the operator to create the claim on the given class and access mode", () => {
    expect(nimCacheSpec().storage).toEqual({ pvc: { create: true, size: "50Gi", storageClass: "efs", volumeAccessMode: "ReadWriteMany" } });
    expect(nimCacheSpec({ storage: { size: "50Gi", accessMode: "ReadWriteOnce", create: false, pvcName: "models" } }).storage).toEqual({
      pvc: { create: false, name: "models", size: "50Gi", volumeAccessMode: "ReadWriteOnce" },
    });
  });

  it("accepts explicit profiles alone", () => {
    const spec = nimCacheSpec({ source: { ngc: { ...ngc, model: { profiles: ["4f904d571fe60ff24695b5ee2aa42da58cb460787a968f1e8a09f5a7e862728d"] } } } });
    expect(spec.source.ngc.model).toEqual({ profiles: ["4f904d571fe60ff24695b5ee2aa42da58cb460787a968f1e8a09f5a7e862728d"] });
  });

  describe("refuses what would break on a cluster with GPU pools at zero", () => {
    it("an NGC model without pinned profiles or GPUs", () => {
      expect(build({ source: { ngc: { ...ngc, model: { engine: "tensorrt_llm" } } } })).toThrow(
        new Error("NIMCache flywheel/meta-llama-3-2-1b-instruct: source.ngc.model must set profiles or gpus: without them the operator picks profiles for the GPUs on the cluster's nodes, and a GPU pool scaled to zero has none"),
      );
    });

    it("an empty node selector", () => {
      expect(build({ nodeSelector: {} })).toThrow("nodeSelector must select the CPU nodes the caching job runs on");
    });
  });

  it("refuses profiles mixed with selectors the operator would ignore", () => {
    expect(build({ source: { ngc: { ...ngc, model: { profiles: ["abc"], lora: true } } } })).toThrow("the operator then ignores lora");
  });

  it("requires a pinned modelPuller", () => {
    expect(build({ source: { ngc: { ...ngc, modelPuller: "nvcr.io/nim/meta/llama-3.2-1b-instruct:latest" } } })).toThrow('must pin a release, not "latest"');
    expect(build({ source: { ngc: { ...ngc, modelPuller: "nvcr.io/nim/meta/llama-3.2-1b-instruct" } } })).toThrow("must be pinned by a tag or a digest");
    const digest = `nvcr.io/nim/meta/llama-3.2-1b-instruct@sha256:${"a".repeat(64)}`;
    expect(nimCacheSpec({ source: { ngc: { ...ngc, modelPuller: digest } } }).source.ngc.modelPuller).toBe(digest);
  });

  it("requires the claim name when it does not create the claim", () => {
    expect(build({ storage: { size: "50Gi", accessMode: "ReadWriteMany", create: false } })).toThrow("storage.pvcName must name the existing claim");
  });

  it("rejects malformed sizes and names", () => {
    expect(build({ storage: { size: "fifty", accessMode: "ReadWriteMany" } })).toThrow('storage.size "fifty" is not a positive Kubernetes quantity');
    expect(build({ storage: { size: "50Gi", storageClass: "EFS", accessMode: "ReadWriteMany" } })).toThrow(
      new Error('NIMCache flywheel/meta-llama-3-2-1b-instruct: storage.storageClass "EFS" is not a valid Kubernetes object name (DNS-1123 subdomain)'),
    );
    expect(build({ name: "Llama" })).toThrow('name "Llama" must be a DNS-1123 label');
  });
});
