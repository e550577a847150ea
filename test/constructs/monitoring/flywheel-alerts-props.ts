import type { FlywheelAlertsProps } from "../../../constructs/monitoring";

/** Elasticsearch's certificate in the tests expires 40 days after the Unix epoch (promtool's time 0). */
export const certificateNotAfterSeconds = 40 * 86_400;

/** The props both suites render the alerts with; promtool's input series use the same namespaces. */
export const alertProps: FlywheelAlertsProps = {
  name: "flywheel-alerts",
  namespace: "monitoring",
  monitorLabels: { release: "kube-prometheus-stack" },
  runbookBaseUrl: "https://example.test/data-flywheel/README.md",
  flywheelNamespace: "flywheel",
  apiServiceName: "flywheel-api",
  candidateNamespace: "nim",
  servingNamespace: "nemo",
  maxRunHours: 2,
  elasticsearchNamespace: "elastic",
  elasticsearchCertificateNotAfterSeconds: certificateNotAfterSeconds,
};
