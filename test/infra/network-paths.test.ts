import { Chart, Testing } from "cdk8s";
import { NamespaceNetworkPolicies } from "../../constructs/network/namespace-network-policies";
import { type NetworkPath, pathName } from "../../constructs/network/network-path";
import { type NetworkPathsInput, platformNetworkPaths, platformPods, servingModelPods, verifyPlatformDeniedSample } from "../../infra/platform/network-paths";
import { namespaces } from "../../infra/platform/namespaces";

const input: NetworkPathsInput = {
  namespaces: Object.values(namespaces),
  apiServerPorts: [443],
  controlPlaneCidrs: ["10.40.0.0/16"],
  logWriterNamespaces: ["shop"],
  postgres: { kind: "in-cluster" },
  customizer: true,
  guardrails: false,
  judge: "remote",
  embedding: "remote",
  elasticsearchSnapshots: false,
  flywheelJobs: true,
};

const byName = (paths: NetworkPath[]): Map<string, NetworkPath> => new Map(paths.map((p) => [pathName(p), p]));
const ports = (path: NetworkPath | undefined): string[] => (path?.ports ?? []).map((p) => `${p.protocol}/${p.port}`);

describe("platformNetworkPaths", () => {
  it("sends the backups to an S3-compatible endpoint's port when one is configured, else to HTTPS", () => {
    const egress = (paths: NetworkPath[]) => paths.filter((p) => p.to.kind === "addresses" && p.to.name === "internet" && p.from.kind === "pods" && ["mongodb-backup", "nemo-postgres"].includes(p.from.name)).map((p) => [p.from.kind === "pods" ? p.from.name : "", ports(p)]);
    const backedUp = { ...input, mongodbBackups: true, postgresBackups: true };
    expect(egress(platformNetworkPaths(backedUp))).toEqual([["mongodb-backup", ["TCP/443"]], ["nemo-postgres", ["TCP/443"]]]);
    expect(egress(platformNetworkPaths({ ...backedUp, backupEndpointPort: 9000 }))).toEqual([["mongodb-backup", ["TCP/9000"]], ["nemo-postgres", ["TCP/9000"]]]);
  });

  it("admits the operators' webhook ports only from the control plane's CIDRs", () => {
    const paths = byName(platformNetworkPaths(input));
    const webhooks = [...paths.values()].filter((p) => p.from.kind === "addresses");
    expect(webhooks.map((p) => [pathName(p), ports(p)])).toEqual([
      ["control-plane-to-eck-operator", ["TCP/9443"]],
      ["control-plane-to-cnpg-operator", ["TCP/9443"]],
      ["control-plane-to-volcano-admission", ["TCP/8443"]],
    ]);
    expect(new Set(webhooks.map((p) => (p.from.kind === "addresses" ? p.from.cidrs.join() : "")))).toEqual(new Set(["10.40.0.0/16"]));
    const local = platformNetworkPaths({ ...input, controlPlaneCidrs: ["172.18.0.0/16"] }).filter((p) => p.from.kind === "addresses");
    expect(local.every((p) => p.from.kind === "addresses" && p.from.cidrs.join() === "172.18.0.0/16")).toBe(true);
  });

  it("lets a log writer's pods reach Elasticsearch on 9200 and nothing else", () => {
    const writerPaths = platformNetworkPaths(input).filter((p) => p.from.kind === "pods" && p.from.namespace === "shop");
    expect(writerPaths.map((p) => [pathName(p), p.to.kind === "pods" ? `${p.to.namespace}/${p.to.name}` : "", ports(p)])).toEqual([
      ["log-writer-shop-to-elasticsearch", "data/elasticsearch", ["TCP/9200"]],
    ]);
    expect(platformNetworkPaths({ ...input, logWriterNamespaces: [] }).some((p) => p.from.name.startsWith("log-writer-"))).toBe(false);
  });

  it("admits into the Argo server only Evaluator's pods", () => {
    const into = platformNetworkPaths(input).filter((p) => p.to === platformPods.argoServer);
    expect(into.map((p) => [p.from.name, ports(p)])).toEqual([["nemo-evaluator", ["TCP/2746"]]]);
    expect(platformPods.evaluator.selector).toEqual({ matchLabels: { app: "nemo-evaluator" } });
  });

  it("sends the evaluation workflows' judge calls to the judge proxy when the judge is remote, and to the judge NIM when local", () => {
    const remote = byName(platformNetworkPaths(input));
    expect(ports(remote.get("evaluator-workflows-to-judge-proxy"))).toEqual(["TCP/8080"]);
    expect(ports(remote.get("judge-proxy-to-internet"))).toEqual(["TCP/443"]);
    expect(remote.has("evaluator-workflows-to-internet")).toBe(false);
    expect(ports(remote.get("flywheel-job-to-judge-proxy"))).toEqual(["TCP/8080"]);
    const local = byName(platformNetworkPaths({ ...input, judge: "local" }));
    expect(local.has("evaluator-workflows-to-judge-proxy") || local.has("judge-proxy-to-internet") || local.has("flywheel-job-to-judge-proxy")).toBe(false);
    expect(ports(local.get("evaluator-workflows-to-flywheel-judge"))).toEqual(["TCP/8000"]);
  });

  it("lists both the pod port and the Service port where they differ", () => {
    const paths = byName(platformNetworkPaths(input));
    expect(ports(paths.get("flywheel-job-to-nemo-datastore"))).toEqual(["TCP/3000", "TCP/8000"]);
    expect(ports(paths.get("flywheel-job-to-nemo-evaluator"))).toEqual(["TCP/7331", "TCP/8000"]);
    expect(ports(paths.get("nemo-customizer-to-mlflow"))).toEqual(["TCP/5000", "TCP/80"]);
  });

  it("reaches PostgreSQL as pods in the cluster, with the bootstrap Job only beside an external server", () => {
    const inCluster = byName(platformNetworkPaths(input));
    expect(inCluster.get("nemo-evaluator-to-nemo-postgres")?.to).toBe(platformPods.postgres);
    expect(inCluster.get("nemo-datastore-to-nemo-postgres")?.to).toBe(platformPods.postgres);
    expect(inCluster.has("nemo-postgres-bootstrap-to-external-postgres")).toBe(false);
    expect([...inCluster.keys()].some((name) => name.endsWith("-to-external-postgres"))).toBe(false);
  });

  it("admits RDS's subnets only from the NeMo services that keep their databases there and the bootstrap Job; Data Store stays on CloudNativePG", () => {
    const rdsSubnets = ["10.40.0.0/19", "10.40.32.0/19", "10.40.64.0/19"];
    const paths = platformNetworkPaths({ ...input, guardrails: true, postgres: { kind: "external", cidrs: rdsSubnets } });
    const toRds = paths.filter((p) => p.to.name === "external-postgres");
    expect(toRds.map((p) => [p.from.name, ports(p)])).toEqual([
      ["nemo-evaluator", ["TCP/5432"]],
      ["nemo-entitystore", ["TCP/5432"]],
      ["mlflow", ["TCP/5432"]],
      ["nemo-guardrail", ["TCP/5432"]],
      ["nemo-customizer", ["TCP/5432"]],
      ["nemo-postgres-bootstrap", ["TCP/5432"]],
    ]);
    // The subnets of RDS's DB subnet group, not the VPC the control plane's CIDRs name.
    expect(new Set(toRds.map((p) => (p.to.kind === "addresses" ? p.to.cidrs.join() : "")))).toEqual(new Set([rdsSubnets.join()]));
    const byPath = byName(paths);
    expect(byPath.get("nemo-datastore-to-nemo-postgres")?.to).toBe(platformPods.postgres);
    // Data Store's cluster is CloudNativePG's like any other: its operator, replication, metrics, API server.
    expect(ports(byPath.get("cnpg-operator-to-nemo-postgres"))).toEqual(["TCP/8000", "TCP/5432"]);
    expect(ports(byPath.get("nemo-postgres-to-nemo-postgres"))).toEqual(["TCP/5432"]);
    expect(byPath.has("nemo-postgres-to-api-server")).toBe(true);
    expect(ports(platformNetworkPaths({ ...input, monitoring: true, postgres: { kind: "external", cidrs: rdsSubnets } }).find((p) => p.from === platformPods.prometheus && p.to === platformPods.postgres))).toEqual(["TCP/9187"]);
    // Nothing but Data Store (and CloudNativePG itself) reaches its cluster.
    expect(paths.filter((p) => p.to === platformPods.postgres).map((p) => p.from.name)).toEqual(["nemo-datastore", "cnpg-operator", "nemo-postgres"]);
  });

  it("gives internet HTTPS only to the pods that download or call outside", () => {
    expect(platformNetworkPaths({ ...input, embedding: "local" }).some((p) => p.from.name === "flywheel-job" && p.to.name === "internet")).toBe(false);
    const outside = platformNetworkPaths({ ...input, elasticsearchSnapshots: true })
      .filter((p) => p.to.name === "internet")
      .map((p) => p.from.name);
    expect(outside).toEqual(["flywheel-job", "flywheel-nimcache-jobs", "judge-proxy", "nemo-customizer", "customizer-jobs", "training-pods", "elasticsearch"]);
    expect(platformNetworkPaths(input).some((p) => p.from.name === "elasticsearch" && p.to.name === "internet")).toBe(false);
  });

  it("lets into the Flywheel API only its client namespaces and the ingress controller, and lets it out only to its store, the API server, Data Store and Entity Store", () => {
    const api = { clientNamespaces: ["shop", "notebooks"], ingressControllerNamespace: "ingress-nginx" };
    const paths = platformNetworkPaths({ ...input, flywheelApi: api });
    const into = paths.filter((p) => p.to === platformPods.flywheelApi);
    expect(into.map((p) => [pathName(p), p.from.kind === "pods" ? `${p.from.namespace}/${p.from.selector === "all" ? "*" : "some"}` : "", ports(p)])).toEqual([
      ["api-client-shop-to-flywheel-api", "shop/*", ["TCP/8000"]],
      ["api-client-notebooks-to-flywheel-api", "notebooks/*", ["TCP/8000"]],
      ["ingress-controller-to-flywheel-api", "ingress-nginx/*", ["TCP/8000"]],
    ]);
    const out = paths.filter((p) => p.from === platformPods.flywheelApi);
    expect(out.map((p) => [p.to.name, ports(p)])).toEqual([
      ["mongodb", ["TCP/27017"]],
      ["nemo-datastore", ["TCP/3000", "TCP/8000"]],
      ["nemo-entitystore", ["TCP/8000"]],
      ["api-server", ["TCP/443"]],
    ]);
    expect(platformPods.flywheelApi.selector).toEqual({ matchLabels: { "app.kubernetes.io/component": "flywheel-api" } });
    const noIngress = platformNetworkPaths({ ...input, flywheelApi: { clientNamespaces: [] } });
    expect(noIngress.filter((p) => p.to === platformPods.flywheelApi)).toEqual([]);
    expect(platformNetworkPaths(input).some((p) => p.from === platformPods.flywheelApi || p.to === platformPods.flywheelApi)).toBe(false);
  });

  it("drops the job's paths without workloads, and the paths of a namespace the stack does not create", () => {
    expect(platformNetworkPaths({ ...input, flywheelJobs: false }).some((p) => p.from === platformPods.flywheelJob || p.to === platformPods.candidateNims)).toBe(false);
    const withoutGpuOperator = platformNetworkPaths({ ...input, namespaces: input.namespaces.filter((n) => n !== namespaces.gpuOperator) });
    expect(withoutGpuOperator.some((p) => p.from.kind === "pods" && p.from.namespace === namespaces.gpuOperator)).toBe(false);
  });

  it("resolves DNS in every namespace it protects, and nothing in kube-system is written", () => {
    const chart = new Chart(Testing.app(), "test");
    new NamespaceNetworkPolicies(chart, "platform", { namespaces: input.namespaces, paths: platformNetworkPaths(input) });
    const policies = Testing.synth(chart) as { metadata: { name: string; namespace: string } }[];
    for (const namespace of input.namespaces) {
      expect(policies.filter((p) => p.metadata.namespace === namespace).map((p) => p.metadata.name)).toEqual(
        expect.arrayContaining(["default-deny", `${namespace}-pods-to-kube-dns-egress`]),
      );
    }
    expect(policies.filter((p) => p.metadata.namespace === "kube-system" || p.metadata.namespace === "shop")).toEqual([]);
  });
});

describe("the serving paths", () => {
  const entries = [
    { name: "support", clientNamespaces: ["support-web", "support-batch"], adapter: true, iclExamples: true },
    { name: "search", clientNamespaces: ["support-web"], adapter: false, iclExamples: true },
  ];
  const serving = { ...input, serving: entries, flywheelApi: { clientNamespaces: [] }, monitoring: true };
  // Every path to or from a serving pod or the verify Job, but the serving namespace's DNS (every namespace has one).
  const rows = (paths: NetworkPath[]) =>
    paths.filter((p) => p.from.name !== `${namespaces.serving}-pods` && [p.from, p.to].some((end) => end.kind === "pods" && (end.namespace === namespaces.serving || end === platformPods.verifyServing)));

  it("admits each entry's client namespaces to its pods on 8000, and no entry's clients to another's", () => {
    const paths = byName(platformNetworkPaths(serving));
    expect(ports(paths.get("serving-client-support-web-to-serving-support"))).toEqual(["TCP/8000"]);
    expect(ports(paths.get("serving-client-support-batch-to-serving-support"))).toEqual(["TCP/8000"]);
    expect(ports(paths.get("serving-client-support-web-to-serving-search"))).toEqual(["TCP/8000"]);
    expect(paths.has("serving-client-support-batch-to-serving-search")).toBe(false);
    expect(servingModelPods("support").selector).toEqual({ matchLabels: { app: "support" } });
  });

  it("lets only an entry with an adapter reach Entity Store and Data Store", () => {
    const paths = byName(platformNetworkPaths(serving));
    expect(ports(paths.get("serving-support-to-nemo-entitystore"))).toEqual(["TCP/8000"]);
    expect(ports(paths.get("serving-support-to-nemo-datastore"))).toEqual(["TCP/3000", "TCP/8000"]);
    expect(paths.has("serving-search-to-nemo-entitystore")).toBe(false);
  });

  it("lets the clients of entries with in-context examples call the Flywheel API once each, and only when it is deployed", () => {
    const toApi = platformNetworkPaths(serving).filter((p) => p.to === platformPods.flywheelApi && p.from.name.startsWith("serving-client-")).map(pathName);
    expect(toApi).toEqual(["serving-client-support-web-to-flywheel-api", "serving-client-support-batch-to-flywheel-api"]);
    const withoutApi = platformNetworkPaths({ ...serving, flywheelApi: undefined });
    expect(withoutApi.some((p) => p.to === platformPods.flywheelApi)).toBe(false);
    expect(platformNetworkPaths({ ...serving, serving: entries.map((e) => ({ ...e, iclExamples: false })) }).some((p) => p.to === platformPods.flywheelApi && p.from.name.startsWith("serving-client-"))).toBe(false);
  });

  it("lets the verify Job reach the served models and the API server, the operator check them, their caches download from NGC", () => {
    const paths = byName(platformNetworkPaths(serving));
    expect(ports(paths.get("verify-serving-to-serving-models"))).toEqual(["TCP/8000"]);
    expect(ports(paths.get("verify-serving-to-api-server"))).toEqual(["TCP/443"]);
    expect(ports(paths.get("nim-operator-to-serving-models"))).toEqual(["TCP/8000"]);
    expect(ports(paths.get("serving-nimcache-jobs-to-internet"))).toEqual(["TCP/443"]);
    expect(ports(paths.get("prometheus-to-serving-models"))).toEqual(["TCP/8000"]);
    expect(byName(platformNetworkPaths({ ...serving, monitoring: false })).has("prometheus-to-serving-models")).toBe(false);
  });

  it("has no serving path without entries", () => {
    expect(rows(platformNetworkPaths(serving)).length).toBeGreaterThan(0);
    expect(rows(platformNetworkPaths({ ...input, monitoring: true }))).toEqual([]);
  });

  it("writes the policies of every row, with unique names, in the namespaces the stack creates", () => {
    const chart = new Chart(Testing.app(), "test");
    expect(() => new NamespaceNetworkPolicies(chart, "platform", { namespaces: input.namespaces, paths: platformNetworkPaths(serving) })).not.toThrow();
  });
});

describe("the verify-platform pod's rows", () => {
  const verifyInput: NetworkPathsInput = { ...input, verifyPlatform: true, flywheelApi: { clientNamespaces: [] }, guardrails: true };
  const rows = platformNetworkPaths(verifyInput).filter((p) => p.from === platformPods.verifyPlatform);
  const targets = rows.map((p) => p.to.name);

  it("reach each store and service it checks, and the API server", () => {
    expect(targets).toEqual(
      expect.arrayContaining(["api-server", "nemo-datastore", "nemo-entitystore", "nemo-evaluator", "nemo-customizer", "nemo-guardrail", "elasticsearch", "mongodb", "redis", "nemo-postgres", "judge-proxy", "flywheel-api"]),
    );
    const local = platformNetworkPaths({ ...verifyInput, judge: "local", embedding: "local" }).filter((p) => p.from === platformPods.verifyPlatform).map((p) => p.to.name);
    expect(local).toEqual(expect.arrayContaining([platformPods.judgeNim.name, platformPods.embeddingNim.name]));
    expect(local).not.toContain("judge-proxy");
  });

  it("reach the external PostgreSQL server only on its port, and nothing when the stack has no verify Job", () => {
    const external = platformNetworkPaths({ ...verifyInput, postgres: { kind: "external", cidrs: ["10.0.64.0/20"] } }).filter((p) => p.from === platformPods.verifyPlatform);
    const toServer = external.find((p) => p.to.kind === "addresses" && p.to.cidrs.join() === "10.0.64.0/20");
    expect(ports(toServer)).toEqual(["TCP/5432"]);
    expect(platformNetworkPaths(input).some((p) => p.from === platformPods.verifyPlatform)).toBe(false);
  });

  it("have no row to any address or pod of the denied sample", () => {
    for (const denied of verifyPlatformDeniedSample) {
      const open = rows.filter((row) => {
        if (!row.ports.some((p) => p.port === denied.port)) return false;
        if (row.to.kind === "addresses") return true;
        return denied.host.startsWith(`${row.to.name}.${row.to.namespace}.`) || (row.to.name === "milvus" && denied.host.startsWith("milvus."));
      });
      expect([denied.host, open.map(pathName)]).toEqual([denied.host, []]);
    }
    expect(targets).not.toContain(platformPods.milvus.name);
  });
});
