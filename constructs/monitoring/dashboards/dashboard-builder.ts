import { fail } from "../../common/errors";
import {
  type Dashboard,
  dashboardSchemaVersion,
  type DatasourceVariable,
  datasourceVariable,
  type Panel,
  type PanelUnit,
  prometheusDatasource,
  type PrometheusTarget,
  type QueryPanel,
  type QueryVariable,
  type TemplateVariable,
  type TextBoxVariable,
} from "./dashboard-model";

/**
 * Dashboards written as lists of panels: the builder lays them out on Grafana's grid, numbers them,
 * names their queries and checks what Grafana would only show as a broken panel — a query naming a
 * variable the dashboard lacks, two panels of one title, a uid Grafana refuses.
 */

/** One query of a panel: its PromQL and its series' legend (`{{label}}` placeholders). */
export interface QuerySpec {
  readonly expr: string;
  readonly legend: string;
}

/** A panel, before layout. */
export interface PanelSpec {
  readonly kind: QueryPanel["type"];
  /** Unique within its dashboard: the query test names a panel by it. */
  readonly title: string;
  /** What it shows and which metric feeds it, for the panel's (i) tooltip. */
  readonly description: string;
  readonly unit: PanelUnit;
  readonly queries: readonly QuerySpec[];
  /**
   * Columns of 24.
   * @default 12
   */
  readonly width?: number;
  /** @default 8 */
  readonly height?: number;
  readonly min?: number;
  readonly max?: number;
  readonly decimals?: number;
}

/** A row heading over the panels that follow it. */
export interface RowSpec {
  readonly row: string;
}

export interface DashboardSpec {
  /** Grafana's uid: 1-40 letters, digits, '-' or '_'; also the ConfigMap's key (`<uid>.json`). */
  readonly uid: string;
  readonly title: string;
  readonly description: string;
  readonly tags: readonly string[];
  /** @default "now-24h" */
  readonly from?: string;
  /** The variables besides the data source, in the order Grafana shows them. */
  readonly variables: readonly (QueryVariable | TextBoxVariable)[];
  readonly panels: readonly (PanelSpec | RowSpec)[];
}

const gridColumns = 24;
const dashboardUid = /^[A-Za-z0-9_-]{1,40}$/;
/** `$name` or `${name}` in a query, as Grafana interpolates it. */
export const variableReference = /\$\{(\w+)\}|\$(\w+)/g;

const datasource: DatasourceVariable = { type: "datasource", name: datasourceVariable, label: "Prometheus", query: "prometheus", hide: 0 };

/** A variable choosing one of `label`'s values among the series `selector` selects. */
export function labelValuesVariable(name: string, label: string, selector: string, labelName: string): QueryVariable {
  const definition = `label_values(${selector}, ${labelName})`;
  return { type: "query", name, label, datasource: prometheusDatasource, definition, query: { query: definition, refId: `${name}-values` }, refresh: 2, sort: 1, multi: false, includeAll: false, hide: 0 };
}

/** A variable the viewer types, starting at `value`. */
export function textBoxVariable(name: string, label: string, value: string): TextBoxVariable {
  return { type: "textbox", name, label, query: value, current: { text: value, value }, hide: 0 };
}

/** The dashboard's JSON model, its panels laid out left to right in rows of 24 columns. */
export function buildDashboard(spec: DashboardSpec): Dashboard {
  const owner = `dashboard ${spec.uid}`;
  if (!dashboardUid.test(spec.uid)) {
    fail(owner, `uid "${spec.uid}" must be 1-40 letters, digits, '-' or '_'`);
  }
  const variables: TemplateVariable[] = [datasource, ...spec.variables];
  const names = new Set(variables.map((variable) => variable.name));
  const titles = new Set<string>();
  const panels: Panel[] = [];
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  const newLine = (): void => {
    y += rowHeight;
    x = 0;
    rowHeight = 0;
  };
  for (const item of spec.panels) {
    const id = panels.length + 1;
    if ("row" in item) {
      newLine();
      panels.push({ id, type: "row", title: item.row, gridPos: { x: 0, y, w: gridColumns, h: 1 }, collapsed: false, panels: [] });
      y += 1;
      continue;
    }
    const panelOwner = `${owner} panel "${item.title}"`;
    if (titles.has(item.title)) {
      fail(panelOwner, "title is used by another panel of the dashboard; titles name panels in the query test");
    }
    titles.add(item.title);
    if (item.queries.length === 0) {
      fail(panelOwner, "queries must hold at least one query");
    }
    for (const query of item.queries) {
      for (const [, braced, bare] of query.expr.matchAll(variableReference)) {
        const name = braced ?? bare;
        if (!names.has(name)) {
          fail(panelOwner, `query "${query.expr}" uses $${name}, which is none of the dashboard's variables (${[...names].join(", ")})`);
        }
      }
    }
    const w = item.width ?? 12;
    const h = item.height ?? 8;
    if (!Number.isInteger(w) || w < 1 || w > gridColumns) {
      fail(panelOwner, `width ${w} must be a whole number of columns from 1 to ${gridColumns}`);
    }
    if (x + w > gridColumns) {
      newLine();
    }
    const instant = item.kind !== "timeseries";
    const targets: PrometheusTarget[] = item.queries.map((query, i) => ({
      refId: String.fromCharCode(65 + i),
      datasource: prometheusDatasource,
      expr: query.expr,
      legendFormat: query.legend,
      instant,
      range: !instant,
    }));
    const base = {
      id,
      title: item.title,
      description: item.description,
      gridPos: { x, y, w, h },
      datasource: prometheusDatasource,
      targets,
      fieldConfig: {
        defaults: {
          unit: item.unit,
          ...(item.min === undefined ? {} : { min: item.min }),
          ...(item.max === undefined ? {} : { max: item.max }),
          ...(item.decimals === undefined ? {} : { decimals: item.decimals }),
        },
        overrides: [],
      },
    };
    const reduceOptions = { calcs: ["lastNotNull"], fields: "", values: false } as const;
    panels.push(
      item.kind === "timeseries"
        ? { ...base, type: "timeseries", options: { legend: { displayMode: "table", placement: "bottom", showLegend: true }, tooltip: { mode: "multi", sort: "desc" } } }
        : item.kind === "stat"
          ? { ...base, type: "stat", options: { reduceOptions, colorMode: "value", graphMode: "none", textMode: "auto" } }
          : { ...base, type: "bargauge", options: { reduceOptions, orientation: "horizontal", displayMode: "basic" } },
    );
    x += w;
    rowHeight = Math.max(rowHeight, h);
  }
  return {
    uid: spec.uid,
    title: spec.title,
    description: spec.description,
    tags: [...spec.tags],
    schemaVersion: dashboardSchemaVersion,
    editable: false,
    graphTooltip: 1,
    refresh: "1m",
    time: { from: spec.from ?? "now-24h", to: "now" },
    timezone: "browser",
    templating: { list: variables },
    annotations: { list: [] },
    panels,
  };
}
