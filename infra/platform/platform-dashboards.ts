import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { App, Chart } from "cdk8s";
import { alertThresholds } from "../../constructs/monitoring";
import { GrafanaDashboard, platformDashboards } from "../../constructs/monitoring/dashboards";
import type { MonitoringSettings } from "../../stacks/config/schema/monitoring";
import { applyChart } from "../kubernetes/cdk8s-chart";
import type { MonitorSelection } from "./monitor-selection";

export interface PlatformDashboardsArgs {
  /** The label its Grafana's sidecar loads dashboards by. */
  readonly selection: MonitorSelection;
  /**
   * Where the ConfigMaps go: the monitoring namespace with the stack's own Grafana (its sidecar
   * searches every namespace), the flywheel namespace with an `external` one, whose sidecar must
   * search there.
   */
  readonly namespace: string;
  /** The namespace of the workloads' CronJobs. */
  readonly flywheelNamespace: string;
  /** The price of a GPU-hour; without one, the Flywheel dashboard has no cost panels. */
  readonly gpuHourlyCost?: number;
  /** The alerts' thresholds: the GPUs dashboard counts a GPU idle under the idle alert's utilisation. */
  readonly alerts?: MonitoringSettings["alerts"];
  /** The namespaces. */
  readonly dependsOn: readonly pulumi.Resource[];
  readonly provider: k8s.Provider;
}

/** The ConfigMap of a dashboard, named after its uid. */
export function dashboardConfigMapName(uid: string): string {
  return `grafana-dashboard-${uid}`;
}

/**
 * The stack's Grafana dashboards (Flywheel, NIM serving, GPUs, Data services), generated at render
 * from `constructs/monitoring/dashboards` and applied as ConfigMaps carrying the sidecar's label.
 */
export class PlatformDashboards extends pulumi.ComponentResource {
  constructor(name: string, args: PlatformDashboardsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("data-flywheel:platform:PlatformDashboards", name, {}, opts);
    const chart = new Chart(new App(), name);
    const dashboards = platformDashboards({
      flywheelNamespace: args.flywheelNamespace,
      ...(args.gpuHourlyCost !== undefined ? { gpuHourlyCost: args.gpuHourlyCost } : {}),
      idleUtilisationPercent: args.alerts?.gpuIdleUtilisationPercent ?? alertThresholds.gpuIdleUtilisationPercent.default,
    });
    for (const dashboard of dashboards) {
      new GrafanaDashboard(chart, dashboard.uid, {
        name: dashboardConfigMapName(dashboard.uid),
        namespace: args.namespace,
        dashboardLabel: args.selection.dashboardLabel,
        dashboard,
      });
    }
    applyChart(name, chart, { parent: this, provider: args.provider, dependsOn: [...args.dependsOn] });
    this.registerOutputs({});
  }
}
