import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { type Chart } from "cdk8s";
import { alertRunbookAnchors, FlywheelAlerts, stackCertificates, type FlywheelAlertName, type StackCertificateName } from "../../constructs/monitoring";
import { describeWithProgram, promtool } from "../support/needs-program";
import { renderedStack } from "../support/rendered-stacks";
import { only, synth } from "../constructs/data/support";
import { alertProps, certificateNotAfterDays } from "../constructs/monitoring/flywheel-alerts-props";

const run = promisify(execFile);

interface RuleSpec {
  readonly groups: readonly { readonly name: string; readonly rules: readonly { readonly alert: string; readonly labels: Record<string, string>; readonly annotations: Record<string, string> }[] }[];
}

/** The construct's rule, rendered with the props whose namespaces the input series below use. */
function constructSpec(): RuleSpec {
  return only(synth((chart: Chart) => { new FlywheelAlerts(chart, "alerts", alertProps); }), "PrometheusRule").spec as RuleSpec;
}

/** promtool reads YAML; JSON is YAML. */
function writeJson(file: string, value: unknown): string {
  fs.writeFileSync(file, JSON.stringify(value, null, 2));
  return file;
}

/** promtool's output, or an error carrying it: a failed rule test names the alert and what it got. */
async function promtoolRun(...args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await run(promtool.command, args, { timeout: 30_000 });
    return stdout + stderr;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`promtool ${args.join(" ")} failed:\n${e.stdout ?? ""}${e.stderr ?? e.message}`);
  }
}

/** A series in promtool's notation: `name{labels}`. */
function series(name: string, labels: Readonly<Record<string, string>>): string {
  return `${name}{${Object.entries(labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(", ")}}`;
}

// The labels scraping adds, as the stack's monitors give them (kube-prometheus-stack scrapes
// kube-state-metrics with honorLabels, so the object's namespace wins; the Pushgateway likewise).
const ksm = { job: "kube-state-metrics", instance: "10.0.0.5:8080" };
const pushed = { job: "flywheel", namespace: "monitoring", service: "prometheus-pushgateway", endpoint: "http" };
/** A GPU's series; a held GPU carries its pod as dcgm-exporter labels it, renamed `exported_*` beside the target's own. */
const dcgm = (Hostname: string, gpu: string, holder?: { readonly namespace: string; readonly pod: string }) => ({
  gpu,
  UUID: `GPU-${Hostname}-${gpu}`,
  device: `nvidia${gpu}`,
  modelName: "NVIDIA L4",
  Hostname,
  DCGM_FI_DRIVER_VERSION: "580.95.05",
  namespace: "gpu-operator",
  service: "nvidia-dcgm-exporter",
  job: "nvidia-dcgm-exporter",
  instance: `${Hostname}:9400`,
  ...(holder ? { exported_namespace: holder.namespace, exported_pod: holder.pod, exported_container: "nim" } : {}),
});
const nim = (namespace: string, service: string) => ({ namespace, service, job: service, endpoint: "api", pod: `${service}-0`, instance: `10.0.3.${service.length}:8000`, model_name: "meta/llama-3.2-1b-instruct" });
const esNode = (name: string) => ({
  cluster: "flywheel-logs",
  host: `10.0.2.${name.length}`,
  name,
  es_master_node: "true",
  es_data_node: "true",
  es_ingest_node: "true",
  es_client_node: "true",
  mount: "/usr/share/elasticsearch/data (/dev/nvme1n1)",
  path: "/usr/share/elasticsearch/data",
  namespace: "elastic",
  job: "elasticsearch-exporter",
  instance: "10.0.2.9:9108",
});
/** An ExternalSecret's Ready condition as the operator exports it, scraped by the stack's PodMonitor. */
const externalSecretReady = (namespace: string, name: string, status: "True" | "False") => ({
  job: "external-secrets/external-secrets",
  instance: "10.0.0.9:8080",
  namespace,
  name,
  condition: "Ready",
  status,
});
const apiTarget = (pod: string) => ({ job: "flywheel-api", namespace: "flywheel", service: "flywheel-api", endpoint: "http", pod, instance: `${pod}:8080` });

/** `v` for 61 one-minute samples: an hour. */
const flat = (v: number) => `${v}x60`;
/** A counter rising by `perMinute` each minute for an hour. */
const rising = (perMinute: number) => `0+${perMinute}x60`;
const ttftBuckets = (labels: Record<string, string>, le: readonly [string, string][]) => le.map(([bound, values]) => ({ series: series("time_to_first_token_seconds_bucket", { ...labels, le: bound }), values }));

/** Every alert's firing case, near-miss series beside it in the same input. */
const inputSeries = [
  // FlywheelRunFailed: workload a's last run failed; workload b's completed, its failed series 0.
  { series: series("flywheel_run_status", { ...pushed, workload: "a", client: "c", status: "failed" }), values: flat(1) },
  { series: series("flywheel_run_status", { ...pushed, workload: "a", client: "c", status: "completed" }), values: flat(0) },
  { series: series("flywheel_run_status", { ...pushed, workload: "b", client: "c", status: "failed" }), values: flat(0) },
  { series: series("flywheel_run_status", { ...pushed, workload: "b", client: "c", status: "completed" }), values: flat(1) },
  // FlywheelScheduleMissed at 3 h: hourly schedules; "late" last succeeded at 0 (3 h ago, > 2 h),
  // "recent" at 5000 s (5800 s ago, < 2 h), "paused" at 0 but suspended.
  ...["late", "recent", "paused"].flatMap((cronjob) => {
    const labels = { ...ksm, namespace: "flywheel", cronjob };
    return [
      { series: series("kube_cronjob_status_last_successful_time", labels), values: `${cronjob === "recent" ? 5000 : 0}x200` },
      { series: series("kube_cronjob_status_last_schedule_time", labels), values: "7200x200" },
      { series: series("kube_cronjob_next_schedule_time", labels), values: "10800x200" },
      { series: series("kube_cronjob_spec_suspend", labels), values: `${cronjob === "paused" ? 1 : 0}x200` },
    ];
  }),
  // FlywheelCandidateNimLeaked at 4 h (maxRunHours 2): "fw-old" is a candidate created at 0; "fw-new"
  // a candidate created at 10000 s; "judge" is as old but no candidate.
  ...[
    ["fw-old-0-llama", 0, "candidate-nim"],
    ["fw-new-0-llama", 10_000, "candidate-nim"],
    ["judge-0", 0, "judge-nim"],
  ].flatMap(([pod, created, component]) => {
    const labels = { ...ksm, namespace: "nim", pod: String(pod), uid: `uid-${pod}` };
    return [
      { series: series("kube_pod_created", labels), values: `${created}x300` },
      { series: series("kube_pod_labels", { ...labels, label_app_kubernetes_io_component: String(component), label_data_flywheel_io_run_id: "r1" }), values: "1x300" },
    ];
  }),
  // FlywheelGpuNodeIdle at 40 min: gpu-a idle throughout; gpu-b has one busy GPU; gpu-c busy for its first 20 min;
  // gpu-d idle, one GPU held by the judge (serving namespace nemo), the other free; gpu-e idle, held by a candidate.
  { series: series("DCGM_FI_DEV_GPU_UTIL", dcgm("gpu-a", "0")), values: flat(2) },
  { series: series("DCGM_FI_DEV_GPU_UTIL", dcgm("gpu-b", "0")), values: flat(2) },
  { series: series("DCGM_FI_DEV_GPU_UTIL", dcgm("gpu-b", "1")), values: flat(60) },
  { series: series("DCGM_FI_DEV_GPU_UTIL", dcgm("gpu-c", "0")), values: "80x20 1x40" },
  { series: series("DCGM_FI_DEV_GPU_UTIL", dcgm("gpu-d", "0", { namespace: "nemo", pod: "judge-0" })), values: flat(0) },
  { series: series("DCGM_FI_DEV_GPU_UTIL", dcgm("gpu-d", "1")), values: flat(0) },
  { series: series("DCGM_FI_DEV_GPU_UTIL", dcgm("gpu-e", "0", { namespace: "nim", pod: "fw-r1-0-llama-0" })), values: flat(1) },
  // FlywheelNimErrorRateHigh at 30 min: the judge (nemo) fails 10%, the candidate (nim) 1 in 60.
  { series: series("request_finish_total", nim("nemo", "judge")), values: rising(60) },
  { series: series("request_failure_total", nim("nemo", "judge")), values: rising(6) },
  { series: series("request_finish_total", nim("nim", "fw-r1-0-llama")), values: rising(60) },
  { series: series("request_failure_total", nim("nim", "fw-r1-0-llama")), values: rising(1) },
  // FlywheelNimTimeToFirstTokenHigh at 30 min: the judge's first tokens take 10-30 s, the candidate's under 1 s.
  ...ttftBuckets(nim("nemo", "judge"), [["1", flat(0)], ["10", flat(0)], ["30", rising(60)], ["+Inf", rising(60)]]),
  ...ttftBuckets(nim("nim", "fw-r1-0-llama"), [["1", rising(60)], ["10", rising(60)], ["30", rising(60)], ["+Inf", rising(60)]]),
  // FlywheelElasticsearchDiskOverWatermark at 30 min: node 0 is 90% full, node 1 80%.
  { series: series("elasticsearch_filesystem_data_size_bytes", esNode("flywheel-logs-es-default-0")), values: flat(100e9) },
  { series: series("elasticsearch_filesystem_data_available_bytes", esNode("flywheel-logs-es-default-0")), values: flat(10e9) },
  { series: series("elasticsearch_filesystem_data_size_bytes", esNode("flywheel-logs-es-default-1")), values: flat(100e9) },
  { series: series("elasticsearch_filesystem_data_available_bytes", esNode("flywheel-logs-es-default-1")), values: flat(20e9) },
  // FlywheelApiDown, near miss: one replica of two down.
  { series: series("up", apiTarget("flywheel-api-a")), values: flat(0) },
  { series: series("up", apiTarget("flywheel-api-b")), values: flat(1) },
];

type Expected = { readonly exp_labels: Record<string, string>; readonly exp_annotations: Record<string, string> };

describeWithProgram(promtool, "the alert rules under promtool", () => {
  let dir: string;
  let spec: RuleSpec;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "flywheel-alerts-"));
    spec = constructSpec();
  });
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** The alert's summary and runbook as rendered (of its rule whose own labels the alert's `labels` carry), and the description this test expects. */
  const annotations = (alert: FlywheelAlertName, description: string, labels: Record<string, string>): Record<string, string> => {
    const rendered = spec.groups.flatMap((g) => g.rules).find((r) => r.alert === alert && Object.entries(r.labels).every(([k, v]) => k === "severity" || labels[k] === v));
    if (!rendered) {
      throw new Error(`no alert ${alert}`);
    }
    expect(rendered.annotations.runbook_url).toBe(`${alertProps.runbookBaseUrl}#${alertRunbookAnchors[alert]}`);
    return { ...rendered.annotations, description };
  };
  const firing = (alert: FlywheelAlertName, labels: Record<string, string>, description: string, severity = "warning"): Expected => ({
    exp_labels: { severity, ...labels },
    exp_annotations: annotations(alert, description, labels),
  });

  test("the rule of the rendered dev stack passes promtool check rules", async () => {
    const dev = await renderedStack("dev");
    const rules = dev.manifests.filter((m) => m.kind === "PrometheusRule");
    expect(rules.map((r) => r.metadata.name)).toContain("flywheel-alerts");
    for (const rule of rules) {
      const file = writeJson(path.join(dir, `dev-${rule.metadata.name}.rules.json`), (rule as unknown as { spec: RuleSpec }).spec);
      expect(await promtoolRun("check", "rules", file)).toMatch(/SUCCESS: \d+ rules found/);
    }
  });

  test("the construct's rule passes promtool check rules", async () => {
    const file = writeJson(path.join(dir, "alerts.rules.json"), spec);
    expect(await promtoolRun("check", "rules", file)).toMatch(new RegExp(`SUCCESS: ${spec.groups.flatMap((g) => g.rules).length} rules found`));
  });

  test("every alert fires on its series, with its labels and annotations, and stays quiet on the near misses", async () => {
    writeJson(path.join(dir, "alerts.rules.json"), spec);
    const alertTests = [
      {
        eval_time: "5m",
        alertname: "FlywheelRunFailed",
        exp_alerts: [firing("FlywheelRunFailed", { ...pushed, workload: "a", client: "c", status: "failed" }, "The last run of workload a for client c ended failed.")],
      },
      {
        eval_time: "3h",
        alertname: "FlywheelScheduleMissed",
        exp_alerts: [
          // Matched on (namespace, cronjob), the comparison keeps only those labels.
          firing("FlywheelScheduleMissed", { namespace: "flywheel", cronjob: "late" }, "CronJob flywheel/late has had no successful run within twice its period (3h 0m 0s since its last success)."),
        ],
      },
      {
        eval_time: "4h",
        alertname: "FlywheelCandidateNimLeaked",
        exp_alerts: [
          firing(
            "FlywheelCandidateNimLeaked",
            { ...ksm, namespace: "nim", pod: "fw-old-0-llama", uid: "uid-fw-old-0-llama" },
            "Pod nim/fw-old-0-llama is a candidate NIM older than 2 h (maxRunHours): no run should still hold it, and it holds GPUs.",
          ),
        ],
      },
      {
        eval_time: "40m",
        alertname: "FlywheelGpuNodeIdle",
        exp_alerts: [
          firing("FlywheelGpuNodeIdle", { Hostname: "gpu-a" }, "Every GPU of node gpu-a has been under 5% utilisation for 30m: it costs without working."),
          firing("FlywheelGpuNodeIdle", { Hostname: "gpu-e" }, "Every GPU of node gpu-e has been under 5% utilisation for 30m: it costs without working."),
        ],
      },
      {
        eval_time: "30m",
        alertname: "FlywheelNimErrorRateHigh",
        exp_alerts: [firing("FlywheelNimErrorRateHigh", { namespace: "nemo", service: "judge" }, "NIM nemo/judge failed 10% of its requests over 10 minutes (threshold 0.05).")],
      },
      {
        eval_time: "30m",
        alertname: "FlywheelNimTimeToFirstTokenHigh",
        exp_alerts: [firing("FlywheelNimTimeToFirstTokenHigh", { namespace: "nemo", service: "judge" }, "NIM nemo/judge's p95 time to first token is 29s (threshold 10 s).")],
      },
      {
        eval_time: "30m",
        alertname: "FlywheelElasticsearchDiskOverWatermark",
        exp_alerts: [
          firing(
            "FlywheelElasticsearchDiskOverWatermark",
            esNode("flywheel-logs-es-default-0"),
            "Node flywheel-logs-es-default-0's data disk is 90% full (watermark 0.85): Elasticsearch stops placing shards on it.",
            "critical",
          ),
        ],
      },
      // Near miss: one replica of two answers.
      { eval_time: "30m", alertname: "FlywheelApiDown", exp_alerts: [] },
    ];
    const tests = {
      rule_files: ["alerts.rules.json"],
      evaluation_interval: "1m",
      tests: [
        { interval: "1m", input_series: inputSeries, alert_rule_test: alertTests },
        {
          // The API's only replica down; then no target left at all.
          interval: "1m",
          input_series: [{ series: series("up", apiTarget("flywheel-api-a")), values: `${flat(0)}` }],
          alert_rule_test: [
            { eval_time: "4m", alertname: "FlywheelApiDown", exp_alerts: [] },
            { eval_time: "10m", alertname: "FlywheelApiDown", exp_alerts: [firing("FlywheelApiDown", { namespace: "flywheel", job: "flywheel-api" }, "No replica of Service flywheel/flywheel-api answers Prometheus's scrape.", "critical")] },
          ],
        },
        {
          // nemo's ngc-api not Ready from the start; flywheel's nvcr-pull Ready; a namespace that is not
          // the stack's does not count; the operator answers its scrape.
          interval: "1m",
          input_series: [
            { series: series("externalsecret_status_condition", externalSecretReady("nemo", "ngc-api", "False")), values: flat(1) },
            { series: series("externalsecret_status_condition", externalSecretReady("nemo", "ngc-api", "True")), values: flat(0) },
            { series: series("externalsecret_status_condition", externalSecretReady("flywheel", "nvcr-pull", "False")), values: flat(0) },
            { series: series("externalsecret_status_condition", externalSecretReady("flywheel", "nvcr-pull", "True")), values: flat(1) },
            { series: series("externalsecret_status_condition", externalSecretReady("team-a", "theirs", "False")), values: flat(1) },
            { series: series("up", { job: "external-secrets/external-secrets", namespace: "external-secrets", instance: "10.0.0.9:8080", pod: "external-secrets-0" }), values: flat(1) },
          ],
          alert_rule_test: [
            { eval_time: "10m", alertname: "FlywheelSecretSyncFailing", exp_alerts: [] },
            {
              eval_time: "20m",
              alertname: "FlywheelSecretSyncFailing",
              exp_alerts: [
                firing(
                  "FlywheelSecretSyncFailing",
                  { ...externalSecretReady("nemo", "ngc-api", "False"), reason: "sync" },
                  "ExternalSecret nemo/ngc-api is not Ready: its Secret keeps the last value it had, and a rotation does not reach it.",
                  "critical",
                ),
              ],
            },
          ],
        },
        {
          // The operator's pod is scraped and answers nothing.
          interval: "1m",
          input_series: [{ series: series("up", { job: "external-secrets/external-secrets", namespace: "external-secrets", instance: "10.0.0.9:8080", pod: "external-secrets-0" }), values: flat(0) }],
          alert_rule_test: [
            { eval_time: "10m", alertname: "FlywheelSecretSyncFailing", exp_alerts: [] },
            { eval_time: "20m", alertname: "FlywheelSecretSyncFailing", exp_alerts: [firing("FlywheelSecretSyncFailing", { namespace: "external-secrets", reason: "operator-down" }, "No External Secrets Operator in external-secrets answers Prometheus's scrape: no credential syncs.", "critical")] },
          ],
        },
        {
          // No operator scraped at all.
          interval: "1m",
          input_series: [],
          alert_rule_test: [
            { eval_time: "20m", alertname: "FlywheelSecretSyncFailing", exp_alerts: [firing("FlywheelSecretSyncFailing", { namespace: "external-secrets", reason: "operator-down" }, "No External Secrets Operator in external-secrets answers Prometheus's scrape: no credential syncs.", "critical")] },
          ],
        },
        {
          interval: "1m",
          input_series: [],
          alert_rule_test: [
            { eval_time: "10m", alertname: "FlywheelApiDown", exp_alerts: [firing("FlywheelApiDown", { namespace: "flywheel", job: "flywheel-api" }, "No replica of Service flywheel/flywheel-api answers Prometheus's scrape.", "critical")] },
          ],
        },
      ],
    };
    // Days of evaluations, hourly in a file of their own: at one a minute they would take seconds.
    // The certificates expire a day apart from day 40: all quiet on day 9 (31 days left for the
    // first); each fires an hour past its 30 days left (`for: 1h`), beside those that already do.
    const certificates = Object.keys(stackCertificates) as StackCertificateName[];
    const firstDay = Math.min(...certificates.map((c) => certificateNotAfterDays[c]));
    const expiringAt = (hours: number): Expected[] =>
      certificates
        .filter((c) => (certificateNotAfterDays[c] - 30) * 24 + 2 <= hours)
        .map((c) => {
          const left = certificateNotAfterDays[c] * 24 - hours;
          const { title, renewal } = stackCertificates[c];
          return firing("FlywheelCertificateExpiring", { certificate: c }, `${title} expires in ${Math.floor(left / 24)}d ${left % 24}h 0m 0s (under 30 days): ${renewal}.`);
        });
    const certificate = {
      rule_files: ["alerts.rules.json"],
      evaluation_interval: "1h",
      tests: [
        {
          interval: "1h",
          input_series: [],
          alert_rule_test: [
            { eval_time: `${firstDay - 31}d`, alertname: "FlywheelCertificateExpiring", exp_alerts: [] },
            ...certificates.map((c) => {
              const hours = (certificateNotAfterDays[c] - 30) * 24 + 2;
              return { eval_time: `${hours}h`, alertname: "FlywheelCertificateExpiring", exp_alerts: expiringAt(hours) };
            }),
          ],
        },
      ],
    };
    // Elasticsearch's snapshots over a day and more, every 5 minutes. Late: the newest successful
    // snapshot started at 1 h, so at 27 h it is exactly 26 h old (not late yet); pending from 27h05m,
    // firing 15 minutes later. A repository without a successful snapshot reports 0 and stays quiet;
    // another repository is not the stack's. Failed: the policy's failure counter rises at 2h05m, and
    // the alert ends a day later; another policy's failures are not the stack's.
    const exporter = { namespace: "elastic", job: "elasticsearch-exporter", instance: "10.0.2.9:9108" };
    const latest = (repository: string) => series("elasticsearch_snapshot_stats_latest_snapshot_timestamp_seconds", { ...exporter, repository });
    const slmFailed = (policy: string) => series("elasticsearch_slm_stats_snapshots_failed_total", { ...exporter, policy });
    const backup = {
      rule_files: ["alerts.rules.json"],
      evaluation_interval: "5m",
      tests: [
        {
          interval: "5m",
          input_series: [
            { series: latest("s3-snapshots"), values: "3600x400" },
            { series: latest("elsewhere"), values: "3600x400" },
            { series: slmFailed("other-policy"), values: "0 1 2 3" },
          ],
          alert_rule_test: [
            { eval_time: "27h10m", alertname: "FlywheelBackupLate", exp_alerts: [] },
            {
              eval_time: "27h20m",
              alertname: "FlywheelBackupLate",
              exp_alerts: [
                firing(
                  "FlywheelBackupLate",
                  { ...exporter, repository: "s3-snapshots", store: "elasticsearch", reason: "late" },
                  "The newest successful snapshot in repository s3-snapshots started 1d 2h 20m 0s ago (more than 26 h): the logs since are in no backup.",
                ),
              ],
            },
          ],
        },
        {
          interval: "5m",
          input_series: [
            { series: latest("s3-snapshots"), values: "0x400" },
            { series: slmFailed("flywheel-nightly"), values: "0x24 1x400" },
          ],
          alert_rule_test: [
            { eval_time: "2h", alertname: "FlywheelBackupLate", exp_alerts: [] },
            {
              eval_time: "2h15m",
              alertname: "FlywheelBackupLate",
              exp_alerts: [
                firing(
                  "FlywheelBackupLate",
                  { ...exporter, policy: "flywheel-nightly", store: "elasticsearch", reason: "failed" },
                  "SLM policy flywheel-nightly failed a snapshot within the last day (GET _slm/policy/flywheel-nightly shows the last failure).",
                ),
              ],
            },
            { eval_time: "30h", alertname: "FlywheelBackupLate", exp_alerts: [] },
          ],
        },
      ],
    };
    const files = [writeJson(path.join(dir, "alerts.test.json"), tests), writeJson(path.join(dir, "certificate.test.json"), certificate), writeJson(path.join(dir, "backup.test.json"), backup)];
    const covered = new Set([...tests.tests, ...certificate.tests, ...backup.tests].flatMap((t) => t.alert_rule_test.filter((a) => a.exp_alerts.length > 0).map((a) => a.alertname)));
    expect([...covered].sort()).toEqual(Object.keys(alertRunbookAnchors).sort());
    expect(await promtoolRun("test", "rules", ...files)).toMatch(/SUCCESS/);
  });
});
