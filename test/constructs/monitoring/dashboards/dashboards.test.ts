import { evalTypes, gpuRoleLabel, jobMetrics, nodePoolLabel } from "../../../../flywheel-job/src/contract";
import {
  buildDashboard,
  type Dashboard,
  dashboardPanelQueries,
  dashboardVariables,
  datasourceVariable,
  type DashboardSpec,
  flywheelDashboard,
  gpuDashboard,
  kubeStateMetricsLabel,
  platformDashboards,
  type QueryPanel,
} from "../../../../constructs/monitoring/dashboards";

const dashboards = platformDashboards({ flywheelNamespace: "flywheel", gpuHourlyCost: 2.24, idleUtilisationPercent: 5 });
const values = { workload: "tool-calling", client: "support-app", namespace: "nemo" };
const queryPanels = (dashboard: Dashboard): QueryPanel[] => dashboard.panels.filter((panel): panel is QueryPanel => panel.type !== "row");
const allQueries = dashboards.flatMap((dashboard) => dashboardPanelQueries(dashboard, values));

describe("the shipped dashboards", () => {
  it("are Flywheel, NIM serving, GPUs and Data services, each with a uid of its own", () => {
    expect(dashboards.map((d) => [d.uid, d.title])).toEqual([
      ["flywheel", "Data Flywheel"],
      ["nim-serving", "NIM serving"],
      ["gpus", "GPUs"],
      ["data-services", "Data services"],
    ]);
  });

  it.each(dashboards.map((d) => [d.uid, d] as const))("%s: lays its panels out on the 24-column grid without overlaps, and every query asks the chosen Prometheus", (_uid, dashboard) => {
    const boxes = dashboard.panels.map((panel) => panel.gridPos);
    expect(boxes.every((box) => box.x >= 0 && box.w >= 1 && box.x + box.w <= 24)).toBe(true);
    const overlaps = boxes.flatMap((a, i) => boxes.slice(i + 1).filter((b) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h));
    expect(overlaps).toEqual([]);
    expect(new Set(dashboard.panels.map((panel) => panel.id)).size).toBe(dashboard.panels.length);
    expect(dashboard.templating.list[0]).toMatchObject({ type: "datasource", name: datasourceVariable, query: "prometheus" });
    for (const panel of queryPanels(dashboard)) {
      expect([panel.datasource, ...panel.targets.map((t) => t.datasource)]).toEqual(Array(panel.targets.length + 1).fill({ type: "prometheus", uid: "${datasource}" }));
    }
  });

  it("write PromQL that means the same in Prometheus 2.42 and 3: no regex matcher, explicit windows, no Grafana built-in interval", () => {
    for (const { expr } of allQueries) {
      expect(expr).not.toMatch(/=~|!~|\$__/);
      for (const [, window] of expr.matchAll(/\[([^\]]*)\]/g)) {
        expect(window).toMatch(/^\d+[smhd](:\d+[smhd])?$/);
      }
    }
  });
});

describe("dashboardPanelQueries", () => {
  it("gives every panel's queries by dashboard uid, panel title and refId, with the variables substituted", () => {
    const flywheel = dashboards[0];
    const queries = dashboardPanelQueries(flywheel, values);
    expect(queries.length).toBe(queryPanels(flywheel).reduce((n, panel) => n + panel.targets.length, 0));
    expect(queries.find((q) => q.panel === "Stage durations")).toEqual({
      dashboard: "flywheel",
      panel: "Stage durations",
      refId: "A",
      expr: 'max by (stage) (flywheel_stage_duration_seconds{job="flywheel", workload="tool-calling", client="support-app"})',
    });
    expect(allQueries.filter((q) => q.expr.includes("$"))).toEqual([]);
  });

  it("keeps a text box's starting value unless given another", () => {
    const cost = (given: Record<string, string>) => dashboardPanelQueries(dashboards[0], { ...values, ...given }).find((q) => q.panel === "Cost per candidate")?.expr;
    expect(cost({})).toMatch(/\/ 3600 \* 2\.24$/);
    expect(cost({ gpu_hour_cost: "3.5" })).toMatch(/\/ 3600 \* 3\.5$/);
  });

  it("lists the query variables it needs values for, and names the one missing", () => {
    expect(Object.keys(dashboardVariables(dashboards[0]))).toEqual(["workload", "client"]);
    expect(dashboardVariables(dashboards[2])).toEqual({});
    expect(() => dashboardPanelQueries(dashboards[1], {})).toThrow('dashboard nim-serving panel "Time to first token": query A uses $namespace; give it a value in values["namespace"]');
  });
});

describe("the Flywheel dashboard", () => {
  const names = (dashboard: Dashboard): string[] => [...new Set(dashboardPanelQueries(dashboard, values).flatMap((q) => q.expr.match(/\bflywheel_\w+/g) ?? []))];

  it("queries only metrics the job pushes", () => {
    const pushed: string[] = Object.values(jobMetrics).map((metric) => metric.name);
    expect(names(dashboards[0]).filter((name) => !pushed.includes(name))).toEqual([]);
    expect(pushed.filter((name) => !names(dashboards[0]).includes(name) && name !== jobMetrics.runStart.name)).toEqual([]);
  });

  it("draws each evaluation type's scores against the workload's targets", () => {
    const scorePanels = queryPanels(dashboards[0]).filter((panel) => panel.title.startsWith("Scores: "));
    expect(scorePanels.map((panel) => panel.title)).toEqual(evalTypes.map((evalType) => `Scores: ${evalType}`));
    scorePanels.forEach((panel, i) => {
      const [score, target] = panel.targets.map((t) => t.expr);
      expect(score).toMatch(new RegExp(`^max by \\(candidate, metric\\) \\(${jobMetrics.evaluationScore.name}\\{.*eval_type="${evalTypes[i]}"\\}\\)$`));
      // The target of each metric this type scored, none of the others.
      expect(target).toMatch(new RegExp(`^max by \\(metric\\) \\(${jobMetrics.evaluationTarget.name}\\{.*\\}\\) and on \\(metric\\) `));
    });
  });

  it("prices GPU-hours only when the stack sets a price, which the viewer may change", () => {
    const titles = (dashboard: Dashboard) => queryPanels(dashboard).map((panel) => panel.title);
    const unpriced = flywheelDashboard({ flywheelNamespace: "flywheel" });
    expect(titles(dashboards[0])).toEqual(expect.arrayContaining(["GPU-hours per run", "GPU-hours per candidate", "Cost per run", "Cost per candidate"]));
    expect(titles(unpriced).filter((title) => title.startsWith("Cost"))).toEqual([]);
    expect(unpriced.templating.list.map((v) => v.name)).toEqual([datasourceVariable, "workload", "client"]);
    expect(() => flywheelDashboard({ flywheelNamespace: "flywheel", gpuHourlyCost: 0 })).toThrow("dashboard flywheel: gpuHourlyCost 0 must be a positive price");
  });
});

describe("the GPUs dashboard", () => {
  it("groups by pool through kube-state-metrics' names for the allowed node labels", () => {
    expect([kubeStateMetricsLabel(nodePoolLabel), kubeStateMetricsLabel(gpuRoleLabel)]).toEqual(["label_data_flywheel_io_node_pool", "label_data_flywheel_io_gpu_role"]);
    const perPool = dashboardPanelQueries(dashboards[2]).filter((q) => q.panel.endsWith("per pool"));
    expect(perPool.map((q) => q.panel)).toEqual(["GPU utilisation per pool", "Framebuffer memory used per pool", "Power per pool", "Last XID error per pool"]);
    expect(perPool.every((q) => q.expr.includes('label_join(') && q.expr.includes("kube_node_labels"))).toBe(true);
  });

  it("counts a GPU idle under the threshold it is given", () => {
    const idle = dashboardPanelQueries(dashboards[2]).find((q) => q.panel === "GPUs held but idle");
    expect(idle?.expr).toBe('sum by (Hostname) (DCGM_FI_DEV_GPU_UTIL{exported_pod!=""} < bool 5)');
    expect(() => gpuDashboard({ idleUtilisationPercent: 101 })).toThrow("dashboard gpus: idleUtilisationPercent 101 must be from 0 to 100");
  });
});

describe("buildDashboard", () => {
  const spec: DashboardSpec = { uid: "test", title: "Test", description: "", tags: [], variables: [], panels: [{ kind: "stat", title: "Up", description: "", unit: "none", queries: [{ expr: "up", legend: "" }] }] };
  const panel = spec.panels[0] as Extract<DashboardSpec["panels"][number], { kind: string }>;

  it.each([
    [{ uid: "has spaces" }, `dashboard has spaces: uid "has spaces" must be 1-40 letters, digits, '-' or '_'`],
    [{ panels: [panel, panel] }, 'dashboard test panel "Up": title is used by another panel of the dashboard'],
    [{ panels: [{ ...panel, queries: [{ expr: 'up{job="$job"}', legend: "" }] }] }, 'query "up{job="$job"}" uses $job, which is none of the dashboard\'s variables (datasource)'],
    [{ panels: [{ ...panel, queries: [] }] }, "queries must hold at least one query"],
    [{ panels: [{ ...panel, width: 25 }] }, "width 25 must be a whole number of columns from 1 to 24"],
  ])("refuses %j", (override, message) => {
    expect(() => buildDashboard({ ...spec, ...override })).toThrow(message);
  });
});
