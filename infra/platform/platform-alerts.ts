import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { App, Chart } from "cdk8s";
import { elasticsearchSnapshotDefaults, mongodbBackupNames } from "../../constructs/data";
import { FlywheelAlerts, type StackCertificateName } from "../../constructs/monitoring";
import { flywheelApiService } from "../../flywheel-job/src/contract";
import type { MonitoringSettings } from "../../stacks/config/schema/monitoring";
import { applyChartOf } from "../kubernetes/cdk8s-chart";
import type { MonitorSelection } from "./monitor-selection";
import { namespaces } from "./namespaces";

export interface PlatformAlertsArgs {
  /** The labels its Prometheus selects rules by. */
  readonly selection: MonitorSelection;
  /**
   * Whether the stack installs its own Prometheus: the rule then sits in its namespace; with an
   * `external` one, in the flywheel namespace (the stack creates no `monitoring` namespace then).
   */
  readonly ownMonitoring: boolean;
  /** The thresholds and README address the stack sets (`platform.monitoring.alerts`). */
  readonly settings?: MonitoringSettings["alerts"];
  /** How long a run may take, in hours: a candidate NIM pod older than this leaked. */
  readonly maxRunHours: number;
  /** Whether the stack deploys the Flywheel API, which then alerts when down. */
  readonly flywheelApi: boolean;
  /**
   * The namespaces of the stack's ExternalSecrets, when its credentials come from a secrets manager:
   * a sync that fails, or the operator gone, then alerts.
   * @default none
   */
  readonly secretSyncNamespaces?: readonly string[];
  /**
   * The log data stream, when Elasticsearch is snapshotted: a late or failed snapshot of its SLM policy then alerts.
   * @default none
   */
  readonly elasticsearchSnapshotsOf?: string;
  /**
   * Whether MongoDB is backed up (`MongoDbBackups`): a late or never-successful backup then alerts.
   * @default false
   */
  readonly mongodbBackup?: boolean;
  /**
   * Whether the CloudNativePG cluster in `nemo` is backed up through the barman-cloud plugin, whose
   * last-backup timestamps then alert.
   * @default false
   */
  readonly postgresBackup?: boolean;
  /**
   * When each certificate expires (RFC 3339): the CA's `LogStore.certificateAuthority.notAfter`,
   * Elasticsearch's `LogStore.certificateNotAfter`, Redis's and MongoDB's from `RunState`.
   */
  readonly certificateNotAfter: Readonly<Record<StackCertificateName, pulumi.Output<string>>>;
  /** prometheus-operator's CRDs (none with an `external` Prometheus) and the namespaces. */
  readonly dependsOn: readonly pulumi.Resource[];
  readonly provider: k8s.Provider;
}

/** The PrometheusRule's name. */
const ruleName = "flywheel-alerts";

/**
 * The flywheel's alerts (README "Alerts and runbooks") as one PrometheusRule. Each certificate's
 * expiry is rendered into its alert, so the rule is built once Pulumi knows them all, and a new
 * certificate changes the rule at the same `pulumi up`.
 */
export class PlatformAlerts extends pulumi.ComponentResource {
  constructor(name: string, args: PlatformAlertsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("data-flywheel:platform:PlatformAlerts", name, {}, opts);
    const { settings } = args;
    const build = (notAfter: Readonly<Record<StackCertificateName, string>>): Chart => {
      const chart = new Chart(new App(), name);
      new FlywheelAlerts(chart, "alerts", {
        name: ruleName,
        namespace: args.ownMonitoring ? namespaces.monitoring : namespaces.flywheel,
        monitorLabels: args.selection.monitorLabels,
        flywheelNamespace: namespaces.flywheel,
        candidateNamespace: namespaces.flywheel,
        servingNamespace: namespaces.nemo,
        elasticsearchNamespace: namespaces.data,
        maxRunHours: args.maxRunHours,
        ...(args.elasticsearchSnapshotsOf !== undefined
          ? { elasticsearchSnapshots: { repository: elasticsearchSnapshotDefaults.repositoryName, policy: elasticsearchSnapshotDefaults.policyName(args.elasticsearchSnapshotsOf) } }
          : {}),
        ...(args.mongodbBackup === true ? { mongodbBackup: { namespace: namespaces.data, cronJob: mongodbBackupNames.cronJob } } : {}),
        ...(args.postgresBackup === true ? { postgresBackups: { namespaces: [namespaces.nemo] } } : {}),
        ...(args.secretSyncNamespaces ? { secretSync: { operatorNamespace: namespaces.externalSecrets, namespaces: args.secretSyncNamespaces } } : {}),
        certificateNotAfterSeconds: {
          ca: rfc3339Seconds("ca", notAfter.ca),
          elasticsearch: rfc3339Seconds("elasticsearch", notAfter.elasticsearch),
          redis: rfc3339Seconds("redis", notAfter.redis),
          mongodb: rfc3339Seconds("mongodb", notAfter.mongodb),
        },
        ...(args.flywheelApi ? { apiServiceName: flywheelApiService.serviceName } : {}),
        ...settings,
      });
      return chart;
    };
    applyChartOf(name, pulumi.output(args.certificateNotAfter), build, { parent: this, provider: args.provider, dependsOn: [...args.dependsOn] });
    this.registerOutputs({});
  }
}

/** An RFC 3339 time (the TLS provider's `validityEndTime`) in whole seconds since the Unix epoch. */
function rfc3339Seconds(certificate: StackCertificateName, time: string): number {
  const ms = Date.parse(time);
  if (Number.isNaN(ms)) {
    throw new Error(`PlatformAlerts: the ${certificate} certificate's validityEndTime "${time}" is no RFC 3339 time`);
  }
  return Math.floor(ms / 1000);
}
