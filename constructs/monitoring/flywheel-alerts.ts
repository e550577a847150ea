import { Construct } from "constructs";
import { candidateNimComponent, jobMetrics, labelKeys, pushJobName } from "../../flywheel-job/src/contract";
import { fail, resourceLabel } from "../common/errors";
import { validateLabelName, validateNamespace } from "../common/names";
import { PrometheusRule, PrometheusRuleSpecGroupsRulesExpr } from "../imports/prometheus-operator-v0.93.1/prometheusrule-monitoring.coreos.com";
import { kubeStateMetricsLabel } from "./kube-state-metrics-labels";
import { monitorObjectLabels } from "./monitor-labels";

export interface FlywheelAlertsProps {
  readonly name: string;
  /** The namespace the PrometheusRule sits in (its Prometheus must select rules there). */
  readonly namespace: string;
  /** The labels its Prometheus selects rules by: `MonitorSelection.monitorLabels` of the stack. */
  readonly monitorLabels: Readonly<Record<string, string>>;
  /**
   * The README's address; each alert's `runbook_url` is this plus `#<its runbook's anchor>`.
   * @default none: each alert's `runbook` annotation names the README's anchor (`README.md#<anchor>`)
   */
  readonly runbookBaseUrl?: string;
  /** The namespace of the workloads' CronJobs and the Flywheel API. */
  readonly flywheelNamespace: string;
  /**
   * The Flywheel API's Service name: its ServiceMonitor's targets get it as their `job` label.
   * @default none: the stack deploys no Flywheel API, and nothing alerts on it
   */
  readonly apiServiceName?: string;
  /**
   * Where the External Secrets Operator runs and the namespaces its ExternalSecrets are in: a
   * credential that stops syncing from the secrets manager, or the operator gone, alerts.
   * @default none: the stack's credentials come from Pulumi config, and nothing syncs
   */
  readonly secretSync?: { readonly operatorNamespace: string; readonly namespaces: readonly string[] };
  /**
   * Elasticsearch's snapshot repository and SLM policy, when it is snapshotted (its exporter runs the
   * `snapshots` and `slm` collectors): no successful snapshot for `maxAgeHours`, or a failed one, alerts.
   * @default none: nothing is snapshotted, and nothing alerts on it
   */
  readonly elasticsearchSnapshots?: { readonly repository: string; readonly policy: string; readonly maxAgeHours?: number };
  /**
   * The namespaces of CloudNativePG clusters backed up through the barman-cloud plugin (whose
   * instance pods CloudNativePG's PodMonitor scrapes): no base backup for `maxAgeHours`, or a failed
   * one newer than the last success, alerts.
   * @default none: no PostgreSQL backups, and nothing alerts on them
   */
  readonly postgresBackups?: { readonly namespaces: readonly string[]; readonly maxAgeHours?: number };
  /**
   * MongoDB's backup CronJob (`MongoDbBackup`): no successful backup within twice its period, or none
   * ever within twice its period of its creation, alerts.
   * @default none: MongoDB is not backed up, and nothing alerts on it
   */
  readonly mongodbBackup?: { readonly namespace: string; readonly cronJob: string };
  /** The namespace the candidate NIMs run in. */
  readonly candidateNamespace: string;
  /**
   * The namespace of the stack's other NIMs (the judge and embedding NIMs), whose errors and latency
   * alert too; the GPU nodes they hold idle between runs and do not alert as idle.
   */
  readonly servingNamespace: string;
  /** How long a run may take at most, in hours (above 0); a candidate NIM pod older than this leaked. */
  readonly maxRunHours: number;
  /** The namespace of Elasticsearch and its exporter. */
  readonly elasticsearchNamespace: string;
  /**
   * When each certificate of `stackCertificates` expires, in seconds since the Unix epoch: its
   * `validityEndTime` as Pulumi knows it, rendered into its rule (no metric publishes it).
   */
  readonly certificateNotAfterSeconds: Readonly<Record<StackCertificateName, number>>;
  /**
   * Share of Elasticsearch's data disk in use above which it alerts (`alertThresholds.elasticsearchDiskWatermark`).
   * @default 0.85, Elasticsearch's low disk watermark, past which it allocates no new shards to the node
   */
  readonly elasticsearchDiskWatermark?: number;
  /**
   * Share of a NIM's finished requests that failed above which it alerts (`alertThresholds.nimErrorRatio`).
   * @default 0.05
   */
  readonly nimErrorRatio?: number;
  /**
   * p95 time to first token of a NIM above which it alerts, in seconds (`alertThresholds.nimTimeToFirstTokenSeconds`).
   * @default 10
   */
  readonly nimTimeToFirstTokenSeconds?: number;
  /**
   * GPU utilisation (percent) under which a GPU node counts as idle; idle for 30 minutes alerts
   * (`alertThresholds.gpuIdleUtilisationPercent`).
   * @default 5
   */
  readonly gpuIdleUtilisationPercent?: number;
}

/** A threshold's allowed range and its default. */
export interface AlertThreshold {
  readonly min: number;
  readonly max: number;
  readonly default: number;
}

/** The thresholds a stack may set (`platform.monitoring.alerts`): the one owner of their ranges and defaults. */
export const alertThresholds = {
  nimErrorRatio: { min: 0.001, max: 1, default: 0.05 },
  nimTimeToFirstTokenSeconds: { min: 0.1, max: 600, default: 10 },
  elasticsearchDiskWatermark: { min: 0.5, max: 0.99, default: 0.85 },
  gpuIdleUtilisationPercent: { min: 0, max: 100, default: 5 },
} as const satisfies Record<string, AlertThreshold>;

export type AlertThresholdName = keyof typeof alertThresholds;

/** The README anchor of each alert's runbook entry; the README's headings produce these. */
export const alertRunbookAnchors = {
  FlywheelRunFailed: "flywheelrunfailed",
  FlywheelScheduleMissed: "flywheelschedulemissed",
  FlywheelCandidateNimLeaked: "flywheelcandidatenimleaked",
  FlywheelGpuNodeIdle: "flywheelgpunodeidle",
  FlywheelNimErrorRateHigh: "flywheelnimerrorratehigh",
  FlywheelNimTimeToFirstTokenHigh: "flywheelnimtimetofirsttokenhigh",
  FlywheelElasticsearchDiskOverWatermark: "flywheelelasticsearchdiskoverwatermark",
  FlywheelCertificateExpiring: "flywheelcertificateexpiring",
  FlywheelApiDown: "flywheelapidown",
  FlywheelSecretSyncFailing: "flywheelsecretsyncfailing",
  FlywheelBackupLate: "flywheelbackuplate",
} as const;

export type FlywheelAlertName = keyof typeof alertRunbookAnchors;

/**
 * The certificates the stack's CA issued and the CA's own, by the `certificate` label of their
 * FlywheelCertificateExpiring rule: what the alert calls each, and what renews it.
 */
export const stackCertificates = {
  ca: { title: "The stack's CA certificate", renewal: "no pulumi up renews it, rotate it as its runbook says" },
  elasticsearch: { title: "Elasticsearch's HTTP certificate", renewal: "pulumi up issues a new one" },
  redis: { title: "Redis's certificate", renewal: "pulumi up issues a new one, then restart Redis" },
  mongodb: { title: "MongoDB's certificate", renewal: "pulumi up issues a new one" },
} as const satisfies Record<string, { readonly title: string; readonly renewal: string }>;

export type StackCertificateName = keyof typeof stackCertificates;

/** Days before a certificate expires that its alert starts: the one owner of the warning threshold. */
const certificateWarningDays = 30;
/** How long a GPU node must stay idle before it alerts. */
const gpuIdleFor = "30m";

/** One alerting rule before rendering. */
interface AlertRule {
  readonly alert: FlywheelAlertName;
  readonly expr: string;
  readonly for: string;
  readonly severity: "critical" | "warning";
  /**
   * Labels beside `severity` that tell one rule of an alert from its others.
   * @default none
   */
  readonly labels?: Readonly<Record<string, string>>;
  readonly summary: string;
  readonly description: string;
}

/**
 * The flywheel's alerts as one PrometheusRule: a failed run, a missed schedule, a leaked candidate
 * NIM, idle GPU nodes, a NIM's errors or slow first tokens, Elasticsearch's disk, the expiry of the
 * stack's CA and of each certificate it issued, the Flywheel API down, and credentials that stop
 * syncing from the secrets manager. Each has a README runbook entry its `runbook_url` points at. The
 * expressions use equality matchers only and ranges of several scrape intervals, so they mean the
 * same in Prometheus 2.x and 3.x (which changed what a regex `.` matches and where ranges start).
 */
export class FlywheelAlerts extends Construct {
  readonly rule: PrometheusRule;

  constructor(scope: Construct, id: string, props: FlywheelAlertsProps) {
    super(scope, id);
    const owner = resourceLabel("PrometheusRule", props.namespace, props.name);
    validateLabelName(owner, "name", props.name);
    validateNamespace(owner, props.namespace);
    for (const key of ["flywheelNamespace", "candidateNamespace", "elasticsearchNamespace"] as const) {
      validateLabelName(owner, key, props[key]);
    }
    validateLabelName(owner, "servingNamespace", props.servingNamespace);
    if (props.apiServiceName !== undefined) {
      validateLabelName(owner, "apiServiceName", props.apiServiceName);
    }
    if (props.runbookBaseUrl !== undefined && !/^https:\/\/[^\s#"]+$/.test(props.runbookBaseUrl)) {
      fail(owner, `runbookBaseUrl must be an https URL without a fragment, got "${props.runbookBaseUrl}"`);
    }
    if (!Number.isFinite(props.maxRunHours) || props.maxRunHours <= 0) {
      fail(owner, `maxRunHours must be a number above 0, got ${props.maxRunHours}`);
    }
    const maxRunSeconds = Math.round(props.maxRunHours * 3600);
    const certificateRules = (Object.keys(stackCertificates) as StackCertificateName[]).map((certificate) =>
      certificateExpiring(certificate, inRange(owner, `certificateNotAfterSeconds.${certificate}`, props.certificateNotAfterSeconds[certificate], { min: 1, max: 32_503_680_000 })),
    );
    const watermark = threshold(owner, "elasticsearchDiskWatermark", props.elasticsearchDiskWatermark);
    const errorRatio = threshold(owner, "nimErrorRatio", props.nimErrorRatio);
    const ttft = threshold(owner, "nimTimeToFirstTokenSeconds", props.nimTimeToFirstTokenSeconds);
    const idlePercent = threshold(owner, "gpuIdleUtilisationPercent", props.gpuIdleUtilisationPercent);

    const candidates = `namespace="${props.candidateNamespace}"`;
    // Every NIM the stack or a run serves, without a regex matcher: one selector per namespace, joined by `or`.
    const nimNamespaces = [...new Set([props.candidateNamespace, props.servingNamespace])];
    const nimRate = (metric: string) => nimNamespaces.map((ns) => `rate(${metric}{namespace="${ns}"}[10m])`).join(" or ");
    const es = `namespace="${props.elasticsearchNamespace}"`;
    const cronjobs = `namespace="${props.flywheelNamespace}"`;
    const apiRules: readonly AlertRule[] = props.apiServiceName === undefined ? [] : [apiDown(props.flywheelNamespace, props.apiServiceName)];
    if (props.secretSync !== undefined) {
      validateNamespace(owner, props.secretSync.operatorNamespace);
      if (props.secretSync.namespaces.length === 0) {
        fail(owner, "secretSync.namespaces must name at least one namespace with ExternalSecrets");
      }
      props.secretSync.namespaces.forEach((namespace) => validateNamespace(owner, namespace));
    }
    const secretSyncRules: readonly AlertRule[] = props.secretSync === undefined ? [] : secretSyncFailing(props.secretSync.operatorNamespace, props.secretSync.namespaces);
    const elasticsearchBackupRules: readonly AlertRule[] = props.elasticsearchSnapshots === undefined ? [] : elasticsearchBackupLate(owner, es, props.elasticsearchSnapshots);
    const postgresBackupRules: readonly AlertRule[] = props.postgresBackups === undefined ? [] : postgresBackupLate(owner, props.postgresBackups);
    const mongodbBackupRules: readonly AlertRule[] = props.mongodbBackup === undefined ? [] : mongodbBackupLate(owner, props.mongodbBackup);
    const rules: readonly AlertRule[] = [
      {
        alert: "FlywheelRunFailed",
        // The job's last push for a workload and client said failed; the next run's push replaces it.
        expr: `${jobMetrics.runStatus.name}{job="${pushJobName}", status="failed"} == 1`,
        for: "1m",
        severity: "warning",
        summary: "A flywheel run failed",
        description: "The last run of workload {{ $labels.workload }} for client {{ $labels.client }} ended failed.",
      },
      {
        alert: "FlywheelScheduleMissed",
        // A regular schedule's period is the gap from its last scheduled time to its next one; no
        // success within twice that means at least one whole run was missed or failed.
        // A suspended schedule is meant not to run. One that never succeeded has no last success
        // series (kube-state-metrics leaves it out), so a schedule's first success starts the watch.
        expr:
          `(time() - kube_cronjob_status_last_successful_time{${cronjobs}})` +
          ` > on (namespace, cronjob) 2 * (kube_cronjob_next_schedule_time{${cronjobs}} - on (namespace, cronjob) kube_cronjob_status_last_schedule_time{${cronjobs}})` +
          ` unless on (namespace, cronjob) kube_cronjob_spec_suspend{${cronjobs}} == 1`,
        for: "5m",
        severity: "warning",
        summary: "A flywheel schedule missed its runs",
        description: "CronJob {{ $labels.namespace }}/{{ $labels.cronjob }} has had no successful run within twice its period ({{ $value | humanizeDuration }} since its last success).",
      },
      {
        alert: "FlywheelCandidateNimLeaked",
        // kube_pod_labels carries the component label only when kube-state-metrics allowlists it
        // (metricLabelsAllowlist pods=[app.kubernetes.io/component]).
        expr:
          `(time() - kube_pod_created{${candidates}}) > ${maxRunSeconds}` +
          ` and on (namespace, pod) kube_pod_labels{${candidates}, ${kubeStateMetricsLabel(labelKeys.component)}="${candidateNimComponent}"}`,
        for: "10m",
        severity: "warning",
        summary: "A candidate NIM outlived any run",
        description: `Pod {{ $labels.namespace }}/{{ $labels.pod }} is a candidate NIM older than ${props.maxRunHours} h (maxRunHours): no run should still hold it, and it holds GPUs.`,
      },
      {
        alert: "FlywheelGpuNodeIdle",
        // A node where a judge or embedding NIM holds a GPU idles between runs by design. dcgm-exporter
        // labels a held GPU with its pod's namespace, which the GPU operator's ServiceMonitor
        // (honorLabels false) keeps as `exported_namespace`, its own target `namespace` winning.
        expr:
          `max by (Hostname) (DCGM_FI_DEV_GPU_UTIL` +
          ` unless on (Hostname) DCGM_FI_DEV_GPU_UTIL{exported_namespace="${props.servingNamespace}"}) < ${idlePercent}`,
        for: gpuIdleFor,
        severity: "warning",
        summary: "A GPU node is up but idle",
        description: `Every GPU of node {{ $labels.Hostname }} has been under ${idlePercent}% utilisation for ${gpuIdleFor}: it costs without working.`,
      },
      {
        alert: "FlywheelNimErrorRateHigh",
        expr:
          `sum by (namespace, service) (${nimRate("request_failure_total")})` +
          ` / sum by (namespace, service) (${nimRate("request_finish_total")}) > ${errorRatio}`,
        for: "10m",
        severity: "warning",
        summary: "A NIM fails too many requests",
        description: `NIM {{ $labels.namespace }}/{{ $labels.service }} failed {{ $value | humanizePercentage }} of its requests over 10 minutes (threshold ${errorRatio}).`,
      },
      {
        alert: "FlywheelNimTimeToFirstTokenHigh",
        expr: `histogram_quantile(0.95, sum by (namespace, service, le) (${nimRate("time_to_first_token_seconds_bucket")})) > ${ttft}`,
        for: "10m",
        severity: "warning",
        summary: "A NIM is slow to its first token",
        description: `NIM {{ $labels.namespace }}/{{ $labels.service }}'s p95 time to first token is {{ $value | humanizeDuration }} (threshold ${ttft} s).`,
      },
      {
        alert: "FlywheelElasticsearchDiskOverWatermark",
        expr: `1 - elasticsearch_filesystem_data_available_bytes{${es}} / elasticsearch_filesystem_data_size_bytes{${es}} > ${watermark}`,
        for: "15m",
        severity: "critical",
        summary: "Elasticsearch's disk is over its watermark",
        description: `Node {{ $labels.name }}'s data disk is {{ $value | humanizePercentage }} full (watermark ${watermark}): Elasticsearch stops placing shards on it.`,
      },
      ...certificateRules,
      ...apiRules,
      ...secretSyncRules,
      ...elasticsearchBackupRules,
      ...postgresBackupRules,
      ...mongodbBackupRules,
    ];

    this.rule = new PrometheusRule(this, "rule", {
      metadata: { name: props.name, namespace: props.namespace, labels: monitorObjectLabels(owner, props.monitorLabels) },
      spec: {
        groups: [
          {
            name: "flywheel",
            rules: rules.map((r) => ({
              alert: r.alert,
              expr: PrometheusRuleSpecGroupsRulesExpr.fromString(r.expr),
              for: r.for,
              labels: { severity: r.severity, ...r.labels },
              annotations: {
                summary: r.summary,
                description: r.description,
                ...(props.runbookBaseUrl === undefined
                  ? { runbook: `README.md#${alertRunbookAnchors[r.alert]}` }
                  : { runbook_url: `${props.runbookBaseUrl}#${alertRunbookAnchors[r.alert]}` }),
              },
            })),
          },
        ],
      },
    });
  }
}

/**
 * One certificate's expiry, a rule per certificate: the alert's name stays one for routing and
 * silencing, and its `certificate` label says which.
 */
function certificateExpiring(certificate: StackCertificateName, notAfterSeconds: number): AlertRule {
  const { title, renewal } = stackCertificates[certificate];
  return {
    alert: "FlywheelCertificateExpiring",
    // Pulumi's validityEndTime of the certificate, rendered here: the rule changes when it does.
    expr: `vector(${notAfterSeconds}) - vector(time()) < ${certificateWarningDays * 86_400}`,
    for: "1h",
    severity: "warning",
    labels: { certificate },
    summary: `${title} expires soon`,
    description: `${title} expires in {{ $value | humanizeDuration }} (under ${certificateWarningDays} days): ${renewal}.`,
  };
}

/**
 * Elasticsearch's snapshots late or failing, from elasticsearch_exporter v1.11.0's collectors
 * (collector/snapshots.go, collector/slm.go). Late: the repository's newest SUCCESS or PARTIAL
 * snapshot (its start time) older than `maxAgeHours`; the exporter reports 0 before the first one,
 * which is left out so a new stack does not alert before its first nightly snapshot. Failed: the SLM
 * policy counted a failed snapshot within the last day.
 */
function elasticsearchBackupLate(owner: string, es: string, snapshots: NonNullable<FlywheelAlertsProps["elasticsearchSnapshots"]>): AlertRule[] {
  for (const key of ["repository", "policy"] as const) {
    if (!/^[a-z0-9][a-z0-9._-]*$/.test(snapshots[key])) {
      fail(owner, `elasticsearchSnapshots.${key} must be a lowercase Elasticsearch name, got "${snapshots[key]}"`);
    }
  }
  // A nightly schedule plus two hours for the snapshot itself and a slow master.
  const maxAgeHours = inRange(owner, "elasticsearchSnapshots.maxAgeHours", snapshots.maxAgeHours ?? 26, { min: 1, max: 24 * 31 });
  const latest = `elasticsearch_snapshot_stats_latest_snapshot_timestamp_seconds{${es}, repository="${snapshots.repository}"}`;
  return [
    {
      alert: "FlywheelBackupLate",
      expr: `time() - (${latest} > 0) > ${maxAgeHours * 3600}`,
      for: "15m",
      severity: "warning",
      labels: { store: "elasticsearch", reason: "late" },
      summary: "Elasticsearch's snapshots are late",
      description: `The newest successful snapshot in repository {{ $labels.repository }} started {{ $value | humanizeDuration }} ago (more than ${maxAgeHours} h): the logs since are in no backup.`,
    },
    {
      alert: "FlywheelBackupLate",
      expr: `increase(elasticsearch_slm_stats_snapshots_failed_total{${es}, policy="${snapshots.policy}"}[1d]) > 0`,
      for: "5m",
      severity: "warning",
      labels: { store: "elasticsearch", reason: "failed" },
      summary: "An Elasticsearch snapshot failed",
      description: "SLM policy {{ $labels.policy }} failed a snapshot within the last day (GET _slm/policy/{{ $labels.policy }} shows the last failure).",
    },
  ];
}

/**
 * MongoDB's backup CronJob late, from kube-state-metrics as FlywheelScheduleMissed reads the flywheel's
 * schedules: no success within twice the period (the gap from its last scheduled time to its next),
 * unless suspended. kube-state-metrics has no last-success series before the first success, so a
 * CronJob that never succeeded alerts on its age instead, once it was scheduled at least once.
 */
function mongodbBackupLate(owner: string, backup: NonNullable<FlywheelAlertsProps["mongodbBackup"]>): AlertRule[] {
  validateNamespace(owner, backup.namespace);
  if (!/^[a-z0-9]([a-z0-9-]{0,50}[a-z0-9])?$/.test(backup.cronJob)) {
    fail(owner, `mongodbBackup.cronJob must be a CronJob name, got "${backup.cronJob}"`);
  }
  const selector = `namespace="${backup.namespace}", cronjob="${backup.cronJob}"`;
  const period = `2 * (kube_cronjob_next_schedule_time{${selector}} - on (namespace, cronjob) kube_cronjob_status_last_schedule_time{${selector}})`;
  const suspended = `kube_cronjob_spec_suspend{${selector}} == 1`;
  return [
    {
      alert: "FlywheelBackupLate",
      expr: `(time() - kube_cronjob_status_last_successful_time{${selector}}) > on (namespace, cronjob) ${period} unless on (namespace, cronjob) ${suspended}`,
      for: "5m",
      severity: "warning",
      labels: { store: "mongodb", reason: "late" },
      summary: "MongoDB's backups are late",
      description: "CronJob {{ $labels.namespace }}/{{ $labels.cronjob }} has had no successful backup within twice its period ({{ $value | humanizeDuration }} since its last success): the runs recorded since are in no backup.",
    },
    {
      alert: "FlywheelBackupLate",
      expr: `(time() - kube_cronjob_created{${selector}}) > on (namespace, cronjob) ${period} unless on (namespace, cronjob) kube_cronjob_status_last_successful_time{${selector}} unless on (namespace, cronjob) ${suspended}`,
      for: "5m",
      severity: "warning",
      labels: { store: "mongodb", reason: "never-succeeded" },
      summary: "MongoDB has never been backed up",
      description: "CronJob {{ $labels.namespace }}/{{ $labels.cronjob }} was created {{ $value | humanizeDuration }} ago and has never completed a backup (kubectl logs -n {{ $labels.namespace }} job/<its last Job> -c dump, then -c upload).",
    },
  ];
}

/**
 * PostgreSQL's base backups late or failing, from the barman-cloud plugin's metrics, which each
 * CloudNativePG instance's exporter serves with the plugin loaded (plugin-barman-cloud docs,
 * "Observability"; they replace the in-core `cnpg_collector_*backup*` metrics). Late: the newest
 * available backup older than `maxAgeHours`, 0 (none yet) left out so a new cluster does not alert
 * before its first backup completes. Failed: a failure newer than the last success. `max by` per
 * cluster: every instance reports the same catalog.
 */
function postgresBackupLate(owner: string, backups: NonNullable<FlywheelAlertsProps["postgresBackups"]>): AlertRule[] {
  if (backups.namespaces.length === 0) {
    fail(owner, "postgresBackups.namespaces must name at least one namespace with a backed-up cluster");
  }
  backups.namespaces.forEach((namespace) => validateNamespace(owner, namespace));
  // A daily ScheduledBackup plus two hours for the backup itself.
  const maxAgeHours = inRange(owner, "postgresBackups.maxAgeHours", backups.maxAgeHours ?? 26, { min: 1, max: 24 * 31 });
  // One equality matcher per namespace (no regex matcher, as every rule here). The PodMonitor adds
  // no cluster label: an instance pod is named `<cluster>-<serial>`.
  const inNamespaces = (name: string) => backups.namespaces.map((namespace) => `barman_cloud_cloudnative_pg_io_${name}{namespace="${namespace}"}`).join(" or ");
  const metric = (name: string) => `max by (namespace, cluster) (label_replace(${inNamespaces(name)}, "cluster", "$1", "pod", "(.+)-[0-9]+"))`;
  return [
    {
      alert: "FlywheelBackupLate",
      expr: `time() - (${metric("last_available_backup_timestamp")} > 0) > ${maxAgeHours * 3600}`,
      for: "15m",
      severity: "warning",
      labels: { store: "postgres", reason: "late" },
      summary: "PostgreSQL's base backups are late",
      description: `The newest base backup of CloudNativePG cluster {{ $labels.namespace }}/{{ $labels.cluster }} is {{ $value | humanizeDuration }} old (more than ${maxAgeHours} h): a restore would replay every WAL file since.`,
    },
    {
      alert: "FlywheelBackupLate",
      expr: `${metric("last_failed_backup_timestamp")} > ${metric("last_available_backup_timestamp")}`,
      for: "5m",
      severity: "warning",
      labels: { store: "postgres", reason: "failed" },
      summary: "A PostgreSQL base backup failed",
      description: "The last base backup of CloudNativePG cluster {{ $labels.namespace }}/{{ $labels.cluster }} failed after its last success (kubectl get backups -n {{ $labels.namespace }} shows why).",
    },
  ];
}

/**
 * Credentials that stop reaching the cluster from the secrets manager: an ExternalSecret whose Ready
 * condition is False (a secret missing, unreadable or refused by the identity), or the operator not
 * scraped at all, when nothing would say so. Until a pod restarts it keeps the value it read, so a
 * failure shows only at the next rotation or restart: hence the alert.
 */
function secretSyncFailing(operatorNamespace: string, namespaces: readonly string[]): AlertRule[] {
  const operator = `namespace="${operatorNamespace}"`;
  return [
    {
      alert: "FlywheelSecretSyncFailing",
      expr: namespaces.map((ns) => `externalsecret_status_condition{namespace="${ns}", condition="Ready", status="False"} == 1`).join(" or "),
      for: "15m",
      severity: "critical",
      labels: { reason: "sync" },
      summary: "A credential no longer syncs from the secrets manager",
      description: "ExternalSecret {{ $labels.namespace }}/{{ $labels.name }} is not Ready: its Secret keeps the last value it had, and a rotation does not reach it.",
    },
    {
      alert: "FlywheelSecretSyncFailing",
      expr: `max by (namespace) (up{${operator}}) == 0 or absent(up{${operator}})`,
      for: "15m",
      severity: "critical",
      labels: { reason: "operator-down" },
      summary: "The External Secrets Operator is down",
      description: `No External Secrets Operator in ${operatorNamespace} answers Prometheus's scrape: no credential syncs.`,
    },
  ];
}

/** The Flywheel API down: no replica answers its scrape, or no target is left to scrape at all. */
function apiDown(namespace: string, serviceName: string): AlertRule {
  const api = `job="${serviceName}", namespace="${namespace}"`;
  return {
    alert: "FlywheelApiDown",
    expr: `max by (namespace, job) (up{${api}}) == 0 or absent(up{${api}})`,
    for: "5m",
    severity: "critical",
    summary: "The Flywheel API is down",
    description: `No replica of Service ${namespace}/${serviceName} answers Prometheus's scrape.`,
  };
}

/** A threshold prop, or its default, checked against its range in `alertThresholds`. */
function threshold(owner: string, prop: AlertThresholdName, value: number | undefined): number {
  return inRange(owner, prop, value ?? alertThresholds[prop].default, alertThresholds[prop]);
}

/** `value` when it is a finite number in [min, max]; else a clear error naming `prop`. */
function inRange(owner: string, prop: string, value: number, range: { readonly min: number; readonly max: number }): number {
  if (!Number.isFinite(value) || value < range.min || value > range.max) {
    fail(owner, `${prop} must be a number from ${range.min} to ${range.max}, got ${value}`);
  }
  return value;
}
