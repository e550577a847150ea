import type { Chart } from "cdk8s";
import { FlywheelAlerts } from "../../constructs/monitoring";
import { alertThresholds } from "../../constructs/monitoring/flywheel-alerts";
import { type Dashboard, dashboardPanelQueries, dashboardVariables, platformDashboards } from "../../constructs/monitoring/dashboards";
import { only, synth } from "../constructs/data/support";
import { alertProps } from "../constructs/monitoring/flywheel-alerts-props";
import { describeWithProgram, prometheusServer, promtool } from "../support/needs-program";
import { platformSeries } from "../support/platform-series";
import { type InstantVector, type PrometheusFixture, startPrometheusFixture } from "../support/prometheus-fixture";

/** The shipped dashboards, drawn as a stack with a GPU price draws them (the cost panels included). */
const dashboards: Dashboard[] = platformDashboards({ flywheelNamespace: "flywheel", gpuHourlyCost: 2.5, idleUtilisationPercent: alertThresholds.gpuIdleUtilisationPercent.default });

/** The alerts, rendered with the fixture's namespaces. */
const alertExprs = (): { alert: string; expr: string }[] => {
  const props = { ...alertProps, candidateNamespace: "flywheel", servingNamespace: "nemo", elasticsearchNamespace: "data" };
  const spec = only(synth((chart: Chart) => { new FlywheelAlerts(chart, "alerts", props); }), "PrometheusRule").spec as { groups: { rules: { alert: string; expr: string }[] }[] };
  return spec.groups.flatMap((g) => g.rules);
};

/** Samples of an instant query's answer whose value is a number (not NaN): what a panel would draw. */
function drawn(data: InstantVector): number {
  if (data.resultType === "scalar" || data.resultType === "string") {
    return 1;
  }
  const result = data.result as readonly { value?: readonly [number, string] }[];
  return result.filter((sample) => sample.value !== undefined && !Number.isNaN(Number(sample.value[1]))).length;
}

/** `label_values(<selector>, <label>)`, Grafana's query variable. */
const labelValuesQuery = /^label_values\((.+),\s*(\w+)\)$/;

describeWithProgram(promtool, "PromQL against a real Prometheus over fixture series", () => {
  describeWithProgram(prometheusServer, "the shipped dashboards and alerts", () => {
    let prometheus: PrometheusFixture;
    /** Each dashboard's query variables, given the first value Prometheus lists for them, as Grafana would. */
    const values = new Map<string, Record<string, string>>();

    beforeAll(async () => {
      prometheus = await startPrometheusFixture(platformSeries());
      for (const dashboard of dashboards) {
        const chosen: Record<string, string> = {};
        for (const [name, definition] of Object.entries(dashboardVariables(dashboard))) {
          const match = labelValuesQuery.exec(definition);
          if (!match?.[1] || !match[2]) {
            throw new Error(`dashboard ${dashboard.uid}: variable ${name} is no label_values(selector, label): ${definition}`);
          }
          const selector = match[1].replace(/\$(\w+)/g, (whole, variable: string) => chosen[variable] ?? whole);
          const listed = await prometheus.labelValues(match[2], selector);
          const first = listed[0];
          if (first === undefined) {
            throw new Error(`dashboard ${dashboard.uid}: variable ${name} lists no value from the fixture (${definition})`);
          }
          chosen[name] = first;
        }
        values.set(dashboard.uid, chosen);
      }
    }, 60_000);

    afterAll(async () => {
      await prometheus?.stop();
    });

    test("tells a query that draws nothing, or does not parse, from one that draws", async () => {
      expect(drawn(await prometheus.query("DCGM_FI_DEV_GPU_UTIL"))).toBeGreaterThan(0);
      expect(drawn(await prometheus.query("flywheel_no_such_metric"))).toBe(0);
      expect(drawn(await prometheus.query("0 / 0 * on () DCGM_FI_DEV_GPU_UTIL"))).toBe(0);
      await expect(prometheus.query("sum by (")).rejects.toThrow(/bad_data/);
    });

    test("ships dashboards with panels to check", () => {
      expect(dashboards.map((d) => d.uid)).toEqual(["flywheel", "nim-serving", "gpus", "data-services"]);
    });

    test.each(dashboards.flatMap((dashboard) => dashboardPanelQueries(dashboard, Object.fromEntries(Object.keys(dashboardVariables(dashboard)).map((v) => [v, `$${v}`]))).map((q) => [q.dashboard, q.panel, q.refId] as const)))(
      "%s / %s (%s) parses and draws data",
      async (uid, panel, refId) => {
        const dashboard = dashboards.find((d) => d.uid === uid);
        if (!dashboard) {
          throw new Error(`no dashboard ${uid}`);
        }
        const query = dashboardPanelQueries(dashboard, values.get(uid)).find((q) => q.panel === panel && q.refId === refId);
        if (!query) {
          throw new Error(`no query ${refId} in ${uid} / ${panel}`);
        }
        const data = await prometheus.query(query.expr).catch((error: Error) => {
          throw new Error(`${uid} / ${panel}: ${query.expr}\n${error.message}`);
        });
        if (drawn(data) === 0) {
          throw new Error(`${uid} / ${panel} draws nothing from the fixture: ${query.expr}`);
        }
      },
    );

    test.each(alertExprs().map((r) => [r.alert, r.expr] as const))("alert %s's expression is valid PromQL for Prometheus 2.42", async (_alert, expr) => {
      await expect(prometheus.query(expr)).resolves.toHaveProperty("resultType", "vector");
    });
  });
});
