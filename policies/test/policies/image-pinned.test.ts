import { imagePinned } from "../../policies/image-pinned";
import { objectViolations, resourceViolations } from "../support/policy-review";
import { cpuDeployment, edit, flywheelCronJob, helmRelease, nimCache, nimService, redis, servingNimService } from "../support/fixtures";

const withImage = (image: string) => edit(cpuDeployment(), "spec.template.spec.containers.0.image", image);

describe("image-pinned", () => {
  it("passes images pinned by version tag or digest", async () => {
    for (const object of [cpuDeployment(), flywheelCronJob(), nimService(), servingNimService(), nimCache(), redis()]) {
      expect(await objectViolations(imagePinned, object)).toEqual([]);
    }
    expect(await objectViolations(imagePinned, withImage("nvcr.io/nvidia/example-proxy:latest@sha256:0f1e2d3c4b5a69788796a5b4c3d2e1f0"))).toEqual([]);
  });

  it("catches a latest image", async () => {
    expect(await objectViolations(imagePinned, withImage("nvcr.io/nvidia/example-proxy:latest"))).toEqual([
      'Deployment nemo/mlflow-proxy: image "nvcr.io/nvidia/example-proxy:latest" of container "proxy" uses the floating tag "latest" (at spec.template.spec.containers[0].image). ' +
        "Fix: pin an immutable version tag or a digest (image@sha256:…).",
    ]);
  });

  it("catches an image without a tag, and other floating tags", async () => {
    expect(await objectViolations(imagePinned, withImage("redis"))).toEqual([expect.stringContaining('image "redis" of container "proxy" has no tag, so it pulls latest')]);
    expect(await objectViolations(imagePinned, withImage("localhost:5000/proxy"))).toEqual([expect.stringContaining("has no tag")]);
    expect(await objectViolations(imagePinned, withImage("ghcr.io/example/proxy:main"))).toEqual([expect.stringContaining('uses the floating tag "main"')]);
    expect(await objectViolations(imagePinned, withImage("ghcr.io/example/proxy:main"), { floatingTags: ["latest"] })).toEqual([]);
  });

  it("reads NIM operator images from their own fields", async () => {
    expect(await objectViolations(imagePinned, edit(nimService(), "spec.image.tag", "latest"))).toEqual([
      expect.stringContaining('NIMService flywheel/llm-judge: image "nvcr.io/nim/meta/llama-3.3-70b-instruct:latest" of container "llm-judge" uses the floating tag "latest" (at spec.image)'),
    ]);
    expect(await objectViolations(imagePinned, edit(servingNimService(), "spec.image.tag", "latest"))).toEqual([
      expect.stringContaining('NIMService serving/support-agent: image "nvcr.io/nim/meta/llama-3.2-1b-instruct:latest" of container "support-agent" uses the floating tag "latest" (at spec.image)'),
    ]);
    expect(await objectViolations(imagePinned, edit(servingNimService(), "spec.image.tag", undefined))).toEqual([expect.stringContaining("has no tag, so it pulls latest (at spec.image)")]);
    expect(await objectViolations(imagePinned, edit(nimCache(), "spec.source.ngc.modelPuller", "nvcr.io/nim/meta/llama-3.3-70b-instruct"))).toEqual([
      expect.stringContaining("has no tag, so it pulls latest (at spec.source.ngc.modelPuller)"),
    ]);
    const customizer = {
      apiVersion: "apps.nvidia.com/v1alpha1",
      kind: "NemoCustomizer",
      metadata: { name: "customizer", namespace: "nemo" },
      spec: { image: { repository: "nvcr.io/nvidia/nemo-microservices/customizer-api", tag: "25.08" }, modelDownloadJobs: { image: "nvcr.io/nvidia/nemo-microservices/nds-v2-huggingface-cli:latest" } },
    };
    expect(await objectViolations(imagePinned, customizer)).toEqual([expect.stringContaining("(at spec.modelDownloadJobs.image)")]);
  });

  it("passes a Helm release that pins its chart's image tag", async () => {
    expect(await resourceViolations(imagePinned, helmRelease())).toEqual([]);
  });

  it("catches a chart whose default image tag must be overridden but is not", async () => {
    expect(await resourceViolations(imagePinned, edit(helmRelease(), "props.values.image", undefined))).toEqual([
      expect.stringContaining('Helm release "flywheel-autoscaler" (chart cluster-autoscaler) leaves values.image.tag unset'),
    ]);
    const nimOperator = edit(edit(helmRelease(), "props.chart", "k8s-nim-operator"), "props.values", { operator: { image: { tag: "v3.1.2" } } });
    expect(await resourceViolations(imagePinned, nimOperator)).toEqual([]);
  });

  it("catches a floating tag anywhere in Helm values", async () => {
    const floating = edit(helmRelease(), "props.values.sidecar", { image: "quay.io/example/sidecar:latest", imageTag: "stable" });
    expect(await resourceViolations(imagePinned, floating)).toEqual([
      expect.stringContaining('sets values.sidecar.image to "quay.io/example/sidecar:latest", which floats'),
      expect.stringContaining('sets values.sidecar.imageTag to "stable", which floats'),
    ]);
  });
});
