/** kube-state-metrics' name for a node or pod label it exports (`metricLabelsAllowlist`): `label_` and the key, every other character `_`. */
export function kubeStateMetricsLabel(labelKey: string): string {
  return `label_${labelKey.replace(/[^A-Za-z0-9_]/g, "_")}`;
}
