import type { Chart } from "cdk8s";
import { ServiceMonitor, type ServiceMonitorProps } from "../../../constructs/monitoring";
import { only, synth } from "../data/support";

const props: ServiceMonitorProps = {
  name: "pushgateway",
  namespace: "monitoring",
  monitorLabels: { release: "kube-prometheus-stack" },
  serviceSelector: { "app.kubernetes.io/name": "prometheus-pushgateway" },
  endpoints: [{ port: "http", honorLabels: true, interval: "30s", scrapeTimeout: "10s" }],
};

function monitor(overrides: Partial<ServiceMonitorProps>) {
  return only(synth((chart: Chart) => { new ServiceMonitor(chart, "monitor", { ...props, ...overrides }); }), "ServiceMonitor");
}

describe("ServiceMonitor", () => {
  test("selects the Services by their labels in its own namespace and carries the release label its Prometheus selects by", () => {
    expect(monitor({ labels: { "app.kubernetes.io/part-of": "data-flywheel" } })).toEqual({
      apiVersion: "monitoring.coreos.com/v1",
      kind: "ServiceMonitor",
      metadata: { name: "pushgateway", namespace: "monitoring", labels: { "app.kubernetes.io/part-of": "data-flywheel", release: "kube-prometheus-stack" } },
      spec: {
        selector: { matchLabels: { "app.kubernetes.io/name": "prometheus-pushgateway" } },
        endpoints: [{ port: "http", path: "/metrics", scheme: "http", interval: "30s", scrapeTimeout: "10s", honorLabels: true }],
      },
    });
  });

  test("scrapes https on another path when told, leaving intervals to Prometheus otherwise", () => {
    expect(monitor({ endpoints: [{ port: "https-metrics", path: "/v1/metrics", scheme: "https" }] }).spec.endpoints).toEqual([
      { port: "https-metrics", path: "/v1/metrics", scheme: "https" },
    ]);
  });

  test("authenticates with basic auth from a Secret of its namespace when told", () => {
    expect(monitor({ endpoints: [{ port: "prometheus", basicAuth: { secretName: "mongo-metrics" } }] }).spec.endpoints).toEqual([
      { port: "prometheus", path: "/metrics", scheme: "http", basicAuth: { username: { name: "mongo-metrics", key: "username" }, password: { name: "mongo-metrics", key: "password" } } },
    ]);
  });

  test.each([
    [{ monitorLabels: {} }, "ServiceMonitor monitoring/pushgateway: monitorLabels must name at least one label"],
    [{ labels: { release: "other" } }, 'labels["release"] would override a label its Prometheus selects by'],
    [{ serviceSelector: {} }, "serviceSelector must name at least one label"],
    [{ endpoints: [] }, "endpoints must list at least one endpoint"],
    [{ endpoints: [{ port: "9091" }] }, 'endpoints[0].port "9091" is not a port name'],
    [{ endpoints: [{ port: "http", path: "metrics" }] }, 'endpoints[0].path "metrics" must be an absolute URL path'],
    [{ endpoints: [{ port: "http", interval: "30 seconds" }] }, 'endpoints[0].interval "30 seconds" is not a Prometheus duration'],
    [{ endpoints: [{ port: "http", interval: "10s", scrapeTimeout: "30s" }] }, 'endpoints[0].scrapeTimeout "30s" is longer than its interval "10s"'],
    [{ name: "Push" }, "ServiceMonitor monitoring/Push: name"],
    [{ endpoints: [{ port: "http", basicAuth: { secretName: "Mongo" } }] }, "endpoints[0].basicAuth.secretName"],
  ])("refuses %j", (overrides, message) => {
    expect(() => monitor(overrides)).toThrow(message);
  });
});
