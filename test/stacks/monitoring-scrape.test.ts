import { gpuRoleLabel, gpuToleration, labelKeys, nodePoolLabel } from "../../flywheel-job/src/contract";
import type { KubernetesObject } from "../../policies/lib/kubernetes-object";
import { renderSource, type RenderedStack } from "../../render/render-stack";
import { renderedStack } from "../support/rendered-stacks";
import { input, named, ofType } from "../support/resources";
import { editedStack } from "../support/stack-config";

let rendered: Record<"dev" | "prod" | "local" | "external", RenderedStack>;

beforeAll(async () => {
  // One after another: a render in this worker holds Pulumi's global runtime.
  const dev = await renderedStack("dev");
  const prod = await renderedStack("prod");
  const local = await renderedStack("local");
  const external = await renderSource(
    editedStack("dev", (c) => {
      c["data-flywheel:platform"] = { monitoring: { external: { releaseLabel: "cluster-monitoring" } } };
    }),
  );
  rendered = { dev, prod, local, external };
});

const crdGroup = "data-flywheel:kubernetes:OperatorCrds::platform-monitoring-crds";
const ownRelease = { release: "kube-prometheus-stack" };
const monitors = (stack: RenderedStack): KubernetesObject[] => stack.manifests.filter((m) => m.kind === "ServiceMonitor" || m.kind === "PodMonitor");
const monitor = (stack: RenderedStack, kind: string, namespace: string, name: string): KubernetesObject & { spec?: Record<string, unknown> } => {
  const found = stack.manifests.find((m) => m.kind === kind && m.metadata.namespace === namespace && m.metadata.name === name);
  if (!found) {
    throw new Error(`no ${kind} ${namespace}/${name}`);
  }
  return found;
};
const release = (stack: RenderedStack, name: string) => named(stack.resources, "kubernetes:helm.sh/v3:Release", name);
const nimServiceMetrics = (stack: RenderedStack) =>
  stack.manifests.filter((m) => m.kind === "NIMService").map((m) => [m.metadata.name, (m as { spec?: { metrics?: unknown } }).spec?.metrics]);

describe.each(["dev", "prod"] as const)("what the %s stack's Prometheus scrapes", (stack) => {
  it("has the GPU operator create the DCGM exporter's ServiceMonitor with the release label, after prometheus-operator's CRDs", () => {
    const gpuOperator = release(rendered[stack], "platform-gpu-operator");
    expect(input(gpuOperator, "values", "dcgmExporter")).toEqual({ enabled: true, serviceMonitor: { enabled: true, additionalLabels: ownRelease } });
    expect(gpuOperator.options?.dependsOn).toContain(crdGroup);
  });

  it("scrapes the Flywheel API's /metrics on its Service's port, with the release label, after the CRDs", () => {
    const api = monitor(rendered[stack], "ServiceMonitor", "flywheel", "flywheel-api");
    expect(api.metadata.labels).toEqual(ownRelease);
    expect(api.spec).toMatchObject({ selector: { matchLabels: { [labelKeys.component]: "flywheel-api" } }, endpoints: [{ port: "http", path: "/metrics", scheme: "http" }] });
    expect(named(rendered[stack].resources, "kubernetes:yaml/v2:ConfigGroup", "platform-monitors").options?.dependsOn).toContain(crdGroup);
  });

  it("exports the GPU pool and run labels through kube-state-metrics, and runs node-exporter on GPU nodes", () => {
    const values = input(release(rendered[stack], "platform-monitoring"), "values") as Record<string, Record<string, unknown>>;
    expect(values["kube-state-metrics"].metricLabelsAllowlist).toEqual([`nodes=[${gpuRoleLabel},${nodePoolLabel}]`, `pods=[${labelKeys.runId},${labelKeys.component}]`]);
    expect(values["prometheus-node-exporter"].tolerations).toEqual([gpuToleration()]);
  });

  it("admits Prometheus to each target it scrapes, on both ends", () => {
    const policies = rendered[stack].manifests.filter((m) => m.kind === "NetworkPolicy").map((m) => `${m.metadata.namespace}/${m.metadata.name}`);
    expect(policies).toEqual(
      expect.arrayContaining([
        "monitoring/prometheus-to-dcgm-exporter-egress",
        "gpu-operator/prometheus-to-dcgm-exporter-ingress",
        "monitoring/prometheus-to-flywheel-api-egress",
        "flywheel/prometheus-to-flywheel-api-ingress",
      ]),
    );
  });
});

describe("PostgreSQL's metrics", () => {
  it("are scraped from CloudNativePG's instances in dev by a PodMonitor on their metrics port", () => {
    const postgres = monitor(rendered.dev, "PodMonitor", "nemo", "nemo-postgres");
    expect(postgres.metadata.labels).toEqual(ownRelease);
    expect(postgres.spec).toMatchObject({ selector: { matchLabels: { "cnpg.io/cluster": "nemo-postgres" } }, podMetricsEndpoints: [{ port: "metrics", path: "/metrics" }] });
    const policies = rendered.dev.manifests.filter((m) => m.kind === "NetworkPolicy").map((m) => `${m.metadata.namespace}/${m.metadata.name}`);
    expect(policies).toEqual(expect.arrayContaining(["monitoring/prometheus-to-nemo-postgres-egress", "nemo/prometheus-to-nemo-postgres-ingress"]));
  });

  it("are not scraped in prod, whose RDS server reports to CloudWatch", () => {
    expect(monitors(rendered.prod).filter((m) => m.kind === "PodMonitor")).toEqual([]);
  });
});

describe("the NIMServices the stack runs", () => {
  it("collect the embedding NIM's metrics in prod through a ServiceMonitor with the release label, after the CRDs", () => {
    expect(nimServiceMetrics(rendered.prod)).toEqual([["flywheel-embedding", { enabled: true, serviceMonitor: { additionalLabels: ownRelease } }]]);
    expect(named(rendered.prod.resources, "kubernetes:yaml/v2:ConfigGroup", "platform-models").options?.dependsOn).toContain(crdGroup);
  });
});

describe("an existing Prometheus Operator (external)", () => {
  it("gets every monitor labelled with its release, and nothing waits for CRDs the stack does not install", () => {
    const stack = rendered.external;
    expect(monitors(stack).map((m) => m.metadata.labels)).toEqual(monitors(stack).map(() => ({ release: "cluster-monitoring" })));
    expect(monitors(stack).length).toBeGreaterThan(0);
    expect(input(release(stack, "platform-gpu-operator"), "values", "dcgmExporter", "serviceMonitor")).toEqual({ enabled: true, additionalLabels: { release: "cluster-monitoring" } });
    expect(JSON.stringify(stack.resources.map((r) => r.options?.dependsOn ?? []))).not.toContain(crdGroup);
  });
});

describe("monitoring off (local)", () => {
  it("scrapes nothing: no monitor, no NIM metrics, no DCGM ServiceMonitor", () => {
    const local = rendered.local;
    expect(monitors(local)).toEqual([]);
    expect(nimServiceMetrics(local).filter(([, metrics]) => metrics !== undefined)).toEqual([]);
    for (const gpuOperator of ofType(local.resources, "kubernetes:helm.sh/v3:Release").filter((r) => input(r, "chart") === "gpu-operator")) {
      expect(input(gpuOperator, "values", "dcgmExporter")).toEqual({ enabled: true });
    }
    expect(local.manifests.filter((m) => m.kind === "NetworkPolicy" && /^prometheus-to-/.test(m.metadata.name ?? ""))).toEqual([]);
  });
});
