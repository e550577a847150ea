import { renderStack, type RenderedStack } from "../../render/render-stack";
import { input, ofType } from "../support/resources";

let local: RenderedStack;

beforeAll(async () => {
  local = await renderStack("local");
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
