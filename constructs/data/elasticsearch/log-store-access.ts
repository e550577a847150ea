import { stringify } from "yaml";

/**
 * Who may do what on the log store, as Elasticsearch roles for ECK's file realm. Pulumi writes the
 * roles file and one user Secret per application into the Elasticsearch namespace; the cluster
 * construct only references them by name. Nothing here is secret: passwords stay in Pulumi.
 */

/**
 * The Elasticsearch user of the applications in one writer namespace. Every writer namespace has
 * its own user (all with the writer role), so the final ingest pipeline's `writer` stamp tells the
 * namespaces apart and a workload can read only the writers it trusts.
 */
export function logWriterUser(namespace: string): string {
  return `log-writer-${namespace}`;
}

/** Roles of the log store's users. */
export const logStoreRoles = {
  /** The flywheel: reads the log data stream (search, point in time, mapping), writes nothing to it. */
  reader: "flywheel_log_reader",
  /** The application's logger: appends documents to the log data stream, nothing else. */
  writer: "flywheel_log_writer",
  /** The metrics exporter: cluster health and node stats (the `monitor` cluster privilege), no index. */
  metrics: "flywheel_metrics",
} as const;

/** Key of the roles file in the roles Secret (ECK's `spec.auth.roles`). */
export const rolesFileKey = "roles.yml";

/**
 * Keys of a file-realm user Secret (ECK's `spec.auth.fileRealm`). The Secret has type
 * `kubernetes.io/basic-auth`; `roles` is a comma-separated list of role names.
 */
export const fileRealmUserKeys = { username: "username", password: "password", roles: "roles" } as const;

export interface LogStoreRolesOptions {
  /** Name of the log data stream. */
  readonly logIndex: string;
  /**
   * Index pattern under which the flywheel may create and delete its own short-lived indices (for
   * example a per-run `dense_vector` index for semantic example selection).
   * @default - none: the flywheel role only reads the log data stream
   */
  readonly flywheelScratchIndexPattern?: string;
  /**
   * Include the metrics exporter's role.
   * @default false
   */
  readonly metrics?: boolean;
  /**
   * With `metrics`: the exporter also reads the snapshot repositories and SLM's status and stats.
   * @default false
   */
  readonly snapshots?: boolean;
}

interface RoleDescriptor {
  readonly cluster: readonly string[];
  readonly indices: readonly { readonly names: readonly string[]; readonly privileges: readonly string[] }[];
}

/** The role descriptors, by role name. */
export function logStoreRoleDescriptors(options: LogStoreRolesOptions): Record<string, RoleDescriptor> {
  const readerIndices: RoleDescriptor["indices"][number][] = [
    // `read` covers search and point-in-time on the data stream and its backing indices.
    { names: [options.logIndex], privileges: ["read", "view_index_metadata"] },
  ];
  if (options.flywheelScratchIndexPattern !== undefined) {
    readerIndices.push({
      names: [options.flywheelScratchIndexPattern],
      privileges: ["create_index", "delete_index", "write", "read", "view_index_metadata"],
    });
  }
  return {
    [logStoreRoles.reader]: { cluster: [], indices: readerIndices },
    [logStoreRoles.writer]: {
      cluster: [],
      // `create_doc` appends (what a data stream accepts) and cannot overwrite or delete;
      // `auto_configure` lets the first write create the data stream from its template.
      indices: [{ names: [options.logIndex], privileges: ["create_doc", "auto_configure"] }],
    },
    // elasticsearch_exporter's defaults (cluster health, every node's stats) need `monitor` alone.
    // Its snapshots and slm collectors read GET _snapshot (monitor_snapshot), _slm/status and _slm/stats:
    // the read-only SLM actions by name, manage_slm being the only built-in privilege with stats.
    ...(options.metrics
      ? { [logStoreRoles.metrics]: { cluster: ["monitor", ...(options.snapshots ? ["monitor_snapshot", "cluster:admin/slm/status", "cluster:admin/slm/stats"] : [])], indices: [] } }
      : {}),
  };
}

/** The `roles.yml` content for the roles Secret. */
export function logStoreRolesYaml(options: LogStoreRolesOptions): string {
  return stringify(logStoreRoleDescriptors(options));
}
