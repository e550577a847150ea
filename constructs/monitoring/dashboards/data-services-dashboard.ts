import { buildDashboard, type PanelSpec } from "./dashboard-builder";
import type { Dashboard } from "./dashboard-model";

/** The Data services dashboard's uid, and its ConfigMap key `data-services.json`. */
export const dataServicesDashboardUid = "data-services";

/** The window of every rate: explicit, so it means the same to Prometheus 2 and 3 and to the query test. */
const window = "5m";

const timeseries = (spec: Omit<PanelSpec, "kind">): PanelSpec => ({ kind: "timeseries", width: 8, ...spec });

/**
 * Health and saturation of the stores the flywheel depends on, each from its own exporter:
 * Elasticsearch (prometheus-community's elasticsearch_exporter; labels `cluster` and the node's
 * `name`), MongoDB (the metrics MongoDBCommunity's `spec.prometheus` serves; `cl_name` is the
 * replica set), Redis (oliver006's redis_exporter beside it) and PostgreSQL on CloudNativePG (each
 * instance's own exporter). Redis's and PostgreSQL's series are told apart by their targets'
 * `namespace` and `pod`. With RDS (prod) there is no CloudNativePG, and its panels stay empty.
 */
export function dataServicesDashboard(): Dashboard {
  return buildDashboard({
    uid: dataServicesDashboardUid,
    title: "Data services",
    description: "Health and saturation of Elasticsearch, MongoDB, Redis and PostgreSQL (CloudNativePG), from their exporters.",
    tags: ["data-flywheel", "data"],
    variables: [],
    panels: [
      { row: "Elasticsearch" },
      {
        kind: "stat",
        title: "Elasticsearch status",
        description: "0 green, 1 yellow (a replica shard unassigned), 2 red (a primary shard unassigned), per cluster (elasticsearch_cluster_health_status, 1 for the current color).",
        unit: "none",
        width: 8,
        queries: [
          {
            expr: 'max by (cluster) (elasticsearch_cluster_health_status{color="yellow"} + ignoring (color) 2 * elasticsearch_cluster_health_status{color="red"})',
            legend: "{{cluster}}",
          },
        ],
      },
      timeseries({
        title: "Elasticsearch nodes and unassigned shards",
        description: "Nodes in the cluster and shards not allocated to any (elasticsearch_cluster_health_number_of_nodes, elasticsearch_cluster_health_unassigned_shards).",
        unit: "short",
        queries: [
          { expr: "max by (cluster) (elasticsearch_cluster_health_number_of_nodes)", legend: "{{cluster}} nodes" },
          { expr: "max by (cluster) (elasticsearch_cluster_health_unassigned_shards)", legend: "{{cluster}} unassigned shards" },
        ],
      }),
      timeseries({
        title: "Elasticsearch data disk used",
        description: "Share of each node's data disk in use (1 - elasticsearch_filesystem_data_available_bytes / elasticsearch_filesystem_data_size_bytes); past 85%, the low watermark, Elasticsearch allocates no new shards to it.",
        unit: "percentunit",
        min: 0,
        max: 1,
        queries: [
          {
            expr: "1 - sum by (cluster, name) (elasticsearch_filesystem_data_available_bytes) / sum by (cluster, name) (elasticsearch_filesystem_data_size_bytes)",
            legend: "{{cluster}} {{name}}",
          },
        ],
      }),
      timeseries({
        title: "Elasticsearch JVM heap used",
        description: 'Share of each node\'s JVM heap in use (elasticsearch_jvm_memory_used_bytes / elasticsearch_jvm_memory_max_bytes, area="heap").',
        unit: "percentunit",
        min: 0,
        max: 1,
        queries: [
          {
            expr: 'sum by (cluster, name) (elasticsearch_jvm_memory_used_bytes{area="heap"}) / sum by (cluster, name) (elasticsearch_jvm_memory_max_bytes{area="heap"})',
            legend: "{{cluster}} {{name}}",
          },
        ],
      }),
      timeseries({
        title: "Elasticsearch rejected operations",
        description: `Operations each thread pool rejected per second, over ${window} (elasticsearch_thread_pool_rejected_count): writes rejected here are log records lost or retried.`,
        unit: "short",
        queries: [{ expr: `sum by (cluster, type) (rate(elasticsearch_thread_pool_rejected_count[${window}]))`, legend: "{{cluster}} {{type}}" }],
      }),
      { row: "MongoDB" },
      {
        kind: "stat",
        title: "MongoDB member uptime",
        description: "Seconds each member's mongod has run (mongodb_uptimeMillis / 1000); a member missing here serves no metrics.",
        unit: "s",
        width: 8,
        queries: [{ expr: "max by (cl_name, pod) (mongodb_uptimeMillis) / 1000", legend: "{{cl_name}} {{pod}}" }],
      },
      timeseries({
        title: "MongoDB connections",
        description: "Connections in use and still available per member (mongodb_connections_active, mongodb_connections_available).",
        unit: "short",
        queries: [
          { expr: "sum by (cl_name, pod) (mongodb_connections_active)", legend: "{{pod}} active" },
          { expr: "sum by (cl_name, pod) (mongodb_connections_available)", legend: "{{pod}} available" },
        ],
      }),
      timeseries({
        title: "MongoDB active readers and writers",
        description: "Clients reading and writing per member (mongodb_globalLock_activeClients_readers, mongodb_globalLock_activeClients_writers).",
        unit: "short",
        queries: [
          { expr: "sum by (cl_name, pod) (mongodb_globalLock_activeClients_readers)", legend: "{{pod}} readers" },
          { expr: "sum by (cl_name, pod) (mongodb_globalLock_activeClients_writers)", legend: "{{pod}} writers" },
        ],
      }),
      timeseries({
        title: "MongoDB operation latency",
        description: `Mean microseconds per read and per write over ${window} (mongodb_opLatencies_reads_latency / _ops, mongodb_opLatencies_writes_latency / _ops, both cumulative).`,
        unit: "µs",
        width: 24,
        queries: ["reads", "writes"].map((op) => ({
          expr: `sum by (cl_name, pod) (rate(mongodb_opLatencies_${op}_latency[${window}])) / sum by (cl_name, pod) (rate(mongodb_opLatencies_${op}_ops[${window}]))`,
          legend: `{{pod}} ${op}`,
        })),
      }),
      { row: "Redis" },
      {
        kind: "stat",
        title: "Redis up",
        description: "1 when redis_exporter reached Redis at its last scrape, 0 when not (redis_up).",
        unit: "none",
        width: 8,
        queries: [{ expr: "max by (namespace, pod) (redis_up)", legend: "{{namespace}}/{{pod}}" }],
      },
      timeseries({
        title: "Redis memory used",
        description: "Bytes Redis has allocated (redis_memory_used_bytes).",
        unit: "bytes",
        queries: [{ expr: "max by (namespace, pod) (redis_memory_used_bytes)", legend: "{{namespace}}/{{pod}}" }],
      }),
      timeseries({
        title: "Redis clients and commands",
        description: `Connected clients (redis_connected_clients), commands per second and keys evicted per second over ${window} (redis_commands_processed_total, redis_evicted_keys_total).`,
        unit: "short",
        queries: [
          { expr: "max by (namespace, pod) (redis_connected_clients)", legend: "{{pod}} clients" },
          { expr: `sum by (namespace, pod) (rate(redis_commands_processed_total[${window}]))`, legend: "{{pod}} commands/s" },
          { expr: `sum by (namespace, pod) (rate(redis_evicted_keys_total[${window}]))`, legend: "{{pod}} evictions/s" },
        ],
      }),
      { row: "PostgreSQL (CloudNativePG)" },
      {
        kind: "stat",
        title: "PostgreSQL instances up",
        description: "1 when an instance's exporter reached PostgreSQL, 0 when not (cnpg_collector_up).",
        unit: "none",
        width: 6,
        queries: [{ expr: "max by (namespace, pod) (cnpg_collector_up)", legend: "{{namespace}}/{{pod}}" }],
      },
      timeseries({
        title: "PostgreSQL connections used",
        description: 'Backends over max_connections per instance (cnpg_backends_total / cnpg_pg_settings_setting{name="max_connections"}).',
        unit: "percentunit",
        min: 0,
        max: 1,
        width: 6,
        queries: [
          {
            expr: 'sum by (namespace, pod) (cnpg_backends_total) / max by (namespace, pod) (cnpg_pg_settings_setting{name="max_connections"})',
            legend: "{{pod}}",
          },
        ],
      }),
      timeseries({
        title: "PostgreSQL replication lag",
        description: "Seconds each replica's replay is behind the primary, 0 on the primary (cnpg_pg_replication_lag).",
        unit: "s",
        width: 6,
        queries: [{ expr: "max by (namespace, pod) (cnpg_pg_replication_lag)", legend: "{{pod}}" }],
      }),
      timeseries({
        title: "PostgreSQL database size",
        description: "Bytes of each database (cnpg_pg_database_size_bytes), the largest any instance reports.",
        unit: "bytes",
        width: 6,
        queries: [{ expr: "max by (namespace, datname) (cnpg_pg_database_size_bytes)", legend: "{{datname}}" }],
      }),
    ],
  });
}
