import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { MonitoringSettings } from "../../stacks/config/schema/monitoring";
import { gpuRoleLabel, gpuToleration, labelKeys, nodePoolLabel } from "../../flywheel-job/src/contract";
import { generatedPassword } from "../generated-password";
import { pinnedRelease, type HelmChartPin } from "../kubernetes/helm";
import { OperatorCrds } from "../kubernetes/operator-crds";
import { secret } from "../kubernetes/secrets";
import { kubePrometheusStackRelease, type MonitorSelection, releaseLabelKey } from "./monitor-selection";

export interface MonitoringStackArgs {
  readonly charts: { readonly kubePrometheusStack: HelmChartPin; readonly prometheusPushgateway: HelmChartPin };
  /** Pinned URLs of prometheus-operator v0.93.1's CRDs, kube-prometheus-stack 88.5.3's operator. */
  readonly crdUrls: readonly string[];
  readonly namespace: string;
  readonly prometheus: MonitoringSettings["prometheus"];
  /** The labels this stack's Prometheus and Grafana select by (`monitorSelection`). */
  readonly selection: MonitorSelection;
  /** StorageClass of Prometheus's volumes; the cluster default when undefined. */
  readonly storageClass?: string;
  readonly nodeSelector: Readonly<Record<string, string>>;
  readonly provider: k8s.Provider;
}

/** Names the network paths, tests and README use. */
export const monitoringNaming = {
  /** The Pushgateway's Helm release, and so its pods' `app.kubernetes.io/instance`. */
  pushgatewayRelease: "prometheus-pushgateway",
  /** The Pushgateway's pod and Service port (prometheus-pushgateway 3.8.0 values `service.port`, `service.targetPort`). */
  pushgatewayPort: 9091,
  /** The Secret Grafana reads its admin login from, and its keys (the chart's `grafana.admin` defaults). */
  grafanaAdminSecret: "grafana-admin",
  grafanaAdminUserKey: "admin-user",
  grafanaAdminPasswordKey: "admin-password",
  grafanaAdminUser: "admin",
  /**
   * The Service in front of the stack's Prometheus: kube-prometheus-stack 88.5.3 names it
   * `<fullname>-prometheus` (templates/prometheus/service.yaml), the fullname being the release's
   * name, and serves it on `prometheus.service.port`, the pods' port too.
   */
  prometheusService: `${kubePrometheusStackRelease}-prometheus`,
  prometheusPort: 9090,
} as const;

/** Share of a Prometheus volume its TSDB may fill before the oldest blocks go, whatever `retention` says. */
const retentionSizeShare = 0.85;

const small = { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "250m", memory: "256Mi" } };
// The Pushgateway chart's pod context runs as nobody, non-root, and its container's is empty: the
// rest of restricted is stated here.
const pushgatewayContainer = { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" } };

/**
 * The stack's own monitoring: prometheus-operator's CRDs as Pulumi resources, kube-prometheus-stack
 * installed without them (Prometheus Operator, Prometheus, Grafana, kube-state-metrics,
 * node-exporter) and the Pushgateway the flywheel job pushes its metrics to.
 *
 * Monitors are selected by kube-prometheus-stack's default, the `release` label: its
 * `*SelectorNilUsesHelmValues` stay true, and every monitor and rule of this stack carries the label
 * through `monitorSelection`, the label's one owner. An `external` Prometheus needs that same code
 * path (it selects by its own release's label), and this Prometheus never picks up monitors that
 * other charts on the cluster leave behind.
 */
export class MonitoringStack extends pulumi.ComponentResource {
  readonly crds: OperatorCrds;
  readonly release: k8s.helm.v3.Release;
  readonly pushgateway: k8s.helm.v3.Release;
  /** Where the flywheel job pushes its metrics: the Pushgateway's Service, named after its release (the chart's fullname). */
  readonly pushgatewayUrl: string;

  constructor(name: string, args: MonitoringStackArgs, opts?: pulumi.ComponentResourceOptions) {
    super("data-flywheel:platform:MonitoringStack", name, {}, opts);
    const k8sOpts = { parent: this, provider: args.provider };
    const naming = monitoringNaming;
    const release = args.selection.monitorLabels[releaseLabelKey];
    if (release !== kubePrometheusStackRelease) {
      throw new Error(`MonitoringStack ${name}: selection labels monitors release "${release}", but this Prometheus selects release "${kubePrometheusStackRelease}"`);
    }
    this.crds = new OperatorCrds(`${name}-crds`, { urls: args.crdUrls, provider: args.provider }, { parent: this });

    const grafanaPassword = generatedPassword(`${name}-grafana-admin`, this);
    const grafanaAdmin = secret(`${name}-grafana-admin`, {
      name: naming.grafanaAdminSecret,
      namespace: args.namespace,
      stringData: { [naming.grafanaAdminUserKey]: naming.grafanaAdminUser, [naming.grafanaAdminPasswordKey]: grafanaPassword.result },
    }, k8sOpts);

    const { replicas, retention, storageGiB } = args.prometheus;
    const nodeSelector = args.nodeSelector;
    this.release = pinnedRelease(name, {
      chart: args.charts.kubePrometheusStack,
      releaseName: kubePrometheusStackRelease,
      namespace: args.namespace,
      skipCrds: true,
      values: {
        crds: { enabled: false },
        // No receiver is configured: alerts show in Prometheus and Grafana until one is.
        alertmanager: { enabled: false },
        // A managed control plane (EKS) exposes no etcd, scheduler or controller-manager to scrape,
        // and kube-proxy binds its metrics to the node's loopback: their monitors and rules would
        // only report targets down.
        kubeEtcd: { enabled: false },
        kubeScheduler: { enabled: false },
        kubeControllerManager: { enabled: false },
        kubeProxy: { enabled: false },
        defaultRules: {
          rules: { alertmanager: false, etcd: false, kubeControllerManager: false, kubeSchedulerAlerting: false, kubeSchedulerRecording: false, kubeProxy: false },
        },
        prometheusOperator: {
          nodeSelector,
          resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
          prometheusConfigReloader: { resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "100m", memory: "64Mi" } } },
          admissionWebhooks: { patch: { nodeSelector, resources: small } },
        },
        prometheus: {
          // With replicas, a drain evicts one at a time (the chart's minAvailable: 1), so one keeps scraping.
          podDisruptionBudget: { enabled: replicas > 1 },
          prometheusSpec: {
            replicas,
            retention,
            // Prometheus's size units are powers of two: its GB is a GiB.
            retentionSize: `${Math.floor(storageGiB * retentionSizeShare)}GB`,
            storageSpec: {
              volumeClaimTemplate: {
                spec: {
                  ...(args.storageClass ? { storageClassName: args.storageClass } : {}),
                  accessModes: ["ReadWriteOnce"],
                  resources: { requests: { storage: `${storageGiB}Gi` } },
                },
              },
            },
            nodeSelector,
            resources: { requests: { cpu: "500m", memory: "2Gi" }, limits: { cpu: "2", memory: "4Gi" } },
          },
        },
        grafana: {
          admin: { existingSecret: naming.grafanaAdminSecret, userKey: naming.grafanaAdminUserKey, passwordKey: naming.grafanaAdminPasswordKey },
          sidecar: {
            dashboards: { enabled: true, label: args.selection.dashboardLabel.name, labelValue: args.selection.dashboardLabel.value, searchNamespace: "ALL" },
            resources: small,
          },
          // `helm test` is never run here; its pod would only pull another image.
          testFramework: { enabled: false },
          // No path to the internet is allowed (README, Security model).
          "grafana.ini": { analytics: { check_for_updates: false } },
          nodeSelector,
          resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
        },
        "kube-state-metrics": {
          // Its default exports no object label: the per-pool and per-run panels and alerts need these.
          metricLabelsAllowlist: [`nodes=[${gpuRoleLabel},${nodePoolLabel}]`, `pods=[${labelKeys.runId},${labelKeys.component}]`],
          nodeSelector,
          resources: small,
        },
        "prometheus-node-exporter": {
          // On the GPU nodes too; a DaemonSet's pod does not keep a node from scaling down.
          tolerations: [{ ...gpuToleration() }],
          resources: { requests: { cpu: "50m", memory: "32Mi" }, limits: { cpu: "250m", memory: "128Mi" } },
        },
      },
    }, { ...k8sOpts, dependsOn: [this.crds, grafanaAdmin] });

    this.pushgatewayUrl = `http://${naming.pushgatewayRelease}.${args.namespace}.svc:${naming.pushgatewayPort}`;
    this.pushgateway = pinnedRelease(`${name}-pushgateway`, {
      chart: args.charts.prometheusPushgateway,
      releaseName: naming.pushgatewayRelease,
      namespace: args.namespace,
      values: {
        // honorLabels keeps the job and instance labels a push carries (the chart's default).
        serviceMonitor: { enabled: true, namespace: args.namespace, additionalLabels: { ...args.selection.monitorLabels }, honorLabels: true },
        containerSecurityContext: pushgatewayContainer,
        // Pushed groups live in memory: without a file on a volume, a restart or a drain would drop
        // every workload's last outcome and scores until each runs again (the chart then passes
        // --persistence.file). Its ReadWriteOnce volume suits the chart's Recreate strategy, and takes
        // the cluster's default StorageClass: the chart's values declare no storageClass key.
        persistentVolume: { enabled: true, size: "2Gi" },
        nodeSelector,
        resources: small,
      },
    }, { ...k8sOpts, dependsOn: [this.crds] });
    this.registerOutputs({});
  }

  /** What a ServiceMonitor, PodMonitor or PrometheusRule must wait for, and be deleted before. */
  get dependencies(): pulumi.Resource[] {
    return [this.crds];
  }
}
