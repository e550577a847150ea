import { Chart, Testing } from "cdk8s";
import { parse } from "yaml";
import { JudgeProxy } from "../../constructs/flywheel/judge-proxy";
import { type FlywheelJobConfigInput, judgeProxyService } from "../../flywheel-job/src/contract";
import { judgeEndpointForJobs, judgeProxyNaming } from "../../infra/platform/judge-proxy-deployment";
import type { KubernetesObject } from "../../policies/lib/kubernetes-object";
import type { RenderedStack } from "../../render/render-stack";
import { renderedStack } from "../support/rendered-stacks";

const remoteJudge = { baseUrl: "https://integrate.api.nvidia.com/v1", model: "meta/llama-3.3-70b-instruct", needsApiKey: true };

describe("judgeEndpointForJobs", () => {
  it("sends the jobs to the judge proxy for a remote judge, needing no key", () => {
    expect(judgeEndpointForJobs(remoteJudge, "flywheel")).toEqual({
      baseUrl: `http://judge-proxy.flywheel.svc.cluster.local:${judgeProxyService.port}/v1`,
      model: "meta/llama-3.3-70b-instruct",
      needsApiKey: false,
    });
  });

  it("leaves a judge NIM of the stack as it is", () => {
    const local = { baseUrl: "http://flywheel-judge.nemo.svc.cluster.local:8000/v1", model: "m", needsApiKey: false };
    expect(judgeEndpointForJobs(local, "flywheel")).toBe(local);
  });

  it("is the URL the proxy's Service serves", () => {
    const proxy = new JudgeProxy(new Chart(Testing.app(), "test"), "proxy", {
      name: judgeProxyNaming.name,
      namespace: "flywheel",
      image: `ghcr.io/acme/flywheel-job@sha256:${"c".repeat(64)}`,
      upstreamUrl: remoteJudge.baseUrl,
      apiKey: { name: judgeProxyNaming.keySecret, key: judgeProxyNaming.keySecretKey },
    });
    expect(judgeEndpointForJobs(remoteJudge, "flywheel").baseUrl).toBe(proxy.baseUrl);
  });
});

const secretKeys = (rendered: RenderedStack, name: string): string[] =>
  rendered.resources
    .filter((r) => r.type === "kubernetes:core/v1:Secret" && (r.inputs.metadata as { name?: string } | undefined)?.name === name)
    .flatMap((r) => Object.keys((r.inputs.stringData as Record<string, unknown> | undefined) ?? {}));
const named = (rendered: RenderedStack, kind: string, name: string): KubernetesObject[] =>
  rendered.manifests.filter((m) => m.kind === kind && m.metadata.namespace === "flywheel" && m.metadata.name === name);

describe.each(["dev", "local"])("the %s stack (remote judge, scheduled workloads)", (stack) => {
  it("runs the judge proxy from the CronJobs' image, with the key in a Secret only the proxy mounts", async () => {
    const rendered = await renderedStack(stack);
    const [deployment] = named(rendered, "Deployment", judgeProxyNaming.name);
    expect(named(rendered, "Service", judgeProxyNaming.name)).toHaveLength(1);
    const podSpec = (deployment.spec as { template: { spec: { containers: { image: string; args: string[] }[] } } }).template.spec;
    const cronJobImages = rendered.manifests
      .filter((m) => m.kind === "CronJob")
      .map((m) => (m.spec as { jobTemplate: { spec: { template: { spec: { containers: { image: string }[] } } } } }).jobTemplate.spec.template.spec.containers[0].image);
    expect(new Set(cronJobImages)).toEqual(new Set([podSpec.containers[0].image]));
    expect(podSpec.containers[0].args.slice(0, 3)).toEqual(["judge-proxy", "--upstream", String((rendered.config as { models: { judge: { url: string } } }).models.judge.url).replace(/\/+$/, "")]);
    expect(secretKeys(rendered, judgeProxyNaming.keySecret)).toEqual([judgeProxyNaming.keySecretKey]);
  });

  it("gives the jobs no judge key and points their configurations at the proxy", async () => {
    const rendered = await renderedStack(stack);
    expect(secretKeys(rendered, "flywheel-model-keys")).not.toContain("JUDGE_API_KEY");
    const envFrom = rendered.manifests
      .filter((m) => m.kind === "CronJob")
      .flatMap((m) => (m.spec as { jobTemplate: { spec: { template: { spec: { containers: { envFrom?: { secretRef: { name: string } }[] }[] } } } } }).jobTemplate.spec.template.spec.containers[0].envFrom ?? [])
      .map((e) => e.secretRef.name);
    expect(envFrom).not.toContain(judgeProxyNaming.keySecret);
    const configs = rendered.manifests
      .filter((m) => m.kind === "ConfigMap" && m.metadata.namespace === "flywheel" && typeof (m.data as Record<string, unknown> | undefined)?.["config.yaml"] === "string")
      .map((m) => parse((m.data as Record<string, string>)["config.yaml"]) as FlywheelJobConfigInput);
    expect(configs.length).toBeGreaterThan(0);
    for (const config of configs) {
      expect(config.judge?.url).toBe(`http://judge-proxy.flywheel.svc.cluster.local:${judgeProxyService.port}/v1/chat/completions`);
    }
  });
});

describe("the prod stack (no workloads yet)", () => {
  it("runs no judge proxy: nothing calls the judge", async () => {
    const rendered = await renderedStack("prod");
    expect(named(rendered, "Deployment", judgeProxyNaming.name)).toEqual([]);
    expect(secretKeys(rendered, judgeProxyNaming.keySecret)).toEqual([]);
  });
});
