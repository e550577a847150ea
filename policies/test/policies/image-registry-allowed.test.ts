import { imageRegistryAllowed } from "../../policies/image-registry-allowed";
import { objectViolations } from "../support/policy-review";
import { cpuDeployment, edit, flywheelCronJob, nimCache, nimService, redis } from "../support/fixtures";

const withImage = (image: string) => edit(cpuDeployment(), "spec.template.spec.containers.0.image", image);

describe("image-registry-allowed", () => {
  it("passes images from the registries the stacks use", async () => {
    for (const object of [cpuDeployment(), flywheelCronJob(), nimService(), nimCache(), redis()]) {
      expect(await objectViolations(imageRegistryAllowed, object)).toEqual([]);
    }
    expect(await objectViolations(imageRegistryAllowed, withImage("123456789012.dkr.ecr.us-east-1.amazonaws.com/flywheel-job:0.1.0"))).toEqual([]);
  });

  it("catches an image from elsewhere, naming the allowed sources", async () => {
    expect(await objectViolations(imageRegistryAllowed, withImage("registry.example.com/tools/proxy:1.0.0"))).toEqual([
      expect.stringMatching(
        /^Deployment nemo\/mlflow-proxy: image "registry\.example\.com\/tools\/proxy:1\.0\.0" comes from registry\.example\.com\/tools\/proxy, which is not an allowed source \(nvcr\.io, .*\) \(at spec\.template\.spec\.containers\[0\]\.image\)\. Fix:/,
      ),
    ]);
  });

  it("allows only official images from Docker Hub by default, and the curl project's own image", async () => {
    expect(await objectViolations(imageRegistryAllowed, withImage("redis:7.4.5"))).toEqual([]);
    expect(await objectViolations(imageRegistryAllowed, withImage("curlimages/curl:8.21.0"))).toEqual([]);
    expect(await objectViolations(imageRegistryAllowed, withImage("curlimages/curl-base:8.21.0"))).toEqual([expect.stringContaining("not an allowed source")]);
    expect(await objectViolations(imageRegistryAllowed, withImage("bitnami/redis:7.4.5"))).toEqual([
      expect.stringContaining("comes from docker.io/bitnami/redis, which is not an allowed source"),
    ]);
  });

  it("takes the allowed sources from config, with repository prefixes and wildcards", async () => {
    const config = { allowedRegistries: ["ghcr.io/example", "*.example.com"] };
    expect(await objectViolations(imageRegistryAllowed, withImage("ghcr.io/example/proxy:1.0.0"), config)).toEqual([]);
    expect(await objectViolations(imageRegistryAllowed, withImage("ghcr.io/examples/proxy:1.0.0"), config)).toEqual([expect.stringContaining("not an allowed source")]);
    expect(await objectViolations(imageRegistryAllowed, withImage("registry.example.com/proxy:1.0.0"), config)).toEqual([]);
    expect(await objectViolations(imageRegistryAllowed, withImage("a.b.example.com/proxy:1.0.0"), config)).toEqual([expect.stringContaining("not an allowed source")]);
  });
});
