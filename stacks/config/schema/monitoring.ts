import { z } from "zod";
import { labelKey, labelValue } from "../../../constructs/common/labels";
import { type AlertThreshold, alertThresholds } from "../../../constructs/monitoring/flywheel-alerts";
import { durationMilliseconds, prometheusDuration } from "../../../constructs/monitoring/prometheus-duration";
import { defaultDashboardLabel } from "../../../infra/platform/monitor-selection";

/**
 * `data-flywheel:platform.monitoring`: the Prometheus and Grafana that watch the platform — the
 * stack's own kube-prometheus-stack (the default), an existing Prometheus Operator's (`external`),
 * or none (`enabled: false`).
 */

/** A retention: a Prometheus duration (`15d`, `1w3d`, `36h`) longer than zero. */
const retention = z
  .string()
  .regex(prometheusDuration, {
    error: 'expected a Prometheus duration such as "15d", "2w" or "36h" (units y, w, d, h, m, s, ms, largest first)',
    abort: true,
  })
  .refine((value) => durationMilliseconds(value) !== undefined, "must be longer than zero");

const labelName = z.string().regex(labelKey, "expected a label key (an optional DNS prefix and '/', then at most 63 letters, digits, '-', '_', '.')");
const labelText = z.string().regex(labelValue, "expected a label value (1-63 letters, digits, '-', '_', '.', starting and ending with a letter or digit)");

const prometheusSchema = z.strictObject({
  /** Prometheus replicas, each scraping every target; production needs 2. */
  replicas: z.int().min(1).max(5).default(1),
  /** How long samples are kept. */
  retention: retention.default("7d"),
  /** Each replica's persistent volume; Prometheus also stops at 85% of it (`retentionSize`). */
  storageGiB: z.int().min(2).max(16384).default(20),
});

/** A threshold of an alert, in the range the alert construct declares. */
const threshold = (range: AlertThreshold) => z.number().min(range.min).max(range.max).optional();

/** The alerts' thresholds (README "Alerts and runbooks"); each left out keeps the alert's default. */
const alertsSchema = z.strictObject({
  /** Share of a NIM's requests that failed over 10 minutes above which it alerts. */
  nimErrorRatio: threshold(alertThresholds.nimErrorRatio),
  /** p95 seconds to a NIM's first token over 10 minutes above which it alerts. */
  nimTimeToFirstTokenSeconds: threshold(alertThresholds.nimTimeToFirstTokenSeconds),
  /** Share of Elasticsearch's data disk in use above which it alerts. */
  elasticsearchDiskWatermark: threshold(alertThresholds.elasticsearchDiskWatermark),
  /** GPU utilisation, in percent, under which a GPU node idle for 30 minutes alerts. */
  gpuIdleUtilisationPercent: threshold(alertThresholds.gpuIdleUtilisationPercent),
  /** Where your team reads this README (https, no `#`): each alert's `runbook_url` is it plus the runbook's anchor. */
  runbookBaseUrl: z.url({ protocol: /^https$/, error: "expected an https URL" }).refine((url) => !url.includes("#"), "must not have a fragment (#…); the alerts add their anchors").optional(),
});

export const monitoringSchema = z
  .strictObject({
    /** Monitoring at all. Off: nothing is installed and no monitor, rule or dashboard is created. */
    enabled: z.boolean().default(true),
    /** The Prometheus the stack installs; not with `external`, which installs none. */
    prometheus: prometheusSchema.optional(),
    /**
     * Use a Prometheus Operator, Prometheus and Grafana that already run on the cluster: the stack
     * installs none, and its monitors, rules and dashboards carry the labels they select by.
     */
    external: z
      .strictObject({
        /** The `release` label value the existing Prometheus selects monitors and rules by (its Helm release's name). */
        releaseLabel: labelText,
        /** The label its Grafana's dashboard sidecar loads ConfigMaps by. */
        dashboardLabel: z.strictObject({ name: labelName, value: labelText }).default(defaultDashboardLabel),
      })
      .optional(),
    alerts: alertsSchema.optional(),
  })
  .superRefine((monitoring, ctx) => {
    if (!monitoring.enabled && monitoring.external) {
      ctx.addIssue({ code: "custom", path: ["external"], input: "(set)", message: "only applies when enabled is true; remove it, or enabled: false" });
    }
    if (monitoring.alerts && !monitoring.enabled) {
      ctx.addIssue({ code: "custom", path: ["alerts"], input: "(set)", message: "only applies when enabled is true: enabled: false creates no alert; remove it" });
    }
    if (monitoring.prometheus && (monitoring.external || !monitoring.enabled)) {
      ctx.addIssue({
        code: "custom",
        path: ["prometheus"],
        input: "(set)",
        message: `sizes the stack's own Prometheus, which ${monitoring.external ? "external" : "enabled: false"} does not install; remove it`,
      });
    }
  })
  // The stack's own Prometheus, sized by its defaults where the stack file says nothing.
  .transform((monitoring) => ({ ...monitoring, prometheus: monitoring.prometheus ?? prometheusSchema.parse({}) }))
  .prefault({});

export type MonitoringSettings = z.infer<typeof monitoringSchema>;
