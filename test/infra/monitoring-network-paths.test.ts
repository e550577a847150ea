import { type NetworkPath, pathName } from "../../constructs/network/network-path";
import { namespaces } from "../../infra/platform/namespaces";
import { type NetworkPathsInput, platformNetworkPaths, platformPods } from "../../infra/platform/network-paths";
import { baseNetworkPathsInput } from "../support/network-paths-input";

const input: NetworkPathsInput = { ...baseNetworkPathsInput, flywheelJobs: true, monitoring: true };

const touchesMonitoring = (p: NetworkPath): boolean => [p.from, p.to].some((end) => end.kind === "pods" && end.namespace === namespaces.monitoring);
const rows = (over: Partial<NetworkPathsInput> = {}): Map<string, string[]> =>
  new Map(platformNetworkPaths({ ...input, ...over }).filter(touchesMonitoring).map((p) => [pathName(p), p.ports.map((port) => `${port.protocol}/${port.port}`)]));

describe("the monitoring namespace's paths", () => {
  it("let Prometheus scrape its own components and Grafana query Prometheus, on the pods' ports", () => {
    const paths = rows();
    expect(paths.get("prometheus-to-prometheus")).toEqual(["TCP/9090", "TCP/8080"]);
    expect(paths.get("prometheus-to-prometheus-operator")).toEqual(["TCP/10250"]);
    expect(paths.get("prometheus-to-kube-state-metrics")).toEqual(["TCP/8080"]);
    expect(paths.get("prometheus-to-grafana")).toEqual(["TCP/3000"]);
    expect(paths.get("prometheus-to-pushgateway")).toEqual(["TCP/9091"]);
    expect(paths.get("prometheus-to-nodes")).toEqual(["TCP/9100", "TCP/10250"]);
    expect(paths.get("grafana-to-prometheus")).toEqual(["TCP/9090"]);
  });

  it("admit the operator's webhook port only from the control plane", () => {
    const into = platformNetworkPaths(input).filter((p) => p.to === platformPods.prometheusOperator);
    expect(into.map((p) => [pathName(p), p.from.kind === "addresses" ? p.from.cidrs : p.from.name])).toEqual([
      ["prometheus-to-prometheus-operator", "prometheus"],
      ["control-plane-to-prometheus-operator", ["10.40.0.0/16"]],
    ]);
  });

  it("give the API server to the components that watch it, and the internet to none", () => {
    const paths = rows();
    expect([...paths.keys()].filter((name) => name.endsWith("-to-api-server")).sort()).toEqual([
      "grafana-to-api-server",
      "kube-state-metrics-to-api-server",
      "prometheus-admission-jobs-to-api-server",
      "prometheus-operator-to-api-server",
      "prometheus-to-api-server",
    ]);
    expect([...paths.keys()].filter((name) => name.endsWith("-to-internet"))).toEqual([]);
  });

  it("let into the Pushgateway only Prometheus and the flywheel job, and the job only when workloads run", () => {
    const pushers = (over: Partial<NetworkPathsInput>) => platformNetworkPaths({ ...input, ...over }).filter((p) => p.to === platformPods.pushgateway).map((p) => p.from.name);
    expect(pushers({})).toEqual(["prometheus", "flywheel-job"]);
    expect(pushers({ flywheelJobs: false })).toEqual(["prometheus"]);
  });

  it("let Prometheus scrape the data services and the candidate NIMs on their metrics ports, when they serve metrics", () => {
    const paths = rows({ dataServiceMetrics: true });
    expect(paths.get("prometheus-to-elasticsearch-exporter")).toEqual(["TCP/9114"]);
    expect(paths.get("prometheus-to-mongodb")).toEqual(["TCP/9216"]);
    expect(paths.get("prometheus-to-redis")).toEqual(["TCP/9121"]);
    expect(paths.get("prometheus-to-candidate-nims")).toEqual(["TCP/8000"]);
    expect([...rows().keys()].filter((name) => ["prometheus-to-elasticsearch-exporter", "prometheus-to-mongodb", "prometheus-to-redis"].includes(name))).toEqual([]);
    expect(rows({ flywheelJobs: false }).has("prometheus-to-candidate-nims")).toBe(false);
  });

  it("let the Elasticsearch exporter reach Elasticsearch whenever it runs, with the stack's Prometheus or an external one", () => {
    const exporterPaths = (over: Partial<NetworkPathsInput>) =>
      platformNetworkPaths({ ...input, ...over }).filter((p) => p.from === platformPods.elasticsearchExporter).map((p) => [pathName(p), p.ports.map((port) => port.port)]);
    expect(exporterPaths({ dataServiceMetrics: true, monitoring: false })).toEqual([["elasticsearch-exporter-to-elasticsearch", [9200]]]);
    expect(exporterPaths({ dataServiceMetrics: false })).toEqual([]);
  });

  it("are none when the stack installs no monitoring of its own (external, or off), which is the default", () => {
    const otherNamespaces = Object.values(namespaces).filter((n) => n !== namespaces.monitoring);
    expect([...rows({ monitoring: false, namespaces: otherNamespaces }).keys()]).toEqual([]);
    const byDefault: NetworkPathsInput = { ...input, namespaces: otherNamespaces, monitoring: undefined };
    expect(platformNetworkPaths(byDefault).filter(touchesMonitoring)).toEqual([]);
  });
});
