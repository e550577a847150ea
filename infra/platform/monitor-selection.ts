import type { MonitoringSettings } from "../../stacks/config/schema/monitoring";

/**
 * Which Prometheus and Grafana pick up what this stack creates: the one owner of the release label
 * every ServiceMonitor, PodMonitor and PrometheusRule carries, and of the dashboard sidecar's label.
 */

/** The kube-prometheus-stack release the stack installs; its name is the release label's value. */
export const kubePrometheusStackRelease = "kube-prometheus-stack";

/**
 * The label kube-prometheus-stack's Prometheus selects monitors and rules by when its
 * `*SelectorNilUsesHelmValues` stay true (their default): `release: <release name>`.
 */
export const releaseLabelKey = "release";

/** The label the Grafana sidecar loads dashboard ConfigMaps by: kube-prometheus-stack 88.5.3's default. */
export const defaultDashboardLabel = { name: "grafana_dashboard", value: "1" } as const;

/** A label, by name and value. */
export interface Label {
  readonly name: string;
  readonly value: string;
}

/** What a monitor, rule or dashboard must carry to be picked up. */
export interface MonitorSelection {
  /** Labels of every ServiceMonitor, PodMonitor and PrometheusRule. */
  readonly monitorLabels: Readonly<Record<string, string>>;
  /** The label of every dashboard ConfigMap. */
  readonly dashboardLabel: Label;
}

/**
 * The selection a stack's monitors follow: its own kube-prometheus-stack's, an existing one's
 * (`external`), or none when monitoring is off (then nothing creates a monitor).
 */
export function monitorSelection(settings: MonitoringSettings): MonitorSelection | undefined {
  if (!settings.enabled) {
    return undefined;
  }
  if (settings.external) {
    return { monitorLabels: { [releaseLabelKey]: settings.external.releaseLabel }, dashboardLabel: settings.external.dashboardLabel };
  }
  return { monitorLabels: { [releaseLabelKey]: kubePrometheusStackRelease }, dashboardLabel: defaultDashboardLabel };
}
