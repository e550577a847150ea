import { gpuRoleLabel, nodePoolLabel } from "../../../flywheel-job/src/contract";
import { fail } from "../../common/errors";
import { alertThresholds } from "../flywheel-alerts";
import { buildDashboard, type PanelSpec, textBoxVariable } from "./dashboard-builder";
import type { Dashboard } from "./dashboard-model";
import { kubeStateMetricsLabel } from "../kube-state-metrics-labels";

export interface GpuDashboardProps {
  /**
   * GPU utilisation (percent) under which a GPU counts as idle: the starting value of the
   * dashboard's `idle_percent`, which a viewer may change. Give it the idle alert's threshold.
   */
  readonly idleUtilisationPercent: number;
}

/** The GPUs dashboard's uid, and its ConfigMap key `gpus.json`. */
export const gpuDashboardUid = "gpus";

const poolLabel = kubeStateMetricsLabel(nodePoolLabel);
const roleLabel = kubeStateMetricsLabel(gpuRoleLabel);

/**
 * `series` with each GPU's node pool and GPU role: dcgm-exporter names the node in `Hostname` (the
 * GPU operator gives it the node's name), kube-state-metrics in `node`. `label_join` copies one into
 * the other without a regular expression, whose `.` PromQL 2 and 3 match differently.
 */
function withPool(series: string): string {
  return `label_join(${series}, "node", "", "Hostname") * on (node) group_left (${poolLabel}, ${roleLabel}) max by (node, ${poolLabel}, ${roleLabel}) (kube_node_labels)`;
}

/** GPUs dcgm-exporter reports held by a pod: the GPU operator's ServiceMonitor keeps its own `pod` label, so the holder's is `exported_pod`. */
const heldGpuUtil = 'DCGM_FI_DEV_GPU_UTIL{exported_pod!=""}';

/**
 * The GPUs (dcgm-exporter's default counters, through the GPU operator's ServiceMonitor): how busy
 * they are, their memory, power and XID errors, per node and per node pool, and the GPU-hours pods
 * held without using them.
 */
export function gpuDashboard(props: GpuDashboardProps): Dashboard {
  const idle = props.idleUtilisationPercent;
  // The idle alert's range: the dashboard counts idle as the alert does.
  const range = alertThresholds.gpuIdleUtilisationPercent;
  if (!(Number.isFinite(idle) && idle >= range.min && idle <= range.max)) {
    fail(`dashboard ${gpuDashboardUid}`, `idleUtilisationPercent ${idle} must be from ${range.min} to ${range.max}`);
  }
  const pair = (title: string, unit: PanelSpec["unit"], what: string, metric: string, aggregate: "avg" | "sum" | "max"): PanelSpec[] => [
    {
      kind: "timeseries",
      title: `${title} per node`,
      description: `${what} (${metric}), ${aggregate === "avg" ? "averaged over" : aggregate === "sum" ? "summed over" : "the highest of"} each node's GPUs.`,
      unit,
      queries: [{ expr: `${aggregate} by (Hostname) (${metric})`, legend: "{{Hostname}}" }],
    },
    {
      kind: "timeseries",
      title: `${title} per pool`,
      description: `${what} (${metric}) per node pool (kube_node_labels' ${poolLabel} and ${roleLabel}).`,
      unit,
      queries: [{ expr: `${aggregate} by (${poolLabel}, ${roleLabel}) (${withPool(metric)})`, legend: `{{${poolLabel}}} ({{${roleLabel}}})` }],
    },
  ];
  return buildDashboard({
    uid: gpuDashboardUid,
    title: "GPUs",
    description: "Utilisation, memory, power and XID errors of every GPU per node and node pool, from dcgm-exporter and kube-state-metrics' node labels; GPU-hours held but idle.",
    tags: ["data-flywheel", "gpu"],
    variables: [textBoxVariable("idle_percent", "Idle under (% utilisation)", String(idle))],
    panels: [
      { row: "Utilisation" },
      ...pair("GPU utilisation", "percent", "Percent of time a kernel ran", "DCGM_FI_DEV_GPU_UTIL", "avg"),
      { row: "Memory and power" },
      ...pair("Framebuffer memory used", "mbytes", "GPU memory in use, MiB", "DCGM_FI_DEV_FB_USED", "sum"),
      ...pair("Power", "watt", "Power draw, watts", "DCGM_FI_DEV_POWER_USAGE", "sum"),
      { row: "Errors" },
      ...pair("Last XID error", "none", "The last XID error a GPU raised, 0 for none", "DCGM_FI_DEV_XID_ERRORS", "max"),
      { row: "Held but idle" },
      {
        kind: "timeseries",
        title: "GPUs held but idle",
        description: `GPUs a pod holds (dcgm-exporter's exported_pod) running under $idle_percent% utilisation (DCGM_FI_DEV_GPU_UTIL), per node: they cost without working.`,
        unit: "short",
        queries: [{ expr: `sum by (Hostname) (${heldGpuUtil} < bool $idle_percent)`, legend: "{{Hostname}}" }],
      },
      {
        kind: "stat",
        title: "GPU-hours held but idle, last 24 hours",
        description: `Hours each held GPU spent under $idle_percent% utilisation over the last 24 hours, sampled each minute (DCGM_FI_DEV_GPU_UTIL with exported_pod), per node.`,
        unit: "h",
        queries: [{ expr: `sum by (Hostname) (sum_over_time((${heldGpuUtil} < bool $idle_percent)[24h:1m])) / 60`, legend: "{{Hostname}}" }],
      },
    ],
  });
}
