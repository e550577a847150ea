import {
  candidateNimComponent,
  dropReasons,
  evalTypes,
  gpuRoleLabel,
  jobMetrics,
  labelKeys,
  metricNames,
  nodePoolLabel,
  pushJobName,
  runStages,
  runStatuses,
} from "../../flywheel-job/src/contract";
import { mongodbMetricsPort, redisMetricsPort } from "../../constructs/data";
import { runStateNaming } from "../../infra/platform/run-state";
import type { FixtureSeries } from "./prometheus-fixture";

/**
 * Fixture series of everything the stack's Prometheus scrapes, with the metric names and label sets
 * their exporters give them and the target labels prometheus-operator adds (`namespace`, `service`,
 * `pod`, `job`, `instance`): the job's pushed metrics (through the Pushgateway, `honorLabels`),
 * kube-state-metrics, dcgm-exporter, NIM for LLMs 1.x, the Flywheel API's `up`, and the
 * Elasticsearch, MongoDB, Redis and CloudNativePG exporters. Values move with time so that rates and
 * quantiles have something to compute.
 */

/** kube_*_labels' name for a Kubernetes label key. */
const ksmLabel = (key: string): string => `label_${key.replace(/[^A-Za-z0-9_]/g, "_")}`;

const constant = (v: number) => () => v;
/** A counter rising by `perSecond`. */
const counter = (perSecond: number) => (t: number) => perSecond * t;
/** A gauge wandering around `mid` by `swing`, one cycle an hour. */
const wave = (mid: number, swing: number) => (t: number) => Math.round((mid + swing * Math.sin((2 * Math.PI * t) / 3600)) * 1000) / 1000;

function s(name: string, labels: Record<string, string>, value: (t: number) => number): FixtureSeries {
  return { name, labels, value };
}

/** A histogram's cumulative `_bucket` series, `perSecond` observations spread over the bounds' buckets as `shares`. */
function histogram(name: string, labels: Record<string, string>, bounds: readonly number[], shares: readonly number[], perSecond: number): FixtureSeries[] {
  let cumulative = 0;
  const buckets = bounds.map((bound, i) => {
    cumulative += shares[i] ?? 0;
    const share = cumulative;
    return s(`${name}_bucket`, { ...labels, le: String(bound) }, counter(perSecond * share));
  });
  return [
    ...buckets,
    s(`${name}_bucket`, { ...labels, le: "+Inf" }, counter(perSecond)),
    s(`${name}_count`, labels, counter(perSecond)),
    s(`${name}_sum`, labels, counter(perSecond * (bounds[Math.floor(bounds.length / 2)] ?? 1))),
  ];
}

/** The workloads and clients the job's fixture series are grouped by. */
export const fixtureGroups = [
  { workload: "tool-router", client: "acme" },
  { workload: "summariser", client: "acme" },
] as const;

const pushgateway = { job: pushJobName, namespace: "monitoring", service: "prometheus-pushgateway", endpoint: "http", pod: "prometheus-pushgateway-7c9d-x2", container: "pushgateway" };

function jobSeries(): FixtureSeries[] {
  const candidates = ["meta/llama-3.2-1b-instruct", "meta/llama-3.1-8b-instruct"];
  return fixtureGroups.flatMap((group, g) => {
    const base = { ...pushgateway, ...group };
    return [
      ...runStatuses.filter((status) => status !== "pending").map((status) => s(jobMetrics.runStatus.name, { ...base, status }, constant(status === (g === 0 ? "completed" : "failed") ? 1 : 0))),
      s(jobMetrics.runStart.name, base, constant(1_780_000_000)),
      s(jobMetrics.runDuration.name, base, constant(5400 + 600 * g)),
      ...runStages.map((stage, i) => s(jobMetrics.stageDuration.name, { ...base, stage }, constant(60 * (i + 1)))),
      ...["pulled", "valid", "of_workload_type", "unique", "sampled"].map((stage, i) => s(jobMetrics.curationRecords.name, { ...base, stage }, constant(1000 - 150 * i))),
      ...dropReasons.map((reason, i) => s(jobMetrics.droppedRecords.name, { ...base, reason }, constant(10 * i))),
      ...candidates.flatMap((candidate, c) =>
        evalTypes.flatMap((evalType, e) => metricNames.map((metric, k) => s(jobMetrics.evaluationScore.name, { ...base, candidate, eval_type: evalType, metric }, constant(0.6 + 0.05 * (c + e + k))))),
      ),
      ...metricNames.map((metric) => s(jobMetrics.evaluationTarget.name, { ...base, metric }, constant(0.8))),
      ...candidates.map((candidate, c) => s(jobMetrics.candidateGpuSeconds.name, { ...base, candidate }, constant(3600 * (c + 1)))),
    ];
  });
}

const ksm = { job: "kube-state-metrics", namespace: "monitoring", service: "kube-prometheus-stack-kube-state-metrics", endpoint: "http", instance: "10.0.0.5:8080", pod: "kube-prometheus-stack-kube-state-metrics-5d-abc", container: "kube-state-metrics" };

/** The GPU nodes: name, node pool, GPU role, GPUs. */
const gpuNodes = [
  { node: "ip-10-0-8-11.ec2.internal", pool: "inference", role: "inference", gpus: 1 },
  { node: "ip-10-0-8-12.ec2.internal", pool: "training", role: "training", gpus: 2 },
] as const;

function kubeStateMetricsSeries(): FixtureSeries[] {
  // kube-state-metrics' own labels override the target's namespace: honorLabels.
  const object = (namespace: string) => ({ ...ksm, namespace });
  const cronjobs = fixtureGroups.map((group) => `flywheel-${group.workload}-${group.client}`);
  return [
    ...cronjobs.flatMap((cronjob, i) => {
      const labels = { ...object("flywheel"), cronjob };
      return [
        s("kube_cronjob_status_last_successful_time", labels, constant(1_780_000_000 - 86_400 * i)),
        s("kube_cronjob_status_last_schedule_time", labels, constant(1_780_000_000)),
        s("kube_cronjob_next_schedule_time", labels, constant(1_780_000_000 + 86_400)),
        s("kube_cronjob_spec_suspend", labels, constant(0)),
      ];
    }),
    ...["fw-r1-0-llama-3-2-1b-instruct", "judge-nim-0"].flatMap((pod, i) => {
      const labels = { ...object(i === 0 ? "flywheel" : "nemo"), pod, uid: `0b9c-${i}` };
      return [
        s("kube_pod_created", labels, constant(1_780_000_000)),
        s("kube_pod_labels", { ...labels, [ksmLabel(labelKeys.component)]: i === 0 ? candidateNimComponent : "judge-nim", [ksmLabel(labelKeys.runId)]: i === 0 ? "r1" : "" }, constant(1)),
      ];
    }),
    ...gpuNodes.map((n) => s("kube_node_labels", { ...ksm, node: n.node, [ksmLabel(nodePoolLabel)]: n.pool, [ksmLabel(gpuRoleLabel)]: n.role }, constant(1))),
  ];
}

function dcgmSeries(): FixtureSeries[] {
  const target = { job: "nvidia-dcgm-exporter", namespace: "gpu-operator", service: "nvidia-dcgm-exporter", endpoint: "gpu-metrics", container: "nvidia-dcgm-exporter" };
  return gpuNodes.flatMap((n, i) =>
    Array.from({ length: n.gpus }, (_, gpu) => {
      const labels = {
        ...target,
        pod: `nvidia-dcgm-exporter-${i}x`,
        instance: `10.0.8.${11 + i}:9400`,
        gpu: String(gpu),
        UUID: `GPU-0000${i}${gpu}`,
        device: `nvidia${gpu}`,
        modelName: "NVIDIA L4",
        Hostname: n.node,
        DCGM_FI_DRIVER_VERSION: "580.95.05",
        // The pod holding the GPU (dcgm-exporter's pod mapping), renamed since the target has its own `pod`.
        ...(gpu === 0 ? { exported_pod: `fw-r1-${i}-llama-3-2-1b-instruct-0`, exported_namespace: "flywheel", exported_container: "nim" } : {}),
      };
      return [
        s("DCGM_FI_DEV_GPU_UTIL", labels, wave(gpu === 0 ? 3 : 60, 2)),
        s("DCGM_FI_DEV_FB_USED", labels, wave(12_000, 500)),
        s("DCGM_FI_DEV_FB_FREE", labels, wave(10_000, 500)),
        s("DCGM_FI_DEV_POWER_USAGE", labels, wave(40, 10)),
        s("DCGM_FI_DEV_GPU_TEMP", labels, wave(55, 5)),
        s("DCGM_FI_DEV_XID_ERRORS", labels, constant(0)),
        s("DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", labels, counter(40_000)),
      ];
    }).flat(),
  );
}

/** NIMs as the NIM operator's ServiceMonitor scrapes them: `/v1/metrics` on port `api`, `service` the NIMService's. */
function nimSeries(): FixtureSeries[] {
  const services = [
    { namespace: "nemo", service: "judge-nim", model: "meta/llama-3.3-70b-instruct" },
    { namespace: "flywheel", service: "fw-r1-0-llama-3-2-1b-instruct", model: "meta/llama-3.2-1b-instruct" },
  ];
  return services.flatMap((n, i) => {
    const labels = { namespace: n.namespace, service: n.service, job: n.service, endpoint: "api", pod: `${n.service}-6f7-x${i}`, container: "nim", instance: `10.0.9.${i + 2}:8000`, model_name: n.model };
    return [
      s("num_requests_running", labels, wave(4, 2)),
      s("num_requests_waiting", labels, wave(1, 1)),
      s("num_request_max", labels, constant(256)),
      s("gpu_cache_usage_perc", labels, wave(0.4, 0.2)),
      s("prompt_tokens_total", labels, counter(800)),
      s("generation_tokens_total", labels, counter(200)),
      s("request_success_total", labels, counter(2)),
      s("request_failure_total", labels, counter(0.05)),
      s("request_finish_total", labels, counter(2.05)),
      ...histogram("time_to_first_token_seconds", labels, [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], [0.1, 0.3, 0.3, 0.2, 0.05, 0.03, 0.01, 0.01], 2),
      ...histogram("time_per_output_token_seconds", labels, [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2], [0.2, 0.4, 0.2, 0.1, 0.05, 0.03, 0.02], 200),
      ...histogram("e2e_request_latency_seconds", labels, [0.5, 1, 2.5, 5, 10, 30], [0.1, 0.3, 0.3, 0.2, 0.05, 0.05], 2),
    ];
  });
}

function apiSeries(): FixtureSeries[] {
  return ["a", "b"].map((replica, i) => s("up", { job: "flywheel-api", namespace: "flywheel", service: "flywheel-api", endpoint: "http", pod: `flywheel-api-5b8-${replica}`, container: "flywheel-api", instance: `10.0.4.${i + 2}:8000` }, constant(1)));
}

function elasticsearchSeries(): FixtureSeries[] {
  const target = { job: "elasticsearch-exporter", namespace: "data", service: "elasticsearch-exporter", endpoint: "http", pod: "elasticsearch-exporter-7d-q", instance: "10.0.5.9:9108" };
  const cluster = { ...target, cluster: "flywheel-logs" };
  const nodes = ["flywheel-logs-es-default-0", "flywheel-logs-es-default-1", "flywheel-logs-es-default-2"];
  return [
    ...["green", "yellow", "red"].map((color) => s("elasticsearch_cluster_health_status", { ...cluster, color }, constant(color === "green" ? 1 : 0))),
    s("elasticsearch_cluster_health_number_of_nodes", cluster, constant(nodes.length)),
    s("elasticsearch_cluster_health_active_shards", cluster, constant(12)),
    s("elasticsearch_cluster_health_unassigned_shards", cluster, constant(0)),
    ...nodes.flatMap((name, i) => {
      const node = { ...cluster, host: `10.0.5.${i + 10}`, name, es_master_node: "true", es_data_node: "true", es_ingest_node: "true", es_client_node: "true" };
      const fs_ = { ...node, mount: "/usr/share/elasticsearch/data (/dev/nvme1n1)", path: "/usr/share/elasticsearch/data" };
      return [
        s("elasticsearch_filesystem_data_size_bytes", fs_, constant(100e9)),
        s("elasticsearch_filesystem_data_available_bytes", fs_, wave(60e9, 5e9)),
        s("elasticsearch_filesystem_data_free_bytes", fs_, wave(62e9, 5e9)),
        s("elasticsearch_jvm_memory_used_bytes", { ...node, area: "heap" }, wave(600e6, 100e6)),
        s("elasticsearch_jvm_memory_max_bytes", { ...node, area: "heap" }, constant(1024e6)),
        ...["search", "write"].map((type) => s("elasticsearch_thread_pool_rejected_count", { ...node, type }, counter(0.01))),
        s("elasticsearch_indices_docs", node, counter(5)),
      ];
    }),
  ];
}

function mongodbSeries(): FixtureSeries[] {
  // The ServiceMonitor scrapes the members' Service, which the operator names `<name>-svc`
  // (`MongoDbReplicaSet.serviceName`); prometheus-operator makes its name `service` and `job`.
  const service = `${runStateNaming.mongodb}-svc`;
  return [0, 1, 2].flatMap((i) => {
    const labels = {
      job: service,
      namespace: "data",
      service,
      endpoint: mongodbMetricsPort.name,
      pod: `${runStateNaming.mongodb}-${i}`,
      instance: `10.0.6.${i + 2}:${mongodbMetricsPort.port}`,
      cl_name: runStateNaming.mongodb,
    };
    return [
      s("mongodb_uptimeMillis", labels, counter(1000)),
      s("mongodb_connections_active", labels, wave(8, 3)),
      s("mongodb_connections_available", labels, wave(800, 10)),
      s("mongodb_connections_current", labels, wave(12, 3)),
      s("mongodb_globalLock_activeClients_readers", labels, wave(2, 1)),
      s("mongodb_globalLock_activeClients_writers", labels, wave(1, 1)),
      ...["reads", "writes", "commands"].flatMap((op) => [s(`mongodb_opLatencies_${op}_latency`, labels, counter(500)), s(`mongodb_opLatencies_${op}_ops`, labels, counter(5))]),
    ];
  });
}

function redisSeries(): FixtureSeries[] {
  // The ClusterIP Service named as the server (`RedisServer.serviceName`); its exporter sidecar is the container `exporter`.
  const labels = {
    job: runStateNaming.redis,
    namespace: "data",
    service: runStateNaming.redis,
    endpoint: redisMetricsPort.name,
    pod: `${runStateNaming.redis}-0`,
    container: "exporter",
    instance: `10.0.7.2:${redisMetricsPort.port}`,
  };
  return [
    s("redis_up", labels, constant(1)),
    s("redis_memory_used_bytes", labels, wave(20e6, 2e6)),
    s("redis_memory_max_bytes", labels, constant(256e6)),
    s("redis_connected_clients", labels, wave(5, 2)),
    s("redis_commands_processed_total", labels, counter(20)),
    s("redis_evicted_keys_total", labels, counter(0)),
  ];
}

function cloudnativePgSeries(): FixtureSeries[] {
  return [1, 2].flatMap((i) => {
    const labels = { job: "nemo/nemo-postgres", namespace: "nemo", pod: `nemo-postgres-${i}`, container: "postgres", endpoint: "metrics", instance: `10.0.7.${i + 10}:9187` };
    return [
      s("cnpg_collector_up", { ...labels, cluster: "nemo-postgres" }, constant(1)),
      ...["entity-store", "customizer", "evaluator"].map((datname) => s("cnpg_backends_total", { ...labels, datname, state: "active", usename: datname, application_name: datname }, wave(4, 2))),
      s("cnpg_pg_settings_setting", { ...labels, name: "max_connections" }, constant(100)),
      s("cnpg_pg_replication_lag", labels, constant(i === 1 ? 0 : 0.2)),
      ...["entity-store", "customizer", "evaluator"].map((datname) => s("cnpg_pg_database_size_bytes", { ...labels, datname }, wave(50e6, 1e6))),
    ];
  });
}

/** Every fixture series. */
export function platformSeries(): FixtureSeries[] {
  return [...jobSeries(), ...kubeStateMetricsSeries(), ...dcgmSeries(), ...nimSeries(), ...apiSeries(), ...elasticsearchSeries(), ...mongodbSeries(), ...redisSeries(), ...cloudnativePgSeries()];
}
