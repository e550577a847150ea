import type { Chart } from "cdk8s";
import { PodMonitor, type PodMonitorProps } from "../../../constructs/monitoring";
import { only, synth } from "../data/support";

const props: PodMonitorProps = {
  name: "nemo-postgres",
  namespace: "nemo",
  monitorLabels: { release: "cluster-monitoring" },
  podSelector: { "cnpg.io/cluster": "nemo-postgres" },
  endpoints: [{ port: "metrics" }],
};

function monitor(overrides: Partial<PodMonitorProps>) {
  return only(synth((chart: Chart) => { new PodMonitor(chart, "monitor", { ...props, ...overrides }); }), "PodMonitor");
}

describe("PodMonitor", () => {
  test("scrapes the selected pods' named port in its own namespace, labelled for the Prometheus that selects it", () => {
    expect(monitor({})).toEqual({
      apiVersion: "monitoring.coreos.com/v1",
      kind: "PodMonitor",
      metadata: { name: "nemo-postgres", namespace: "nemo", labels: { release: "cluster-monitoring" } },
      spec: {
        selector: { matchLabels: { "cnpg.io/cluster": "nemo-postgres" } },
        podMetricsEndpoints: [{ port: "metrics", path: "/metrics", scheme: "http" }],
      },
    });
  });

  test.each([
    [{ monitorLabels: {} }, "PodMonitor nemo/nemo-postgres: monitorLabels must name at least one label"],
    [{ monitorLabels: { release: "not a value!" } }, 'monitorLabels["release"] "not a value!" is not a label value'],
    [{ podSelector: {} }, "podSelector must name at least one label"],
    [{ endpoints: [{ port: "metrics", scrapeTimeout: "0s" }] }, 'endpoints[0].scrapeTimeout "0s" is not a Prometheus duration longer than zero'],
    [{ namespace: "Nemo" }, "PodMonitor Nemo/nemo-postgres"],
  ])("refuses %j", (overrides, message) => {
    expect(() => monitor(overrides)).toThrow(message);
  });
});
