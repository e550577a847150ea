import { parse } from "yaml";
import { parseJobConfig, planDefaultConfig, verifyPlatformNaming, verifyServingNaming, type FlywheelJobConfigInput } from "../../flywheel-job/src/contract";
import type { KubernetesObject } from "../../policies/lib/kubernetes-object";
import { shippedStacks } from "../../render/stack-files";
import { renderedStack } from "../support/rendered-stacks";
import { endpointsIn, serviceMap } from "../support/service-map";

/** The job configurations a rendered stack's CronJobs mount, as written, by ConfigMap name. */
function jobConfigs(manifests: readonly KubernetesObject[]): Map<string, FlywheelJobConfigInput> {
  const configs = manifests.filter((m) => m.kind === "ConfigMap" && m.metadata.namespace === "flywheel" && typeof (m.data as Record<string, unknown> | undefined)?.["config.yaml"] === "string");
  return new Map(configs.map((m) => [String(m.metadata.name), parse((m.data as Record<string, string>)["config.yaml"]) as FlywheelJobConfigInput]));
}

describe.each(shippedStacks())("the %s stack's flywheel CronJobs", (stack) => {
  it("each mount a job configuration the job's parser accepts, one per CronJob, calling services the stack creates", async () => {
    const rendered = await renderedStack(stack);
    // The workloads' CronJobs, not the suspended verify-serving one (test/stacks/serving.test.ts).
    // The workloads' CronJobs, in flywheel: not the verify Job's, nor the backups' in data.
    const cronJobs = rendered.manifests.filter((m) => m.kind === "CronJob" && m.metadata.namespace === "flywheel" && m.metadata.name !== verifyServingNaming.cronJob && m.metadata.name !== verifyPlatformNaming.cronJob);
    const configs = jobConfigs(rendered.manifests);
    expect(configs.size).toBe(cronJobs.length);
    expect(cronJobs.length).toBe(rendered.config.workloads.length);
    const services = serviceMap(rendered.manifests, rendered.resources);
    for (const [name, raw] of configs) {
      const config = parseJobConfig(raw, `${stack}'s ConfigMap ${name}`);
      const urls = [...Object.values(config.nemo), config.judge.url, config.embedding?.url].filter((v): v is string => typeof v === "string" && v.startsWith("http://"));
      expect(urls.flatMap((url) => endpointsIn(url)).filter((e) => !services.get(e.host)?.has(e.port))).toEqual([]);
    }
  });
});

describe("flywheel plan's default configuration", () => {
  it("is the dev stack's example workload as its CronJob runs it, without what only the cluster has", async () => {
    const rendered = await renderedStack("dev");
    const [config] = jobConfigs(rendered.manifests).values();
    const { workloadId: _workload, clientId: _client, logs: _logs, nemo: _nemo, deployment: _deployment, ...dev } = config as FlywheelJobConfigInput & Record<string, unknown>;
    const candidates = (dev.candidates ?? []).map(({ nimCache: _cache, ...candidate }) => candidate);
    // In the cluster the job calls the remote judge through the judge proxy; plan calls it directly.
    const judge = rendered.config.models.judge;
    expect(judge.type).toBe("remote");
    const judgeUrl = judge.type === "remote" ? `${judge.url.replace(/\/+$/, "")}/chat/completions` : "";
    expect(planDefaultConfig).toEqual({ ...dev, candidates, judge: { ...dev.judge, url: judgeUrl } });
  });
});
