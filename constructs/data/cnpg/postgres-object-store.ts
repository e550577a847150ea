import { Construct } from "constructs";
import {
  ObjectStore,
  ObjectStoreSpecConfigurationDataCompression,
  ObjectStoreSpecConfigurationWalCompression,
} from "../../imports/barman-cloud-v0.13.0/objectstore-barmancloud.cnpg.io";
import { fail, resourceLabel } from "../../common/errors";
import { validateInteger } from "../../common/integers";
import { standardLabels } from "../../common/labels";
import { validateLabelName, validateNamespace } from "../../common/names";
import { type S3AccessKeyReference, resolveS3AccessKey } from "../../common/secrets";
import type { PluginConfiguration } from "./postgresql.cnpg.io";

/** The barman-cloud CNPG-I plugin's name, as a Cluster's `spec.plugins` and a backup's `pluginConfiguration` name it. */
export const barmanCloudPluginName = "barman-cloud.cloudnative-pg.io";

/**
 * Where a cluster's base backups and WAL live in the backup bucket, `postgres/<cluster>`: the
 * ObjectStore writes under it and the cluster's IAM role may touch nothing else.
 */
export function postgresBackupPrefix(clusterName: string): string {
  return `postgres/${clusterName}`;
}

/**
 * The plugin entry of a Cluster that archives its WAL to the named ObjectStore, or, given the source
 * cluster's name (its Barman server name, the directory under the store's path: the plugin documents
 * it as a plugin parameter, the ObjectStore's own `serverName` must stay empty), the entry of an
 * `externalClusters` source a recovery reads.
 */
export function barmanCloudPlugin(objectStoreName: string, use: { readonly walArchiver: true } | { readonly recoverFrom: string }): PluginConfiguration {
  return "walArchiver" in use
    ? { name: barmanCloudPluginName, isWALArchiver: true, parameters: { barmanObjectName: objectStoreName } }
    : { name: barmanCloudPluginName, parameters: { barmanObjectName: objectStoreName, serverName: use.recoverFrom } };
}

/** Refuses anything but an IAM role ARN, which the instance pods' ServiceAccount annotation (IRSA) must carry. */
export function validateRoleArn(owner: string, prop: string, value: string): void {
  if (!/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/.test(value)) {
    fail(owner, `${prop} "${value}" is not an IAM role ARN`);
  }
}

export interface PostgresObjectStoreProps {
  /** The CloudNativePG Cluster whose backups the store holds; the ObjectStore is named `<clusterName>-backups`. */
  readonly clusterName: string;
  readonly namespace: string;
  /** The S3 bucket; the store writes under `postgres/<clusterName>/` in it. */
  readonly bucket: string;
  /**
   * How long base backups (and the WAL they need) are kept, in days: the plugin deletes older ones.
   * @default - no retention policy: for a store a recovery only reads, which must delete nothing
   */
  readonly retentionDays?: number;
  /**
   * An S3-compatible endpoint (such as MinIO) instead of AWS S3.
   * @default - AWS S3 of the bucket's region
   */
  readonly endpointUrl?: string;
  /**
   * The access-key pair the instances sign with, for an endpoint where no IAM role exists.
   * @default - the instance pods' IAM role (IRSA on the cluster's ServiceAccount)
   */
  readonly credentials?: S3AccessKeyReference;
}

/**
 * A barman-cloud plugin `ObjectStore`: base backups and WAL of one CloudNativePG cluster in S3 under
 * `s3://<bucket>/postgres/<cluster>/`, compressed, kept `retentionDays`. Credentials come from the
 * instance pods' IAM role (IRSA on the cluster's ServiceAccount), or, at an S3-compatible endpoint,
 * from the Secrets `credentials` names: the store itself holds no keys.
 */
export class PostgresObjectStore extends Construct {
  /** What a Cluster's plugin parameter `barmanObjectName` names. */
  readonly name: string;
  readonly destinationPath: string;
  readonly resource: ObjectStore;

  constructor(scope: Construct, id: string, props: PostgresObjectStoreProps) {
    super(scope, id);
    const name = `${props.clusterName}-backups`;
    const owner = resourceLabel("PostgresObjectStore", props.namespace, name);
    validateLabelName(owner, "clusterName", props.clusterName, 50);
    validateNamespace(owner, props.namespace);
    // S3 bucket naming rules: 3-63 characters, lower case, digits, dots and hyphens.
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(props.bucket)) {
      fail(owner, `bucket "${props.bucket}" is not a valid S3 bucket name`);
    }
    // A day is the plugin's smallest retention unit; ten years is past any retention this project means.
    if (props.retentionDays !== undefined) validateInteger(owner, "retentionDays", props.retentionDays, 1, 3650);
    if (props.endpointUrl !== undefined && !/^https?:\/\/[^\s/]+(\/\S*)?$/.test(props.endpointUrl)) {
      fail(owner, `endpointUrl "${props.endpointUrl}" must be an http(s) URL`);
    }
    const credentials = props.credentials && resolveS3AccessKey(owner, "credentials", props.credentials);

    this.name = name;
    this.destinationPath = `s3://${props.bucket}/${postgresBackupPrefix(props.clusterName)}/`;
    this.resource = new ObjectStore(this, "store", {
      metadata: { name, namespace: props.namespace, labels: standardLabels(props.clusterName, "postgresql-backups") },
      spec: {
        configuration: {
          destinationPath: this.destinationPath,
          ...(props.endpointUrl !== undefined ? { endpointUrl: props.endpointUrl } : {}),
          s3Credentials: credentials ? { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey } : { inheritFromIamRole: true },
          wal: { compression: ObjectStoreSpecConfigurationWalCompression.GZIP },
          data: { compression: ObjectStoreSpecConfigurationDataCompression.GZIP },
        },
        ...(props.retentionDays !== undefined ? { retentionPolicy: `${props.retentionDays}d` } : {}),
      },
    });
  }
}
