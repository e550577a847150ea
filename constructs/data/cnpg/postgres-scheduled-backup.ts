import { Construct } from "constructs";
import { fail, resourceLabel } from "../../common/errors";
import { standardLabels } from "../../common/labels";
import { validateLabelName, validateNamespace } from "../../common/names";
import { barmanCloudPluginName } from "./postgres-object-store";
import { ScheduledBackup } from "./postgresql.cnpg.io";

export interface PostgresScheduledBackupProps {
  /** The CloudNativePG Cluster to back up; the resource is named `<clusterName>-daily`. */
  readonly clusterName: string;
  readonly namespace: string;
  /**
   * When to take a base backup: CloudNativePG's six-field cron (seconds first), UTC.
   * @default "0 0 2 * * *" (02:00 every day)
   */
  readonly schedule?: string;
}

/**
 * A CloudNativePG `ScheduledBackup` of one cluster through the barman-cloud plugin, into the
 * ObjectStore the cluster's plugin entry names. The first backup is taken at once, so that WAL
 * archived from creation on has a base to replay onto; Backups are owned by this resource, so they
 * go with it (the data in S3 stays, kept by the store's retention policy).
 */
export class PostgresScheduledBackup extends Construct {
  readonly name: string;
  readonly resource: ScheduledBackup;

  constructor(scope: Construct, id: string, props: PostgresScheduledBackupProps) {
    super(scope, id);
    const name = `${props.clusterName}-daily`;
    const schedule = props.schedule ?? "0 0 2 * * *";
    const owner = resourceLabel("PostgresScheduledBackup", props.namespace, name);
    validateLabelName(owner, "clusterName", props.clusterName, 50);
    validateNamespace(owner, props.namespace);
    // CloudNativePG reads six fields; a five-field Unix cron would be read with minutes as seconds.
    if (schedule.trim().split(/\s+/).length !== 6) {
      fail(owner, `schedule "${schedule}" must have six fields (seconds first), such as "0 0 2 * * *"`);
    }
    this.name = name;
    this.resource = new ScheduledBackup(this, "backup", {
      metadata: { name, namespace: props.namespace, labels: standardLabels(props.clusterName, "postgresql-backups") },
      spec: {
        cluster: { name: props.clusterName },
        schedule,
        method: "plugin",
        pluginConfiguration: { name: barmanCloudPluginName },
        immediate: true,
        backupOwnerReference: "self",
      },
    });
  }
}
