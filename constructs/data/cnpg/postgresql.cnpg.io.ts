import { ApiObject, type ApiObjectMetadata, type GroupVersionKind } from "cdk8s";
import type { Construct } from "constructs";

/**
 * Hand-written types for the CloudNativePG `postgresql.cnpg.io/v1` fields this project sets, following
 * CloudNativePG 1.28 (`api/v1/cluster_types.go` and `database_types.go` at v1.28.4; unchanged in
 * 1.30.0). No CRD file for CloudNativePG is vendored here, so these are not generated: add a field
 * only after checking it against the Go types of the operator version the stack pins.
 */

/** `corev1.LocalObjectReference`. */
export interface LocalObjectReference {
  readonly name: string;
}

/** `corev1.ResourceRequirements` with quantities as strings. */
export interface ResourceRequirements {
  readonly requests?: Readonly<Record<string, string>>;
  readonly limits?: Readonly<Record<string, string>>;
}

/** `corev1.LabelSelector` (match labels only). */
export interface LabelSelector {
  readonly matchLabels: Readonly<Record<string, string>>;
}

/** `corev1.TopologySpreadConstraint` (the fields used here). */
export interface TopologySpreadConstraint {
  readonly maxSkew: number;
  readonly topologyKey: string;
  readonly whenUnsatisfiable: "DoNotSchedule" | "ScheduleAnyway";
  readonly labelSelector: LabelSelector;
}

/** `StorageConfiguration`. */
export interface StorageConfiguration {
  /** Size of the volume, a quantity. */
  readonly size: string;
  /** StorageClass; the default class when unset. */
  readonly storageClass?: string;
}

/** `AffinityConfiguration` (the fields used here). */
export interface AffinityConfiguration {
  /** Anti-affinity between the cluster's instances (default true). */
  readonly enablePodAntiAffinity?: boolean;
  /** Topology of the anti-affinity, such as `kubernetes.io/hostname`. */
  readonly topologyKey?: string;
  /** `preferred` (default) or `required`. */
  readonly podAntiAffinityType?: "preferred" | "required";
  readonly nodeSelector?: Readonly<Record<string, string>>;
}

/** `RoleConfiguration`: a PostgreSQL role the operator reconciles (`spec.managed.roles`). */
export interface RoleConfiguration {
  readonly name: string;
  readonly comment?: string;
  /** `present` (default) or `absent`. */
  readonly ensure?: "present" | "absent";
  /**
   * Secret of type `kubernetes.io/basic-auth` whose `username` is the role name; the operator sets
   * the role's password from it (and follows changes when the Secret has the label `cnpg.io/reload`).
   */
  readonly passwordSecret?: LocalObjectReference;
  /** Whether the role may log in (default false). Roles get no other attribute here: no superuser, createdb or createrole. */
  readonly login?: boolean;
}

/** `ManagedConfiguration`. */
export interface ManagedConfiguration {
  readonly roles?: readonly RoleConfiguration[];
}

/** `PostgresConfiguration` (the fields used here). */
export interface PostgresConfiguration {
  /** postgresql.conf parameters. */
  readonly parameters?: Readonly<Record<string, string>>;
}

/**
 * `PluginConfiguration`: a CNPG-I plugin the instances load. The operator calls the plugin over gRPC
 * (mTLS) and injects its sidecar into every instance pod.
 */
export interface PluginConfiguration {
  /** The plugin's name, such as `barman-cloud.cloudnative-pg.io`. */
  readonly name: string;
  /** Whether the plugin archives the cluster's WAL (at most one plugin per cluster may). */
  readonly isWALArchiver?: boolean;
  /** The plugin's own parameters, such as the barman-cloud plugin's `barmanObjectName`. */
  readonly parameters?: Readonly<Record<string, string>>;
}

/** `ServiceAccountTemplate`: metadata the operator puts on the cluster's ServiceAccount (named after the cluster). */
export interface ServiceAccountTemplate {
  readonly metadata: { readonly annotations?: Readonly<Record<string, string>>; readonly labels?: Readonly<Record<string, string>> };
}

/** `BootstrapRecovery` (the fields used here): a new cluster from another one's backups. */
export interface BootstrapRecovery {
  /** The `externalClusters` entry whose backups and WAL are read. */
  readonly source: string;
  /** The database the new cluster's application user owns (default `app`). */
  readonly database?: string;
  readonly owner?: string;
}

/** `BootstrapConfiguration` (recovery only: the stack's own clusters start empty, with `initdb` defaults). */
export interface BootstrapConfiguration {
  readonly recovery?: BootstrapRecovery;
}

/** `ExternalCluster` (through a plugin only): where a recovery reads another cluster's backups. */
export interface ExternalCluster {
  readonly name: string;
  readonly plugin: PluginConfiguration;
}

/** `ClusterSpec` (the fields used here). */
export interface ClusterSpec {
  /** Number of instances: one primary, the rest streaming replicas. */
  readonly instances: number;
  /** PostgreSQL operand image. */
  readonly imageName?: string;
  readonly storage?: StorageConfiguration;
  readonly resources?: ResourceRequirements;
  readonly affinity?: AffinityConfiguration;
  readonly topologySpreadConstraints?: readonly TopologySpreadConstraint[];
  readonly postgresql?: PostgresConfiguration;
  readonly managed?: ManagedConfiguration;
  /** Whether the operator creates the `postgres` superuser's Secret and allows it to log in (default false). */
  readonly enableSuperuserAccess?: boolean;
  readonly plugins?: readonly PluginConfiguration[];
  readonly serviceAccountTemplate?: ServiceAccountTemplate;
  readonly bootstrap?: BootstrapConfiguration;
  readonly externalClusters?: readonly ExternalCluster[];
}

export interface ClusterProps {
  readonly metadata: ApiObjectMetadata;
  readonly spec: ClusterSpec;
}

/** A CloudNativePG `Cluster`. */
export class Cluster extends ApiObject {
  static readonly GVK: GroupVersionKind = { apiVersion: "postgresql.cnpg.io/v1", kind: "Cluster" };

  constructor(scope: Construct, id: string, props: ClusterProps) {
    super(scope, id, { ...Cluster.GVK, metadata: props.metadata, spec: props.spec });
  }
}

/** `DatabaseSpec` (the fields used here). */
export interface DatabaseSpec {
  /** The Cluster the database lives in (immutable). */
  readonly cluster: LocalObjectReference;
  /** Name of the database inside PostgreSQL (immutable; not `postgres`, `template0` or `template1`). */
  readonly name: string;
  /** The role that owns the database. */
  readonly owner: string;
  /** `present` (default) or `absent`. */
  readonly ensure?: "present" | "absent";
  /** `retain` (default) keeps the database when this resource is deleted; `delete` drops it. */
  readonly databaseReclaimPolicy?: "retain" | "delete";
}

export interface DatabaseProps {
  readonly metadata: ApiObjectMetadata;
  readonly spec: DatabaseSpec;
}

/** A CloudNativePG `Database` (declarative database management, CloudNativePG ≥ 1.25). */
export class Database extends ApiObject {
  static readonly GVK: GroupVersionKind = { apiVersion: "postgresql.cnpg.io/v1", kind: "Database" };

  constructor(scope: Construct, id: string, props: DatabaseProps) {
    super(scope, id, { ...Database.GVK, metadata: props.metadata, spec: props.spec });
  }
}

/** `ScheduledBackupSpec` (through a plugin only). */
export interface ScheduledBackupSpec {
  readonly cluster: LocalObjectReference;
  /** Six-field cron expression (seconds first), in UTC. */
  readonly schedule: string;
  readonly method: "plugin";
  readonly pluginConfiguration: { readonly name: string; readonly parameters?: Readonly<Record<string, string>> };
  /** Whether the first backup is taken as soon as the resource exists. */
  readonly immediate?: boolean;
  /** `self` makes the Backups owned by the ScheduledBackup; `cluster` by the Cluster; `none` (default) by neither. */
  readonly backupOwnerReference?: "none" | "self" | "cluster";
  /** `prefer-standby` (default) or `primary`. */
  readonly target?: "prefer-standby" | "primary";
}

export interface ScheduledBackupProps {
  readonly metadata: ApiObjectMetadata;
  readonly spec: ScheduledBackupSpec;
}

/** A CloudNativePG `ScheduledBackup`. */
export class ScheduledBackup extends ApiObject {
  static readonly GVK: GroupVersionKind = { apiVersion: "postgresql.cnpg.io/v1", kind: "ScheduledBackup" };

  constructor(scope: Construct, id: string, props: ScheduledBackupProps) {
    super(scope, id, { ...ScheduledBackup.GVK, metadata: props.metadata, spec: props.spec });
  }
}
