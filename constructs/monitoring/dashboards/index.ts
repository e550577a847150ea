import { dataServicesDashboard } from "./data-services-dashboard";
import type { Dashboard } from "./dashboard-model";
import { flywheelDashboard, type FlywheelDashboardProps } from "./flywheel-dashboard";
import { gpuDashboard, type GpuDashboardProps } from "./gpu-dashboard";
import { nimServingDashboard } from "./nim-serving-dashboard";

export { buildDashboard, labelValuesVariable, textBoxVariable, type DashboardSpec, type PanelSpec, type QuerySpec, type RowSpec } from "./dashboard-builder";
export { dashboardSchemaVersion, datasourceVariable, type Dashboard, type Panel, type PanelUnit, type QueryPanel, type TemplateVariable } from "./dashboard-model";
export { dashboardPanelQueries, dashboardVariables, type PanelQuery } from "./dashboard-queries";
export { dataServicesDashboard, dataServicesDashboardUid } from "./data-services-dashboard";
export { flywheelDashboard, flywheelDashboardUid, type FlywheelDashboardProps } from "./flywheel-dashboard";
export { gpuDashboard, gpuDashboardUid, type GpuDashboardProps } from "./gpu-dashboard";
export { kubeStateMetricsLabel } from "../kube-state-metrics-labels";
export { dashboardConfigMapMaxBytes, GrafanaDashboard, type GrafanaDashboardProps } from "./grafana-dashboard";
export { nimServingDashboard, nimServingDashboardUid } from "./nim-serving-dashboard";

/** What the platform's dashboards are drawn for. */
export type PlatformDashboardsProps = FlywheelDashboardProps & GpuDashboardProps;

/** Every dashboard the stack ships: Flywheel, NIM serving, GPUs and Data services. */
export function platformDashboards(props: PlatformDashboardsProps): Dashboard[] {
  return [flywheelDashboard(props), nimServingDashboard(), gpuDashboard(props), dataServicesDashboard()];
}
