import { dataServicesDashboardUid, flywheelDashboardUid, gpuDashboardUid, nimServingDashboardUid } from "../../constructs/monitoring/dashboards";
import type { KubernetesObject } from "../../policies/lib/kubernetes-object";
import type { RenderedStack } from "../../render/render-stack";
import { defaultDashboardLabel } from "../../infra/platform/monitor-selection";
import { dashboardConfigMapName } from "../../infra/platform/platform-dashboards";
import { externalDashboardLabel, externalMonitoringStack } from "../support/external-monitoring-stack";
import { renderedStack } from "../support/rendered-stacks";

let rendered: Record<"dev" | "prod" | "local" | "external", RenderedStack>;

beforeAll(async () => {
  // One after another: a render in this worker holds Pulumi's global runtime.
  const dev = await renderedStack("dev");
  const prod = await renderedStack("prod");
  const local = await renderedStack("local");
  const external = await externalMonitoringStack();
  rendered = { dev, prod, local, external };
});

const uids = [flywheelDashboardUid, nimServingDashboardUid, gpuDashboardUid, dataServicesDashboardUid];
type ConfigMap = KubernetesObject & { data: Record<string, string> };
const dashboardMaps = (stack: RenderedStack): ConfigMap[] =>
  stack.manifests.filter((m): m is ConfigMap => m.kind === "ConfigMap" && (m.metadata.name ?? "").startsWith("grafana-dashboard-"));
const dashboardOf = (map: ConfigMap, uid: string) => JSON.parse(map.data[`${uid}.json`]) as { uid: string; templating: { list: { name: string; query: string }[] } };

describe.each(["dev", "prod"] as const)("the %s stack's dashboards", (stack) => {
  it("are four ConfigMaps in the monitoring namespace with the label the stack's Grafana loads them by, each dashboard under <uid>.json", () => {
    const maps = dashboardMaps(rendered[stack]);
    expect(maps.map((m) => [m.metadata.name, m.metadata.namespace, m.metadata.labels])).toEqual(
      uids.map((uid) => [dashboardConfigMapName(uid), "monitoring", { [defaultDashboardLabel.name]: defaultDashboardLabel.value }]),
    );
    expect(maps.map((m, i) => dashboardOf(m, uids[i]).uid)).toEqual(uids);
  });
});

describe("the dashboards' settings from the stack", () => {
  const price = (stack: RenderedStack) => {
    const flywheel = dashboardMaps(stack).find((m) => m.metadata.name === dashboardConfigMapName(flywheelDashboardUid));
    return flywheel && dashboardOf(flywheel, flywheelDashboardUid).templating.list.find((v) => v.name === "gpu_hour_cost")?.query;
  };

  it("start the cost panels at the stack's flywheel.gpuHourlyCost", () => {
    expect([price(rendered.dev), price(rendered.prod)]).toEqual(["0.98", "2.24"]);
  });
});

describe("dashboards with an external Grafana", () => {
  it("go to the flywheel namespace, whose ConfigMaps its sidecar must search, with the label it loads by", () => {
    expect(dashboardMaps(rendered.external).map((m) => [m.metadata.name, m.metadata.namespace, m.metadata.labels])).toEqual(
      uids.map((uid) => [dashboardConfigMapName(uid), "flywheel", { [externalDashboardLabel.name]: externalDashboardLabel.value }]),
    );
  });
});

describe("monitoring off (local)", () => {
  it("ships no dashboard", () => {
    expect(dashboardMaps(rendered.local)).toEqual([]);
    expect(rendered.local.resources.filter((r) => r.name.startsWith("platform-dashboards"))).toEqual([]);
  });
});
