import { type NetworkPath, pathName } from "../../constructs/network/network-path";
import { monitoringNaming } from "../../infra/platform/monitoring";
import { namespaces } from "../../infra/platform/namespaces";
import { type NetworkPathsInput, platformNetworkPaths, platformPods } from "../../infra/platform/network-paths";
import { type CustomMetricRule, servingMetricRules } from "../../infra/platform/prometheus-adapter";
import type { RecordedResource } from "../../render/recorder";
import type { RenderedStack } from "../../render/render-stack";
import { servingScaleMetrics } from "../../stacks/config/schema/serving";
import { describeWithProgram, prometheusServer, promtool } from "../support/needs-program";
import { type FixtureSeries, type PrometheusFixture, startPrometheusFixture } from "../support/prometheus-fixture";
import { renderedStack, renderedVariant } from "../support/rendered-stacks";
import { input, ofType } from "../support/resources";
import { servingDev } from "../support/serving-variants";
import { baseNetworkPathsInput } from "../support/network-paths-input";

/**
 * prometheus-adapter, which serves the serving entries' HPAs the NIM metric each scales on: its
 * rules, what they return from a real Prometheus, the release a scaling stack installs, and its
 * network paths.
 */

const metrics = Object.keys(servingScaleMetrics);

/** A rule's metricsQuery as the adapter fills it in for an HPA asking about `pods` of the serving namespace. */
function adapterQuery(rule: CustomMetricRule, pods: readonly string[]): string {
  return rule.metricsQuery
    .replace("<<.Series>>", rule.name.as)
    .replace("<<.LabelMatchers>>", `namespace="${namespaces.serving}",pod=~"${pods.join("|")}"`)
    .replace("<<.GroupBy>>", "pod");
}

describe("servingMetricRules", () => {
  it("serves each metric an entry may scale on, under its own name, from the serving namespace's pods", () => {
    expect(servingMetricRules()).toEqual(
      metrics.map((metric) => ({
        seriesQuery: `{__name__="${metric}",namespace="serving"}`,
        resources: { overrides: { namespace: { resource: "namespace" }, pod: { resource: "pod" } } },
        name: { matches: `^${metric}$`, as: metric },
        metricsQuery: "avg(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)",
      })),
    );
  });
});

describeWithProgram(promtool, "the serving metric rules against a real Prometheus", () => {
  describeWithProgram(prometheusServer, "over NIM series as the NIM operator's ServiceMonitor scrapes them", () => {
    let prometheus: PrometheusFixture;
    // Pod a is scraped through two endpoints; c is another replica the HPA did not ask about; the
    // flywheel namespace's pod of the same name is a candidate NIM, not a served one.
    const scraped = (metric: string, namespace: string, pod: string, endpoint: string, value: number): FixtureSeries => ({
      name: metric,
      labels: { namespace, pod, service: "support-agent", endpoint, container: "nim", job: "support-agent" },
      value: () => value,
    });
    const series = metrics.flatMap((metric, i) => {
      const scale = i + 1;
      return [
        scraped(metric, "serving", "support-agent-a", "api", 0.2 * scale),
        scraped(metric, "serving", "support-agent-a", "api-2", 0.4 * scale),
        scraped(metric, "serving", "support-agent-b", "api", 0.1 * scale),
        scraped(metric, "serving", "support-agent-c", "api", 0.9 * scale),
        scraped(metric, "flywheel", "support-agent-a", "api", 0.8 * scale),
      ];
    });

    beforeAll(async () => {
      prometheus = await startPrometheusFixture(series);
    }, 60_000);

    afterAll(async () => {
      await prometheus?.stop();
    });

    test.each(servingMetricRules().map((rule, i) => [rule.name.as, rule, i + 1] as const))("%s: one value per asked pod, its series averaged", async (_metric, rule, scale) => {
      const answer = await prometheus.query(adapterQuery(rule, ["support-agent-a", "support-agent-b"]));
      const values = (answer.result as { metric: Record<string, string>; value: [number, string] }[]).map((sample) => [sample.metric, Number(sample.value[1])] as const);
      expect(values.map(([labels]) => labels)).toEqual(expect.arrayContaining([{ pod: "support-agent-a" }, { pod: "support-agent-b" }]));
      expect(values).toHaveLength(2);
      const byPod = Object.fromEntries(values.map(([labels, value]) => [labels.pod, value]));
      expect(byPod["support-agent-a"]).toBeCloseTo(0.3 * scale, 9);
      expect(byPod["support-agent-b"]).toBeCloseTo(0.1 * scale, 9);
    });
  });
});

describe("the release a stack whose serving entry scales installs", () => {
  let scaling: RenderedStack;
  let dev: RenderedStack;

  beforeAll(async () => {
    // One after another: a render in this worker holds Pulumi's global runtime.
    scaling = await renderedVariant("serving-dev", servingDev);
    dev = await renderedStack("dev");
  });

  const adapterReleases = (stack: RenderedStack): RecordedResource[] => ofType(stack.resources, "kubernetes:helm.sh/v3:Release").filter((r) => input(r, "chart") === "prometheus-adapter");

  it("is prometheus-adapter 5.3.0 in monitoring, querying the stack's Prometheus with the serving rules only", () => {
    const [adapter, ...others] = adapterReleases(scaling);
    expect(others).toEqual([]);
    expect(input(adapter, "version")).toBe("5.3.0");
    expect(input(adapter, "namespace")).toBe(namespaces.monitoring);
    expect(input(adapter, "values", "prometheus")).toEqual({ url: `http://${monitoringNaming.prometheusService}.monitoring.svc`, port: monitoringNaming.prometheusPort });
    expect(input(adapter, "values", "rules")).toEqual({ default: false, custom: servingMetricRules() });
    expect(input(adapter, "values", "securityContext")).toMatchObject({ runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" } });
  });

  it("waits for kube-prometheus-stack, whose Prometheus it queries", () => {
    const [adapter] = adapterReleases(scaling);
    expect(adapter?.options?.dependsOn).toEqual(["kubernetes:helm.sh/v3:Release::platform-monitoring"]);
  });

  it("is not installed when no entry scales (the shipped dev entry is off)", () => {
    expect(adapterReleases(dev)).toEqual([]);
  });
});

describe("prometheus-adapter's network paths", () => {
  const pathsInput: NetworkPathsInput = { ...baseNetworkPathsInput, monitoring: true };
  const adapterPaths = (over: Partial<NetworkPathsInput>): [string, number[]][] =>
    platformNetworkPaths({ ...pathsInput, ...over })
      .filter((p: NetworkPath) => p.from === platformPods.prometheusAdapter || p.to === platformPods.prometheusAdapter)
      .map((p) => [pathName(p), p.ports.map((port) => port.port)]);

  it("let it query Prometheus and the API server, and the control plane call its APIService port", () => {
    expect(adapterPaths({ prometheusAdapter: true })).toEqual([
      ["prometheus-adapter-to-prometheus", [9090]],
      ["prometheus-adapter-to-api-server", [443]],
      ["control-plane-to-prometheus-adapter", [6443]],
    ]);
  });

  it("admit the control plane only from its addresses", () => {
    const into = platformNetworkPaths({ ...pathsInput, prometheusAdapter: true }).filter((p) => p.to === platformPods.prometheusAdapter);
    expect(into.map((p) => (p.from.kind === "addresses" ? p.from.cidrs : p.from.name))).toEqual([["10.40.0.0/16"]]);
  });

  it("are none without the adapter, which is the default", () => {
    expect(adapterPaths({})).toEqual([]);
    expect(adapterPaths({ prometheusAdapter: false })).toEqual([]);
  });
});
