import type { FlywheelAlertsProps, StackCertificateName } from "../../../constructs/monitoring";

/**
 * When each certificate in the tests expires, in days after the Unix epoch (promtool's time 0): a
 * day apart, so a promtool test sees each rule start to fire while the earlier ones still warn.
 */
export const certificateNotAfterDays: Readonly<Record<StackCertificateName, number>> = { ca: 40, elasticsearch: 41, redis: 42, mongodb: 43 };

/** The props both suites render the alerts with; promtool's input series use the same namespaces. */
export const alertProps: FlywheelAlertsProps = {
  name: "flywheel-alerts",
  namespace: "monitoring",
  monitorLabels: { release: "kube-prometheus-stack" },
  runbookBaseUrl: "https://example.test/data-flywheel/README.md",
  flywheelNamespace: "flywheel",
  apiServiceName: "flywheel-api",
  secretSync: { operatorNamespace: "external-secrets", namespaces: ["nemo", "flywheel"] },
  candidateNamespace: "nim",
  servingNamespace: "nemo",
  maxRunHours: 2,
  elasticsearchNamespace: "elastic",
  elasticsearchSnapshots: { repository: "s3-snapshots", policy: "flywheel-nightly" },
  certificateNotAfterSeconds: {
    ca: certificateNotAfterDays.ca * 86_400,
    elasticsearch: certificateNotAfterDays.elasticsearch * 86_400,
    redis: certificateNotAfterDays.redis * 86_400,
    mongodb: certificateNotAfterDays.mongodb * 86_400,
  },
};
