import type { RenderedStack } from "../../render/render-stack";
import { renderedStack } from "../support/rendered-stacks";
import { input, ofType } from "../support/resources";

let local: RenderedStack;

beforeAll(async () => {
  local = await renderedStack("local");
});

describe("local (bring-your-own cluster) stack", () => {
  it("creates no AWS resources at all", () => {
    expect(local.resources.filter((r) => r.type.startsWith("aws:") || r.type.startsWith("data-flywheel:aws:"))).toEqual([]);
  });

  it("deploys through one explicit Kubernetes provider bound to the ambient kubeconfig", () => {
    const providers = ofType(local.resources, "pulumi:providers:kubernetes");
    expect(providers).toHaveLength(1);
    expect(input(providers[0], "kubeconfig")).toBeUndefined();
  });
});

describe("local platform", () => {
  it("installs the GPU driver and toolkit with the GPU Operator, as the stack file asks", () => {
    const gpu = ofType(local.resources, "kubernetes:helm.sh/v3:Release").find((r) => input(r, "chart") === "gpu-operator");
    expect(gpu && input(gpu, "values")).toMatchObject({ driver: { enabled: true }, toolkit: { enabled: true } });
  });

  it("caches models with the access mode a single-node cluster offers, on the cluster's default StorageClass", () => {
    const [cache] = local.manifests.filter((m) => m.kind === "NIMCache");
    expect((cache.spec as { storage: { pvc: Record<string, unknown> } }).storage.pvc).toMatchObject({ volumeAccessMode: "ReadWriteOnce" });
    expect((cache.spec as { storage: { pvc: Record<string, unknown> } }).storage.pvc.storageClass).toBeUndefined();
  });

  it("does not deploy Customizer when no candidate model can be fine-tuned", () => {
    expect(local.manifests.filter((m) => m.kind === "NemoCustomizer")).toEqual([]);
  });
});
