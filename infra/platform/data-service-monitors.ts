import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { App, Chart } from "cdk8s";
import { fileRealmUserKeys, mongodbMetricsPort, redisMetricsPort } from "../../constructs/data";
import { ElasticsearchExporter, elasticsearchExporterPort, ServiceMonitor } from "../../constructs/monitoring";
import type { PodSet } from "../../constructs/network/network-path";
import { applyChart } from "../kubernetes/cdk8s-chart";
import { optionalNodeSelector } from "./construct-props";
import { logStoreNaming, logStoreSecretNames } from "./log-store";
import type { MonitorSelection } from "./monitor-selection";
import { platformPods } from "./network-paths";
import { runStateNaming } from "./run-state";

export interface DataServiceMonitorsArgs {
  /** The labels its Prometheus selects monitors by. */
  readonly selection: MonitorSelection;
  /** Namespace of Elasticsearch, MongoDB and Redis: the exporter and the monitors sit beside them. */
  readonly namespace: string;
  /** Elasticsearch's in-cluster HTTPS URL. */
  readonly elasticsearchUrl: string;
  /** The pinned elasticsearch_exporter image. */
  readonly elasticsearchExporterImage: string;
  /** Nodes the exporter runs on; empty for any node. */
  readonly nodeSelector: Readonly<Record<string, string>>;
  /**
   * Whether Elasticsearch is snapshotted: the exporter then reports snapshots and SLM for the backup alert.
   * @default false
   */
  readonly elasticsearchSnapshots?: boolean;
  /**
   * prometheus-operator's CRDs (none with an `external` Prometheus), the namespaces, and the log store
   * and run state whose users, Secrets and Services the exporter and monitors use.
   */
  readonly dependsOn: readonly pulumi.Resource[];
  readonly provider: k8s.Provider;
}

/**
 * The data services' metrics: an Elasticsearch exporter (its user and CA come from the log store,
 * `LogStore.metrics`) and the ServiceMonitors of it, of MongoDB's members (`spec.prometheus`,
 * basic auth) and of Redis's exporter sidecar (`RunState.metrics`).
 */
export class DataServiceMonitors extends pulumi.ComponentResource {
  constructor(name: string, args: DataServiceMonitorsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("data-flywheel:platform:DataServiceMonitors", name, {}, opts);
    const chart = new Chart(new App(), name);
    const { monitorLabels } = args.selection;
    const nodeSelector = optionalNodeSelector(args.nodeSelector);
    const exporter = new ElasticsearchExporter(chart, "elasticsearch-exporter", {
      name: logStoreNaming.exporter,
      namespace: args.namespace,
      image: args.elasticsearchExporterImage,
      elasticsearchUrl: args.elasticsearchUrl,
      credentials: { secretName: logStoreSecretNames.metrics, usernameKey: fileRealmUserKeys.username, passwordKey: fileRealmUserKeys.password },
      ca: { configMapName: logStoreNaming.caConfigMap, key: logStoreNaming.caKey },
      ...(nodeSelector ? { nodeSelector } : {}),
      ...(args.elasticsearchSnapshots ? { snapshots: true } : {}),
    });
    new ServiceMonitor(chart, "elasticsearch", {
      name: logStoreNaming.exporter,
      namespace: args.namespace,
      monitorLabels,
      serviceSelector: exporter.labels,
      endpoints: [{ port: elasticsearchExporterPort.name }],
    });
    new ServiceMonitor(chart, "mongodb", {
      name: runStateNaming.mongodb,
      namespace: args.namespace,
      monitorLabels,
      // The operator's Service of the members carries the members' label (`app: <name>-svc`) and the
      // `prometheus` port: one target per member.
      serviceSelector: { ...singleMatchLabels(platformPods.mongodb.selector) },
      endpoints: [{ port: mongodbMetricsPort.name, basicAuth: { secretName: runStateNaming.mongodbMetricsSecret } }],
    });
    new ServiceMonitor(chart, "redis", {
      name: runStateNaming.redis,
      namespace: args.namespace,
      monitorLabels,
      // Both of Redis's Services carry these labels; only the ClusterIP one has the metrics port.
      serviceSelector: { ...singleMatchLabels(platformPods.redis.selector) },
      endpoints: [{ port: redisMetricsPort.name }],
    });
    applyChart(name, chart, { parent: this, provider: args.provider, dependsOn: [...args.dependsOn] });
    this.registerOutputs({});
  }
}

/** The labels of a pod set selected by labels alone (the isolation table's one owner of them). */
function singleMatchLabels(selector: PodSet["selector"]): Readonly<Record<string, string>> {
  if (selector === "all" || selector.matchLabels === undefined || selector.matchExpressions !== undefined) {
    throw new Error("DataServiceMonitors: the pod set must be selected by matchLabels");
  }
  return selector.matchLabels;
}
