import type { Chart } from "cdk8s";
import {
  buildDashboard,
  dashboardConfigMapMaxBytes,
  GrafanaDashboard,
  type GrafanaDashboardProps,
  platformDashboards,
} from "../../../../constructs/monitoring/dashboards";
import { expectValidCoreObjects, only, synth } from "../../data/support";

const shipped = platformDashboards({ flywheelNamespace: "flywheel", gpuHourlyCost: 2.24, idleUtilisationPercent: 5 });
const props: GrafanaDashboardProps = { name: "grafana-dashboard-flywheel", namespace: "monitoring", dashboardLabel: { name: "grafana_dashboard", value: "1" }, dashboard: shipped[0] };

function configMap(overrides: Partial<GrafanaDashboardProps> = {}) {
  return synth((chart: Chart) => { new GrafanaDashboard(chart, "dashboard", { ...props, ...overrides }); });
}

describe("GrafanaDashboard", () => {
  test("is a ConfigMap carrying the sidecar's label, with the dashboard's JSON under <uid>.json", () => {
    const manifests = configMap();
    expectValidCoreObjects(manifests);
    const map = only(manifests, "ConfigMap");
    expect(map.metadata).toEqual({ name: "grafana-dashboard-flywheel", namespace: "monitoring", labels: { grafana_dashboard: "1" } });
    expect(Object.keys(map.data)).toEqual(["flywheel.json"]);
    expect(JSON.parse(map.data["flywheel.json"])).toEqual(shipped[0]);
  });

  test("carries a custom sidecar label (an external Grafana's)", () => {
    expect(only(configMap({ dashboardLabel: { name: "example.com/dashboard", value: "flywheel" } }), "ConfigMap").metadata.labels).toEqual({ "example.com/dashboard": "flywheel" });
  });

  test.each(shipped.map((dashboard) => [dashboard.uid, dashboard] as const))("ships %s in a ConfigMap under 256 KiB", (_uid, dashboard) => {
    const map = only(configMap({ dashboard }), "ConfigMap");
    expect(Buffer.byteLength(JSON.stringify(map), "utf8")).toBeLessThan(dashboardConfigMapMaxBytes);
  });

  test("refuses a dashboard whose ConfigMap would pass 256 KiB, naming it and its size", () => {
    const huge = buildDashboard({
      uid: "huge",
      title: "Huge",
      description: "x".repeat(dashboardConfigMapMaxBytes),
      tags: [],
      variables: [],
      panels: [{ kind: "stat", title: "One", description: "", unit: "none", queries: [{ expr: "up", legend: "" }] }],
    });
    expect(() => configMap({ dashboard: huge })).toThrow(/ConfigMap monitoring\/grafana-dashboard-flywheel: dashboard "huge" makes a ConfigMap of \d+ bytes, over the 262144 \(256 KiB\)/);
  });

  test.each([
    [{ name: "Grafana_Dashboard" }, 'name "Grafana_Dashboard" is not a valid Kubernetes object name'],
    [{ namespace: "Monitoring" }, 'namespace "Monitoring" must be a DNS-1123 label'],
    [{ dashboardLabel: { name: "grafana dashboard", value: "1" } }, 'dashboardLabel key "grafana dashboard" is not a label key'],
  ])("refuses %j", (override, message) => {
    expect(() => configMap(override)).toThrow(message);
  });
});
