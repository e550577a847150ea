/**
 * The part of Grafana's dashboard JSON (schema version 39, which Grafana 10.4 and later load and
 * migrate) the stack's dashboards use: time-series, stat and bar-gauge panels of Prometheus queries,
 * a Prometheus data-source variable, query variables and text-box variables. A typed model of our own
 * instead of a generated SDK: the dashboards use a handful of fields, and the queries must stay plain
 * data a test can take out and run (`dashboardPanelQueries`).
 */

/** The dashboard schema version written; Grafana migrates it forward on load. */
export const dashboardSchemaVersion = 39;

/** The name of every dashboard's data-source variable; each panel queries `${datasource}`. */
export const datasourceVariable = "datasource";

/** A Prometheus data source chosen by the data-source variable. */
export interface PrometheusDatasourceRef {
  readonly type: "prometheus";
  readonly uid: string;
}

/** The data source every panel and query variable uses. */
export const prometheusDatasource: PrometheusDatasourceRef = { type: "prometheus", uid: `\${${datasourceVariable}}` };

/** Where a panel sits on Grafana's 24-column grid; `h` in rows of 30 px. */
export interface GridPos {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

/** One PromQL query of a panel. */
export interface PrometheusTarget {
  readonly refId: string;
  readonly datasource: PrometheusDatasourceRef;
  readonly expr: string;
  /** The series' name in the legend, with `{{label}}` placeholders. */
  readonly legendFormat: string;
  /** A stat or bar gauge shows the latest value: an instant query. */
  readonly instant: boolean;
  readonly range: boolean;
}

/** A unit Grafana knows, by its id. */
/** `mbytes` is MiB, `µs` microseconds. */
export type PanelUnit = "s" | "µs" | "percentunit" | "percent" | "short" | "bytes" | "mbytes" | "watt" | "h" | "reqps" | "none";

export interface FieldConfig {
  readonly defaults: {
    readonly unit: PanelUnit;
    readonly min?: number;
    readonly max?: number;
    readonly decimals?: number;
  };
  readonly overrides: readonly unknown[];
}

interface PanelBase {
  readonly id: number;
  readonly title: string;
  readonly description: string;
  readonly gridPos: GridPos;
  readonly datasource: PrometheusDatasourceRef;
  readonly targets: readonly PrometheusTarget[];
  readonly fieldConfig: FieldConfig;
}

export interface TimeSeriesPanel extends PanelBase {
  readonly type: "timeseries";
  readonly options: { readonly legend: { readonly displayMode: "list" | "table"; readonly placement: "bottom" | "right"; readonly showLegend: true }; readonly tooltip: { readonly mode: "multi"; readonly sort: "desc" } };
}

export interface StatPanel extends PanelBase {
  readonly type: "stat";
  readonly options: { readonly reduceOptions: { readonly calcs: readonly ["lastNotNull"]; readonly fields: ""; readonly values: false }; readonly colorMode: "value" | "background"; readonly graphMode: "none" | "area"; readonly textMode: "auto" };
}

export interface BarGaugePanel extends PanelBase {
  readonly type: "bargauge";
  readonly options: { readonly reduceOptions: { readonly calcs: readonly ["lastNotNull"]; readonly fields: ""; readonly values: false }; readonly orientation: "horizontal"; readonly displayMode: "basic" };
}

/** A row heading that groups the panels under it. */
export interface RowPanel {
  readonly id: number;
  readonly type: "row";
  readonly title: string;
  readonly gridPos: GridPos;
  readonly collapsed: false;
  readonly panels: readonly [];
}

export type QueryPanel = TimeSeriesPanel | StatPanel | BarGaugePanel;
export type Panel = QueryPanel | RowPanel;

/** The data-source variable: a choice among the Grafana's Prometheus data sources. */
export interface DatasourceVariable {
  readonly type: "datasource";
  readonly name: typeof datasourceVariable;
  readonly label: string;
  readonly query: "prometheus";
  readonly hide: 0;
}

/** A variable whose choices are a label's values (`label_values(series, label)`). */
export interface QueryVariable {
  readonly type: "query";
  readonly name: string;
  readonly label: string;
  readonly datasource: PrometheusDatasourceRef;
  readonly definition: string;
  readonly query: { readonly query: string; readonly refId: string };
  /** 2: refresh the choices when the time range changes. */
  readonly refresh: 2;
  readonly sort: 1;
  readonly multi: false;
  readonly includeAll: false;
  readonly hide: 0;
}

/** A value the viewer may type, starting from `query` (e.g. the price of a GPU-hour). */
export interface TextBoxVariable {
  readonly type: "textbox";
  readonly name: string;
  readonly label: string;
  readonly query: string;
  readonly current: { readonly text: string; readonly value: string };
  readonly hide: 0;
}

export type TemplateVariable = DatasourceVariable | QueryVariable | TextBoxVariable;

/** A Grafana dashboard, as its JSON model. */
export interface Dashboard {
  readonly uid: string;
  readonly title: string;
  readonly description: string;
  readonly tags: readonly string[];
  readonly schemaVersion: typeof dashboardSchemaVersion;
  readonly editable: false;
  readonly graphTooltip: 1;
  readonly refresh: string;
  readonly time: { readonly from: string; readonly to: "now" };
  readonly timezone: "browser";
  readonly templating: { readonly list: readonly TemplateVariable[] };
  readonly annotations: { readonly list: readonly [] };
  readonly panels: readonly Panel[];
}
