import type { KubernetesObject } from "../../policies/lib/kubernetes-object";
import type { RecordedResource } from "../../render/recorder";
import type { RenderedStack } from "../../render/render-stack";
import { podSecurityEnforceLabel } from "../../policies/lib/pod-security";
import { defaultDashboardLabel } from "../../infra/platform/monitor-selection";
import { monitoringNaming } from "../../infra/platform/monitoring";
import { externalMonitoringStack } from "../support/external-monitoring-stack";
import { renderedStack } from "../support/rendered-stacks";
import { input, named, ofType } from "../support/resources";

let rendered: Record<"dev" | "prod" | "local" | "external", RenderedStack>;

beforeAll(async () => {
  // One after another: a render in this worker holds Pulumi's global runtime.
  const dev = await renderedStack("dev");
  const prod = await renderedStack("prod");
  const local = await renderedStack("local");
  // Shared: no shipped stack uses an existing Prometheus Operator.
  const external = await externalMonitoringStack();
  rendered = { dev, prod, local, external };
});

const monitoringCharts = ["kube-prometheus-stack", "prometheus-pushgateway"];
const release = (stack: RenderedStack, chart: string): RecordedResource => {
  const found = ofType(stack.resources, "kubernetes:helm.sh/v3:Release").find((r) => input(r, "chart") === chart);
  if (!found) {
    throw new Error(`no release of ${chart}`);
  }
  return found;
};
const crdGroup = "data-flywheel:kubernetes:OperatorCrds::platform-monitoring-crds";
const monitorKinds = ["ServiceMonitor", "PodMonitor", "PrometheusRule"];

describe.each(["dev", "prod"] as const)("monitoring in the %s stack", (stack) => {
  it("declares prometheus-operator v0.93.1's CRDs as resources and installs kube-prometheus-stack 88.5.3 without them, after them", () => {
    const kps = release(rendered[stack], "kube-prometheus-stack");
    expect(input(kps, "version")).toBe("88.5.3");
    expect(input(kps, "namespace")).toBe("monitoring");
    expect(input(kps, "values", "crds")).toEqual({ enabled: false });
    expect(input(kps, "skipCrds")).toBe(true);
    expect(kps.options?.dependsOn).toEqual(expect.arrayContaining([crdGroup, "kubernetes:core/v1:Secret::platform-monitoring-grafana-admin"]));
    const files = input(named(rendered[stack].resources, "kubernetes:yaml/v2:ConfigGroup", "platform-monitoring-crds"), "files") as string[];
    expect(files.every((url) => url.includes("/prometheus-operator/prometheus-operator/v0.93.1/"))).toBe(true);
    expect(files.map((url) => /monitoring\.coreos\.com_(\w+)\.yaml$/.exec(url)?.[1])).toEqual(expect.arrayContaining(["servicemonitors", "podmonitors", "prometheusrules", "prometheuses"]));
  });

  it("installs the Pushgateway 3.8.0 with a ServiceMonitor this Prometheus selects, after the CRDs", () => {
    const pushgateway = release(rendered[stack], "prometheus-pushgateway");
    expect(input(pushgateway, "version")).toBe("3.8.0");
    expect(input(pushgateway, "name")).toBe(monitoringNaming.pushgatewayRelease);
    // Pushed groups survive a restart: the last outcome of a workload that ran a week ago stays.
    expect(input(pushgateway, "values", "persistentVolume")).toMatchObject({ enabled: true });
    expect(input(pushgateway, "values", "serviceMonitor")).toMatchObject({ enabled: true, additionalLabels: { release: input(release(rendered[stack], "kube-prometheus-stack"), "name") } });
    expect(pushgateway.options?.dependsOn).toEqual([crdGroup]);
  });

  it("keeps Prometheus selecting monitors by its release label, the one every monitor of the stack carries", () => {
    const spec = input(release(rendered[stack], "kube-prometheus-stack"), "values", "prometheus", "prometheusSpec") as Record<string, unknown>;
    expect(Object.keys(spec).filter((key) => key.endsWith("NilUsesHelmValues"))).toEqual([]);
  });

  it("gives Grafana a generated admin password in a Secret of its own, and a dashboard sidecar reading the stack's dashboard label", () => {
    const grafana = input(release(rendered[stack], "kube-prometheus-stack"), "values", "grafana") as Record<string, Record<string, unknown>>;
    expect(grafana.admin).toEqual({ existingSecret: monitoringNaming.grafanaAdminSecret, userKey: monitoringNaming.grafanaAdminUserKey, passwordKey: monitoringNaming.grafanaAdminPasswordKey });
    const secret = named(rendered[stack].resources, "kubernetes:core/v1:Secret", "platform-monitoring-grafana-admin");
    expect(input(secret, "metadata")).toMatchObject({ name: monitoringNaming.grafanaAdminSecret, namespace: "monitoring" });
    expect(Object.keys(input(secret, "stringData") as Record<string, unknown>).sort()).toEqual([monitoringNaming.grafanaAdminPasswordKey, monitoringNaming.grafanaAdminUserKey]);
    expect(named(rendered[stack].resources, "random:index/randomPassword:RandomPassword", "platform-monitoring-grafana-admin").inputs).toMatchObject({ length: 32 });
    expect(JSON.stringify(input(release(rendered[stack], "kube-prometheus-stack"), "values"))).not.toContain("adminPassword");
    expect(grafana.sidecar.dashboards).toMatchObject({ enabled: true, label: defaultDashboardLabel.name, labelValue: defaultDashboardLabel.value });
  });

  it("creates the monitoring namespace at the privileged level node-exporter needs, denying by default", () => {
    const namespace = rendered[stack].manifests.find((m) => m.kind === "Namespace" && m.metadata.name === "monitoring");
    expect(namespace?.metadata.labels?.[podSecurityEnforceLabel]).toBe("privileged");
    const policies = rendered[stack].manifests.filter((m) => m.kind === "NetworkPolicy" && m.metadata.namespace === "monitoring").map((m) => m.metadata.name);
    expect(policies).toEqual(
      expect.arrayContaining(["default-deny", "grafana-to-prometheus-ingress", "control-plane-to-prometheus-operator-ingress", "prometheus-to-pushgateway-ingress", "prometheus-to-api-server-egress"]),
    );
  });
});

describe("the flywheel job and the Pushgateway", () => {
  it("lets the scheduled job push to the Pushgateway in dev, and no other pod where no job runs (prod has no workload)", () => {
    const pushers = (stack: RenderedStack) =>
      stack.manifests.filter((m) => m.kind === "NetworkPolicy" && m.metadata.namespace === "monitoring" && /-to-pushgateway-ingress$/.test(m.metadata.name ?? "")).map((m) => m.metadata.name);
    expect(pushers(rendered.dev).sort()).toEqual(["flywheel-job-to-pushgateway-ingress", "prometheus-to-pushgateway-ingress"]);
    expect(pushers(rendered.prod)).toEqual(["prometheus-to-pushgateway-ingress"]);
  });

  it("tells dev's scheduled runs the Pushgateway's address, and local's (no monitoring) and external's (no Pushgateway) none", () => {
    const pushUrls = (stack: RenderedStack) =>
      stack.manifests
        .filter((m) => m.kind === "CronJob")
        .flatMap((m) => (m as unknown as { spec: { jobTemplate: { spec: { template: { spec: { containers: { env?: { name: string; value?: string }[] }[] } } } } } }).spec.jobTemplate.spec.template.spec.containers)
        .flatMap((c) => c.env ?? [])
        .filter((e) => e.name === "FLYWHEEL_PUSHGATEWAY_URL")
        .map((e) => e.value);
    expect(pushUrls(rendered.dev)).toEqual([`http://${monitoringNaming.pushgatewayRelease}.monitoring.svc:${monitoringNaming.pushgatewayPort}`]);
    expect([pushUrls(rendered.local), pushUrls(rendered.external)]).toEqual([[], []]);
  });
});

describe("Prometheus's size per environment", () => {
  const spec = (stack: "dev" | "prod") => input(release(rendered[stack], "kube-prometheus-stack"), "values", "prometheus", "prometheusSpec") as Record<string, unknown>;
  const claim = (stack: "dev" | "prod") => (spec(stack).storageSpec as { volumeClaimTemplate: { spec: { storageClassName?: string; resources: { requests: { storage: string } } } } }).volumeClaimTemplate.spec;

  it("runs one replica keeping 7 days in dev and two keeping 30 days in prod, each on its own encrypted volume", () => {
    expect([spec("dev").replicas, spec("dev").retention, claim("dev").resources.requests.storage]).toEqual([1, "7d", "20Gi"]);
    expect([spec("prod").replicas, spec("prod").retention, claim("prod").resources.requests.storage]).toEqual([2, "30d", "100Gi"]);
    expect(claim("prod").storageClassName).toMatch(/^gp3-encrypted/);
  });

  it("keeps one of prod's replicas scraping through a drain, and adds no budget for dev's one", () => {
    const budget = (stack: "dev" | "prod") => input(release(rendered[stack], "kube-prometheus-stack"), "values", "prometheus", "podDisruptionBudget");
    expect([budget("dev"), budget("prod")]).toEqual([{ enabled: false }, { enabled: true }]);
  });

  it("stops Prometheus before its volume fills, whatever the retention", () => {
    expect([spec("dev").retentionSize, spec("prod").retentionSize]).toEqual(["17GB", "85GB"]);
  });
});

describe.each(["local", "external"] as const)("monitoring in the %s stack", (stack) => {
  it("installs no Prometheus, Grafana, Pushgateway, prometheus-operator CRDs or monitoring namespace", () => {
    const charts = ofType(rendered[stack].resources, "kubernetes:helm.sh/v3:Release").map((r) => String(input(r, "chart")));
    expect(charts.filter((chart) => monitoringCharts.includes(chart))).toEqual([]);
    expect(rendered[stack].resources.filter((r) => r.name.startsWith("platform-monitoring"))).toEqual([]);
    expect(rendered[stack].manifests.filter((m) => m.metadata.namespace === "monitoring" || (m.kind === "Namespace" && m.metadata.name === "monitoring"))).toEqual([]);
  });
});

describe("monitoring off (local)", () => {
  it("creates no monitor or rule and turns on no chart's serviceMonitor", () => {
    const local = rendered.local;
    expect(local.manifests.filter((m: KubernetesObject) => monitorKinds.includes(m.kind))).toEqual([]);
    const enabledMonitors = ofType(local.resources, "kubernetes:helm.sh/v3:Release").filter((r) => /"serviceMonitor":\{[^}]*"enabled":true/.test(JSON.stringify(r.inputs.values)));
    expect(enabledMonitors.map((r) => r.name)).toEqual([]);
  });
});
