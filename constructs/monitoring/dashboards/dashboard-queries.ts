import { fail } from "../../common/errors";
import { variableReference } from "./dashboard-builder";
import type { Dashboard, QueryPanel } from "./dashboard-model";

/**
 * Every panel's PromQL as Prometheus would receive it from Grafana, for a test that runs each one
 * against a real Prometheus:
 *
 *     dashboardPanelQueries(dashboard: Dashboard, values?: Readonly<Record<string, string>>): PanelQuery[]
 *
 * - one entry per query of every panel, in the dashboard's order: `{ dashboard, panel, refId, expr }`,
 *   `dashboard` its uid, `panel` its title (unique within the dashboard), `refId` Grafana's query id;
 * - `$name` and `${name}` in `expr` replaced by `values[name]`; a text-box variable without a value
 *   in `values` keeps the one the dashboard starts with; a query variable (its choices come from
 *   Prometheus) must be given one, or it throws naming the dashboard, panel and variable;
 * - no query uses Grafana's `$__` built-ins (`$__rate_interval`, `$__range`), so nothing else is left
 *   to substitute. `dashboardVariables` lists the query variables to give values for.
 */

export interface PanelQuery {
  /** The dashboard's uid. */
  readonly dashboard: string;
  /** The panel's title. */
  readonly panel: string;
  /** The query's id within the panel (A, B, …). */
  readonly refId: string;
  /** The PromQL, its variables substituted. */
  readonly expr: string;
}

/** The query variables of a dashboard, which `dashboardPanelQueries` needs values for: name → the `label_values(...)` its choices come from. */
export function dashboardVariables(dashboard: Dashboard): Record<string, string> {
  return Object.fromEntries(dashboard.templating.list.flatMap((variable) => (variable.type === "query" ? [[variable.name, variable.definition] as const] : [])));
}

export function dashboardPanelQueries(dashboard: Dashboard, values: Readonly<Record<string, string>> = {}): PanelQuery[] {
  const starting = new Map(dashboard.templating.list.flatMap((variable) => (variable.type === "textbox" ? [[variable.name, variable.current.value] as const] : [])));
  const panels = dashboard.panels.filter((panel): panel is QueryPanel => panel.type !== "row");
  return panels.flatMap((panel) =>
    panel.targets.map((target) => ({
      dashboard: dashboard.uid,
      panel: panel.title,
      refId: target.refId,
      expr: target.expr.replace(variableReference, (_match, braced: string | undefined, bare: string | undefined) => {
        const name = braced ?? bare ?? "";
        const value = values[name] ?? starting.get(name);
        return value ?? fail(`dashboard ${dashboard.uid} panel "${panel.title}"`, `query ${target.refId} uses $${name}; give it a value in values["${name}"]`);
      }),
    })),
  );
}
