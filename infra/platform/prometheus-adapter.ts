import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { type ServingScaleMetric, servingScaleMetrics } from "../../stacks/config/schema/serving";
import { pinnedRelease, type HelmChartPin } from "../kubernetes/helm";
import { monitoringNaming } from "./monitoring";
import { namespaces } from "./namespaces";

/** Names the network paths, tests and README use. */
export const prometheusAdapterNaming = {
  /** The Helm release, and so its pods' `app.kubernetes.io/instance`. */
  release: "prometheus-adapter",
  /** Its pods' `app.kubernetes.io/name` (prometheus-adapter 5.3.0 templates/_helpers.tpl, the chart's name). */
  podName: "prometheus-adapter",
  /** The port its pods serve custom.metrics.k8s.io on, which the API server calls (values `listenPort`; Service 443 → it). */
  listenPort: 6443,
} as const;

/** One custom-metrics rule of prometheus-adapter's configuration (values `rules.custom[]`). */
export interface CustomMetricRule {
  /** The series the rule discovers. */
  readonly seriesQuery: string;
  /** Which series labels name which Kubernetes resources. */
  readonly resources: { readonly overrides: Readonly<Record<string, { readonly resource: string }>> };
  /** The metric name the API serves: the series' name, exactly. */
  readonly name: { readonly matches: string; readonly as: string };
  /** The query the adapter runs, with its `<<.Series>>`, `<<.LabelMatchers>>` and `<<.GroupBy>>` filled in. */
  readonly metricsQuery: string;
}

/**
 * The Pods metrics the serving entries' HPAs scale on, one rule per metric `scaleOn.metric` may
 * name: the NIM for LLMs 1.x gauges as the NIM operator's ServiceMonitor scrapes them in the serving
 * namespace, under their bare names with the `namespace` and `pod` target labels. A pod's series are
 * averaged, so a pod scraped through two endpoints still counts once.
 */
export function servingMetricRules(): CustomMetricRule[] {
  return (Object.keys(servingScaleMetrics) as ServingScaleMetric[]).map((metric) => ({
    seriesQuery: `{__name__="${metric}",namespace="${namespaces.serving}"}`,
    resources: { overrides: { namespace: { resource: "namespace" }, pod: { resource: "pod" } } },
    name: { matches: `^${metric}$`, as: metric },
    metricsQuery: "avg(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)",
  }));
}

export interface PrometheusAdapterArgs {
  readonly chart: HelmChartPin;
  /** The namespace of the stack's Prometheus, where the adapter runs too. */
  readonly namespace: string;
  readonly nodeSelector: Readonly<Record<string, string>>;
  readonly provider: k8s.Provider;
  /** What it waits for: the stack's Prometheus, which it queries. */
  readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/**
 * prometheus-adapter, serving the NIM metrics of the stack's own Prometheus as custom.metrics.k8s.io
 * for the serving entries' HPAs. Only the serving rules: `rules.default` would serve every container
 * and node series too, which nothing here scales on.
 */
export class PrometheusAdapter extends pulumi.ComponentResource {
  readonly release: k8s.helm.v3.Release;

  constructor(name: string, args: PrometheusAdapterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("data-flywheel:platform:PrometheusAdapter", name, {}, opts);
    const naming = prometheusAdapterNaming;
    this.release = pinnedRelease(name, {
      chart: args.chart,
      releaseName: naming.release,
      namespace: args.namespace,
      values: {
        prometheus: { url: `http://${monitoringNaming.prometheusService}.${args.namespace}.svc`, port: monitoringNaming.prometheusPort },
        listenPort: naming.listenPort,
        rules: { default: false, custom: servingMetricRules() },
        nodeSelector: args.nodeSelector,
        resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "250m", memory: "256Mi" } },
        // The chart's one container, restricted as its defaults are, stated so that a chart upgrade
        // cannot loosen it unnoticed. Its pod context (values `podSecurityContext`) declares only
        // fsGroup; the container's runAsNonRoot and seccompProfile are what restricted asks of the pod.
        securityContext: {
          allowPrivilegeEscalation: false,
          capabilities: { drop: ["ALL"] },
          readOnlyRootFilesystem: true,
          runAsNonRoot: true,
          seccompProfile: { type: "RuntimeDefault" },
        },
      },
    }, { parent: this, provider: args.provider, ...(args.dependsOn ? { dependsOn: args.dependsOn } : {}) });
    this.registerOutputs({});
  }
}
