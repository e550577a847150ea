import { parse } from "yaml";
import { mongodbMetricsPort } from "../../constructs/data";
import { gpuRoleLabel, gpuToleration, labelKeys, nodePoolLabel } from "../../flywheel-job/src/contract";
import type { KubernetesObject } from "../../policies/lib/kubernetes-object";
import type { RenderedStack } from "../../render/render-stack";
import { externalMonitoringStack } from "../support/external-monitoring-stack";
import { renderedStack } from "../support/rendered-stacks";
import { input, named, ofType } from "../support/resources";

let rendered: Record<"dev" | "prod" | "local" | "external", RenderedStack>;

beforeAll(async () => {
  // One after another: a render in this worker holds Pulumi's global runtime.
  const dev = await renderedStack("dev");
  const prod = await renderedStack("prod");
  const local = await renderedStack("local");
  const external = await externalMonitoringStack();
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
const podSpec = (stack: RenderedStack, kind: string, name: string): { containers: { name: string; image: string; args?: string[]; ports?: { name: string }[] }[]; volumes?: unknown[] } => {
  const workload = monitor(stack, kind, "data", name) as { spec?: { template?: { spec?: unknown } } };
  return workload.spec?.template?.spec as ReturnType<typeof podSpec>;
};
const networkPolicies = (stack: RenderedStack): string[] => stack.manifests.filter((m) => m.kind === "NetworkPolicy").map((m) => `${m.metadata.namespace}/${m.metadata.name}`);
/** The `deployment.monitorLabels` of each workload's job configuration (its ConfigMap), as the job reads it. */
const jobMonitorLabels = (stack: RenderedStack): unknown[] =>
  stack.manifests
    .filter((m) => m.kind === "ConfigMap" && m.metadata.namespace === "flywheel" && /-config$/.test(m.metadata.name ?? ""))
    // The workloads' job configurations, not the verify-serving Job's (which has no config.yaml).
    .flatMap((m) => {
      const text = (m as KubernetesObject & { data?: Record<string, string> }).data?.["config.yaml"];
      return text === undefined ? [] : [(parse(text) as { deployment: { monitorLabels?: unknown } }).deployment.monitorLabels];
    });
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

describe.each(["dev", "prod"] as const)("the %s stack's data services", (stack) => {
  it("scrape Elasticsearch through an exporter that reads every node's stats over verified TLS, after the CRDs", () => {
    const elasticsearch = monitor(rendered[stack], "ServiceMonitor", "data", "flywheel-logs-exporter");
    expect(elasticsearch.metadata.labels).toEqual(ownRelease);
    expect(elasticsearch.spec).toMatchObject({ endpoints: [{ port: "metrics", path: "/metrics" }] });
    const [exporter] = podSpec(rendered[stack], "Deployment", "flywheel-logs-exporter").containers;
    expect(exporter.image).toBe("quay.io/prometheuscommunity/elasticsearch-exporter:v1.11.0");
    // Both stacks snapshot their log store: the exporter also reads snapshots and SLM for the backup alert.
    expect(exporter.args).toEqual(["--es.uri=https://flywheel-logs-es-http.data.svc:9200", "--es.all", "--collector.snapshots", "--collector.slm", "--es.ca=/etc/elasticsearch-ca/ca.crt", "--web.listen-address=:9114"]);
    expect(monitor(rendered[stack], "ConfigMap", "data", "flywheel-logs-ca")).toBeDefined();
    expect(monitor(rendered[stack], "Secret", "data", "flywheel-logs-user-flywheel-metrics")).toBeDefined();
    const cluster = monitor(rendered[stack], "Elasticsearch", "data", "flywheel-logs") as { spec?: { auth?: { fileRealm?: { secretName: string }[] } } };
    expect(cluster.spec?.auth?.fileRealm).toEqual(expect.arrayContaining([{ secretName: "flywheel-logs-user-flywheel-metrics" }]));
    expect(named(rendered[stack].resources, "kubernetes:yaml/v2:ConfigGroup", "platform-data-monitors").options?.dependsOn).toContain(crdGroup);
  });

  it("scrape MongoDB's members through spec.prometheus, with the basic-auth user Prometheus reads from the same Secret", () => {
    const replicaSet = monitor(rendered[stack], "MongoDBCommunity", "data", "flywheel-mongodb") as { spec?: { prometheus?: unknown } };
    expect(replicaSet.spec?.prometheus).toEqual({ port: mongodbMetricsPort.port, username: "prometheus", passwordSecretRef: { name: "flywheel-mongodb-metrics", key: "password" } });
    const mongodb = monitor(rendered[stack], "ServiceMonitor", "data", "flywheel-mongodb");
    expect(mongodb.metadata.labels).toEqual(ownRelease);
    expect(mongodb.spec).toEqual({
      selector: { matchLabels: { app: "flywheel-mongodb-svc" } },
      endpoints: [{
        port: "prometheus",
        path: "/metrics",
        scheme: "http",
        basicAuth: { username: { name: "flywheel-mongodb-metrics", key: "username" }, password: { name: "flywheel-mongodb-metrics", key: "password" } },
      }],
    });
  });

  it("scrape Redis through an exporter sidecar on loopback, as the metrics user, on the ClusterIP Service's metrics port only", () => {
    const redis = monitor(rendered[stack], "ServiceMonitor", "data", "flywheel-redis");
    expect(redis.spec).toMatchObject({ selector: { matchLabels: { "app.kubernetes.io/instance": "flywheel-redis" } }, endpoints: [{ port: "metrics" }] });
    const pod = podSpec(rendered[stack], "StatefulSet", "flywheel-redis");
    const exporter = pod.containers.find((c) => c.name === "exporter");
    expect(exporter?.args).toEqual([
      "--redis.addr=rediss://127.0.0.1:6379",
      "--redis.user=metrics",
      "--redis.password-file=/run/secrets/redis-exporter/passwords.json",
      "--tls-ca-cert-file=/run/secrets/redis-ca/ca.crt",
      "--web.listen-address=:9121",
    ]);
    // Redis hashes the metrics user's own password, and the exporter's file holds it, both from the Redis password Secret.
    expect(pod.volumes).toEqual(expect.arrayContaining([
      { name: "metrics-password", secret: { secretName: "flywheel-redis-password", items: [{ key: "metrics-password", path: "password" }], defaultMode: 0o440 } },
      { name: "exporter-password", secret: { secretName: "flywheel-redis-password", items: [{ key: "exporter-passwords.json", path: "passwords.json" }], defaultMode: 0o440 } },
    ]));
    const servicePorts = (name: string) => (monitor(rendered[stack], "Service", "data", name) as { spec?: { ports: { name: string }[] } }).spec?.ports.map((p) => p.name);
    expect([servicePorts("flywheel-redis"), servicePorts("flywheel-redis-headless")]).toEqual([["redis", "metrics"], ["redis"]]);
  });

  it("admit Prometheus to each exporter and the exporter to Elasticsearch, on both ends", () => {
    expect(networkPolicies(rendered[stack])).toEqual(
      expect.arrayContaining([
        "monitoring/prometheus-to-elasticsearch-exporter-egress",
        "data/prometheus-to-elasticsearch-exporter-ingress",
        "data/prometheus-to-mongodb-ingress",
        "data/prometheus-to-redis-ingress",
        "data/elasticsearch-exporter-to-elasticsearch-egress",
        "data/elasticsearch-exporter-to-elasticsearch-ingress",
      ]),
    );
  });
});

describe("the candidate NIMs a run creates", () => {
  it("are told the monitor labels through each workload's job configuration: the stack's, an external one's, none when monitoring is off", () => {
    expect(jobMonitorLabels(rendered.dev)).toEqual([ownRelease]);
    expect(jobMonitorLabels(rendered.external)).toEqual([{ release: "cluster-monitoring" }]);
    expect(jobMonitorLabels(rendered.local).length).toBeGreaterThan(0);
    expect(jobMonitorLabels(rendered.local).filter((labels) => labels !== undefined)).toEqual([]);
  });

  it("are reachable from Prometheus in dev, whose workloads create them", () => {
    expect(networkPolicies(rendered.dev)).toEqual(expect.arrayContaining(["monitoring/prometheus-to-candidate-nims-egress", "flywheel/prometheus-to-candidate-nims-ingress"]));
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

  it("are scraped in prod from Data Store's CloudNativePG cluster only: the RDS server reports to CloudWatch", () => {
    const podMonitors = monitors(rendered.prod).filter((m) => m.kind === "PodMonitor").map((m) => `${m.metadata.namespace}/${m.metadata.name}`);
    expect(podMonitors.filter((m) => m.endsWith("postgres"))).toEqual(["nemo/nemo-postgres"]);
    const policies = rendered.prod.manifests.filter((m) => m.kind === "NetworkPolicy").map((m) => `${m.metadata.namespace}/${m.metadata.name}`);
    expect(policies).toEqual(expect.arrayContaining(["monitoring/prometheus-to-nemo-postgres-egress", "nemo/prometheus-to-nemo-postgres-ingress"]));
  });
});

describe("the External Secrets Operator", () => {
  it("is scraped in prod, whose credentials sync from AWS Secrets Manager, on its metrics port, admitted on both ends; dev has no operator to scrape", () => {
    const podMonitor = monitors(rendered.prod).find((m) => m.kind === "PodMonitor" && m.metadata.namespace === "external-secrets") as unknown as {
      spec: { selector: { matchLabels: Record<string, string> }; podMetricsEndpoints: { port: string }[] };
    };
    expect(podMonitor.spec.selector.matchLabels).toEqual({ "app.kubernetes.io/name": "external-secrets", "app.kubernetes.io/instance": "external-secrets" });
    expect(podMonitor.spec.podMetricsEndpoints.map((e) => e.port)).toEqual(["metrics"]);
    const policies = rendered.prod.manifests.filter((m) => m.kind === "NetworkPolicy").map((m) => `${m.metadata.namespace}/${m.metadata.name}`);
    expect(policies).toEqual(expect.arrayContaining(["monitoring/prometheus-to-external-secrets-egress", "external-secrets/prometheus-to-external-secrets-ingress"]));
    expect(monitors(rendered.dev).filter((m) => m.metadata.namespace === "external-secrets")).toEqual([]);
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

  it("still runs the data services' exporters, and opens their paths for no Prometheus of the stack's", () => {
    expect(podSpec(rendered.external, "Deployment", "flywheel-logs-exporter").containers).toHaveLength(1);
    expect(podSpec(rendered.external, "StatefulSet", "flywheel-redis").containers.map((c) => c.name)).toEqual(["redis", "exporter"]);
    expect(networkPolicies(rendered.external).filter((p) => p.includes("prometheus-to-"))).toEqual([]);
    expect(networkPolicies(rendered.external)).toContain("data/elasticsearch-exporter-to-elasticsearch-ingress");
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

  it("runs no exporter and gives the data services no metrics endpoint or user", () => {
    const local = rendered.local;
    expect(local.manifests.filter((m) => /exporter|metrics/.test(m.metadata.name ?? "") && m.metadata.namespace === "data")).toEqual([]);
    expect(podSpec(local, "StatefulSet", "flywheel-redis").containers.map((c) => c.name)).toEqual(["redis"]);
    expect((monitor(local, "MongoDBCommunity", "data", "flywheel-mongodb") as { spec?: { prometheus?: unknown } }).spec?.prometheus).toBeUndefined();
  });
});
