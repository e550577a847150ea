import { Construct } from "constructs";
import { resourceLabel } from "../../common/errors";
import { standardLabels } from "../../common/labels";
import { validateLabelName, validateNamespace } from "../../common/names";
import { dataServiceDefaults } from "../versions";
import { barmanCloudPlugin, PostgresObjectStore, validateRoleArn } from "./postgres-object-store";
import { Cluster } from "./postgresql.cnpg.io";

export interface PostgresRecoveryClusterProps {
  /** The cluster whose backups are restored: its name is the Barman server name under `postgres/<sourceCluster>/`. */
  readonly sourceCluster: string;
  /** The scratch namespace the restored cluster runs in; not the source's, so nothing connects to it by mistake. */
  readonly namespace: string;
  /** The backup bucket the source cluster's ObjectStore writes to. */
  readonly bucket: string;
  /**
   * The IAM role the restored pods read S3 with (IRSA), one allowed to read `postgres/<sourceCluster>/`.
   * @default - no annotation: credentials from the node or an S3-compatible endpoint's defaults
   */
  readonly roleArn?: string;
  /**
   * The restored cluster's name.
   * @default `<sourceCluster>-restore`
   */
  readonly name?: string;
  /** @default dataServiceDefaults.postgresImage, the source's image: a recovery needs the same major version */
  readonly imageName?: string;
  /** @default "10Gi" */
  readonly storageSize?: string;
  /** @default - AWS S3 */
  readonly endpointUrl?: string;
}

/**
 * A one-instance CloudNativePG `Cluster` bootstrapped from another cluster's newest base backup and
 * WAL through the barman-cloud plugin, beside its own read-only ObjectStore pointing at the source's
 * backups. The restored cluster archives no WAL: it must never write into the source's directory.
 * The stack does not deploy it; `scripts/postgres-recovery.ts` prints it for the restore runbook.
 */
/** The recovery Cluster's default name, which is also its ServiceAccount's (the restore role trusts that one). */
export function recoveryClusterName(sourceCluster: string): string {
  return `${sourceCluster}-restore`;
}

export class PostgresRecoveryCluster extends Construct {
  readonly name: string;
  readonly cluster: Cluster;
  /** The ObjectStore the recovery reads the source's backups through. */
  readonly objectStore: PostgresObjectStore;

  constructor(scope: Construct, id: string, props: PostgresRecoveryClusterProps) {
    super(scope, id);
    const name = props.name ?? recoveryClusterName(props.sourceCluster);
    const owner = resourceLabel("PostgresRecoveryCluster", props.namespace, name);
    validateLabelName(owner, "name", name, 50);
    validateNamespace(owner, props.namespace);
    validateLabelName(owner, "sourceCluster", props.sourceCluster, 50);
    if (props.roleArn !== undefined) validateRoleArn(owner, "roleArn", props.roleArn);
    // The source's path, without a retention policy: a recovery deletes nothing.
    const store = new PostgresObjectStore(this, "source-store", {
      clusterName: props.sourceCluster,
      namespace: props.namespace,
      bucket: props.bucket,
      ...(props.endpointUrl !== undefined ? { endpointUrl: props.endpointUrl } : {}),
    });
    this.objectStore = store;
    const source = "origin";
    this.name = name;
    this.cluster = new Cluster(this, "cluster", {
      metadata: { name, namespace: props.namespace, labels: standardLabels(name, "postgresql-restore") },
      spec: {
        instances: 1,
        imageName: props.imageName ?? dataServiceDefaults.postgresImage,
        storage: { size: props.storageSize ?? "10Gi" },
        enableSuperuserAccess: true,
        bootstrap: { recovery: { source } },
        externalClusters: [{ name: source, plugin: barmanCloudPlugin(store.name, { recoverFrom: props.sourceCluster }) }],
        ...(props.roleArn !== undefined ? { serviceAccountTemplate: { metadata: { annotations: { "eks.amazonaws.com/role-arn": props.roleArn } } } } : {}),
      },
    });
  }
}
