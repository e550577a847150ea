import { Construct } from "constructs";
import { barmanCloudPlugin, PostgresObjectStore, validateRoleArn } from "../cnpg/postgres-object-store";
import { PostgresScheduledBackup } from "../cnpg/postgres-scheduled-backup";
import { Cluster, Database, type TopologySpreadConstraint } from "../cnpg/postgresql.cnpg.io";
import { type ComputeResources, validateComputeResources } from "../../common/compute-resources";
import { fail, resourceLabel } from "../../common/errors";
import { validateInteger } from "../../common/integers";
import { standardLabels, validateNodeSelector } from "../../common/labels";
import { validateLabelName, validateNamespace, validateObjectName } from "../../common/names";
import type { S3AccessKeyReference } from "../../common/secrets";
import { type PersistentStorage, validateStorage } from "../../common/storage";
import { dataServiceDefaults } from "../versions";
import { type PostgresServiceDatabase, validateServiceDatabases } from "./service-databases";

/** PostgreSQL's port. */
export const postgresPort = 5432;

export interface PostgresClusterProps {
  /** Name of the CloudNativePG `Cluster`. */
  readonly name: string;
  readonly namespace: string;
  /** One database and owner role per service. */
  readonly databases: readonly PostgresServiceDatabase[];
  /**
   * PostgreSQL instances: one primary, the rest hot standbys.
   * @default 1
   */
  readonly instances?: number;
  /**
   * Production topology: at least 3 instances on different hosts (required anti-affinity), spread
   * over zones.
   * @default false
   */
  readonly highAvailability?: boolean;
  /**
   * PostgreSQL image from CloudNativePG's image line, pinned to a full version.
   * @default dataServiceDefaults.postgresImage
   */
  readonly imageName?: string;
  /**
   * Data volume of each instance.
   * @default { size: "10Gi" }
   */
  readonly storage?: PersistentStorage;
  /**
   * CPU and memory of each instance.
   * @default requests 250m / 512Mi, limits 1 / 1Gi
   */
  readonly resources?: ComputeResources;
  /**
   * postgresql.conf parameters (such as `max_connections`).
   * @default - CloudNativePG's defaults
   */
  readonly parameters?: Readonly<Record<string, string>>;
  /**
   * Node labels the instances must run on.
   * @default - any node
   */
  readonly nodeSelector?: Readonly<Record<string, string>>;
  /**
   * Backups to S3 through the barman-cloud plugin (an ObjectStore, WAL archiving, a ScheduledBackup).
   * @default - no backups
   */
  readonly backup?: PostgresBackup;
}

/** Backups of a cluster to S3 through the barman-cloud plugin: WAL archived continuously, a base backup daily. */
export interface PostgresBackup {
  /** The S3 bucket; backups go under `postgres/<name>/`. */
  readonly bucket: string;
  /** How long base backups are kept, in days. */
  readonly retentionDays: number;
  /**
   * The IAM role the instance pods write with (IRSA): the operator puts it on the cluster's
   * ServiceAccount, named after the cluster.
   * @default - no annotation: an S3-compatible endpoint's or the node's credentials
   */
  readonly roleArn?: string;
  /** @default - AWS S3 */
  readonly endpointUrl?: string;
  /**
   * The access-key pair the instances sign with at `endpointUrl`, instead of `roleArn`.
   * @default - the IAM role (`roleArn`) or the node's credentials
   */
  readonly credentials?: S3AccessKeyReference;
  /** @default "0 0 2 * * *" */
  readonly schedule?: string;
}

const defaultResources: ComputeResources = { requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "1", memory: "1Gi" } };

/**
 * PostgreSQL run by CloudNativePG for the NeMo services: a `Cluster` whose managed roles are the
 * services' owner roles (passwords from Pulumi's basic-auth Secrets) and one declarative `Database`
 * per service. Services connect to the read-write Service `<name>-rw`.
 */
export class PostgresCluster extends Construct {
  readonly name: string;
  readonly namespace: string;
  /** The Service that always points at the primary, `<name>-rw`. */
  readonly readWriteServiceName: string;
  /** `<name>-rw.<namespace>.svc.cluster.local`. */
  readonly host: string;
  readonly port = postgresPort;
  readonly databases: readonly PostgresServiceDatabase[];
  readonly cluster: Cluster;
  /** Where the backups go, when `backup` is set. */
  readonly objectStore?: PostgresObjectStore;

  constructor(scope: Construct, id: string, props: PostgresClusterProps) {
    super(scope, id);
    const instances = props.instances ?? 1;
    const highAvailability = props.highAvailability ?? false;
    const imageName = props.imageName ?? dataServiceDefaults.postgresImage;
    const storage = props.storage ?? { size: "10Gi" };
    const resources = props.resources ?? defaultResources;
    const owner = resourceLabel("PostgresCluster", props.namespace, props.name);
    validateLabelName(owner, "name", props.name, 50);
    validateNamespace(owner, props.namespace);
    validateServiceDatabases(owner, props.databases);
    validateInteger(owner, "instances", instances, 1, 10);
    if (highAvailability && instances < 3) {
      fail(owner, `instances must be at least 3 when highAvailability is on (a standby to fail over to while another is rebuilt), got ${instances}`);
    }
    if (!/^ghcr\.io\/cloudnative-pg\/postgresql:\d+\.\d+(-[a-z0-9-]+)?(@sha256:[a-f0-9]{64})?$/.test(imageName)) {
      fail(owner, `imageName "${imageName}" must be ghcr.io/cloudnative-pg/postgresql with a full version tag, such as 18.4-minimal-trixie`);
    }
    validateStorage(owner, "storage", storage);
    validateComputeResources(owner, "resources", resources);
    if (props.nodeSelector !== undefined) validateNodeSelector(owner, "nodeSelector", props.nodeSelector);

    this.name = props.name;
    this.namespace = props.namespace;
    this.readWriteServiceName = `${props.name}-rw`;
    this.host = `${this.readWriteServiceName}.${props.namespace}.svc.cluster.local`;
    this.databases = props.databases;
    const labels = standardLabels(props.name, "postgresql");
    const instanceSelector = { matchLabels: { "cnpg.io/cluster": props.name } };
    const zoneSpread: TopologySpreadConstraint[] = [{ maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "DoNotSchedule", labelSelector: instanceSelector }];

    const backup = props.backup;
    if (backup?.roleArn !== undefined) validateRoleArn(owner, "backup.roleArn", backup.roleArn);
    // Two identities would leave which one signs to the plugin's precedence, not to the stack.
    if (backup?.roleArn !== undefined && backup.credentials !== undefined) fail(owner, "backup.roleArn and backup.credentials exclude each other: sign with the IAM role or with the access keys");
    if (backup) {
      this.objectStore = new PostgresObjectStore(this, "backup-store", {
        clusterName: props.name,
        namespace: props.namespace,
        bucket: backup.bucket,
        retentionDays: backup.retentionDays,
        ...(backup.endpointUrl !== undefined ? { endpointUrl: backup.endpointUrl } : {}),
        ...(backup.credentials !== undefined ? { credentials: backup.credentials } : {}),
      });
      new PostgresScheduledBackup(this, "backup-schedule", {
        clusterName: props.name,
        namespace: props.namespace,
        ...(backup.schedule !== undefined ? { schedule: backup.schedule } : {}),
      });
    }

    this.cluster = new Cluster(this, "cluster", {
      metadata: { name: props.name, namespace: props.namespace, labels },
      spec: {
        instances,
        imageName,
        storage: { size: storage.size, storageClass: storage.storageClass },
        resources: { requests: { ...resources.requests }, limits: { ...resources.limits } },
        affinity: {
          enablePodAntiAffinity: true,
          topologyKey: "kubernetes.io/hostname",
          podAntiAffinityType: highAvailability ? "required" : "preferred",
          nodeSelector: props.nodeSelector,
        },
        topologySpreadConstraints: highAvailability ? zoneSpread : undefined,
        postgresql: props.parameters === undefined ? undefined : { parameters: { ...props.parameters } },
        enableSuperuserAccess: false,
        ...(this.objectStore ? { plugins: [barmanCloudPlugin(this.objectStore.name, { walArchiver: true })] } : {}),
        ...(backup?.roleArn !== undefined ? { serviceAccountTemplate: { metadata: { annotations: { "eks.amazonaws.com/role-arn": backup.roleArn } } } } : {}),
        managed: {
          roles: props.databases.map((entry) => ({
            name: entry.owner,
            ensure: "present",
            login: true,
            comment: `Owner of the ${entry.database} database`,
            passwordSecret: { name: entry.credentialsSecretName },
          })),
        },
      },
    });

    for (const entry of props.databases) {
      const resourceName = `${props.name}-${entry.database.replace(/_/g, "-")}`;
      validateObjectName(owner, `the Database resource name for ${entry.database}`, resourceName);
      new Database(this, `database-${entry.database}`, {
        metadata: { name: resourceName, namespace: props.namespace, labels },
        spec: {
          cluster: { name: props.name },
          name: entry.database,
          owner: entry.owner,
          ensure: "present",
          // Deleting the resource (or the stack) keeps the data.
          databaseReclaimPolicy: "retain",
        },
      });
    }
  }
}
