import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { App, Chart, Size } from "cdk8s";
import { MongoDbBackup, type MongoDbEndpoint, mongodbBackupNames } from "../../constructs/data";
import type { PolicyDocument } from "../aws/iam-policies";
import { IrsaRole } from "../aws/irsa-role";
import type { AwsIdentity } from "../cluster-target";
import { applyChart } from "../kubernetes/cdk8s-chart";
import { secret } from "../kubernetes/secrets";
import { type BackupEndpoint, backupEndpointKeyReference, backupEndpointSecret, backupPrefixes, type BackupTarget } from "./backup-storage";

/** The ServiceAccount and the Secret of the backup pods, in the replica set's namespace. */
export const mongodbBackupNaming = {
  serviceAccount: mongodbBackupNames.cronJob,
  dumpConfigSecret: `${mongodbBackupNames.cronJob}-dump-config`,
  dumpConfigKey: "config.yaml",
} as const;

/**
 * What the backup role may do: write MongoDB's prefix of the bucket, nothing else (no read, no
 * list, no delete: a stolen token can add archives, not read or remove them), and use the bucket's
 * customer-managed key for the objects it writes. An archive above the upload's multipart
 * threshold goes up in parts: abandoning a failed one needs s3:AbortMultipartUpload, and S3
 * completing an SSE-KMS multipart upload decrypts the parts' data keys, hence kms:Decrypt (which
 * reads nothing without s3:GetObject).
 */
export function mongodbBackupPolicy(bucketArn: string, kmsKeyArn?: string): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Action: ["s3:PutObject", "s3:AbortMultipartUpload"], Resource: `${bucketArn}/${backupPrefixes.mongodb}*` },
      ...(kmsKeyArn ? [{ Effect: "Allow" as const, Action: ["kms:GenerateDataKey", "kms:Encrypt", "kms:Decrypt"], Resource: kmsKeyArn }] : []),
    ],
  };
}

export interface MongoDbBackupsArgs {
  readonly namespace: string;
  /** The replica set (the `MongoDbReplicaSet` of RunState). */
  readonly mongodb: MongoDbEndpoint;
  /** The replica set user's password, written into mongodump's config Secret. */
  readonly password: pulumi.Output<string>;
  /** The CA ConfigMap (and key) the members' certificates chain to. */
  readonly certificateAuthority: { readonly name: string; readonly key: string };
  readonly schedule: string;
  readonly dumpImage: string;
  /** The flywheel job image, pinned by digest. */
  readonly uploadImage: string;
  readonly target: BackupTarget;
  /** The database's volume size: the archive's emptyDir never needs more. */
  readonly storageGiB: number;
  /**
   * Who the upload signs as: on EKS an IRSA role allowed only MongoDB's prefix, at an S3-compatible
   * endpoint (`cloud: existing`) its access-key pair, in a Secret of the namespace.
   */
  readonly signer: { readonly aws: AwsIdentity } | { readonly endpoint: BackupEndpoint };
  readonly dependsOn: readonly pulumi.Resource[];
  readonly provider: k8s.Provider;
  readonly tags?: Record<string, string>;
}

/**
 * MongoDB's scheduled backup: the `MongoDbBackup` CronJob, its ServiceAccount (on EKS with an IRSA
 * role that may only write MongoDB's prefix of the backup bucket; at an S3-compatible endpoint, the
 * endpoint's access keys in a Secret instead), and the Secret holding mongodump's config file with
 * the password.
 */
export class MongoDbBackups extends pulumi.ComponentResource {
  constructor(name: string, args: MongoDbBackupsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("data-flywheel:platform:MongoDbBackups", name, {}, opts);
    const k8sOpts = { parent: this, provider: args.provider };
    const signer = args.signer;
    const role = "aws" in signer
      ? new IrsaRole(`${name}-writer`, {
          oidcProviderArn: signer.aws.oidcProviderArn,
          oidcIssuerUrl: signer.aws.oidcIssuerUrl,
          namespace: args.namespace,
          serviceAccount: mongodbBackupNaming.serviceAccount,
          policy: pulumi.output(args.target.kmsKeyArn).apply((key) => mongodbBackupPolicy(args.target.arn, key)),
          tags: args.tags,
        }, { parent: this })
      : undefined;
    const serviceAccount = new k8s.core.v1.ServiceAccount(name, {
      metadata: { name: mongodbBackupNaming.serviceAccount, namespace: args.namespace, ...(role ? { annotations: { "eks.amazonaws.com/role-arn": role.roleArn } } : {}) },
    }, k8sOpts);
    const endpointKeys = "endpoint" in signer ? backupEndpointSecret(`${name}-endpoint-credentials`, args.namespace, signer.endpoint, k8sOpts) : undefined;
    // mongodump reads YAML; a JSON string is a valid YAML scalar whatever the password holds.
    const dumpConfig = secret(name, {
      name: mongodbBackupNaming.dumpConfigSecret,
      namespace: args.namespace,
      stringData: { [mongodbBackupNaming.dumpConfigKey]: args.password.apply((password) => `password: ${JSON.stringify(password)}\n`) },
    }, k8sOpts);
    const chart = new Chart(new App(), name);
    new MongoDbBackup(chart, "backup", {
      namespace: args.namespace,
      mongodb: args.mongodb,
      dumpConfig: { name: mongodbBackupNaming.dumpConfigSecret, key: mongodbBackupNaming.dumpConfigKey },
      certificateAuthority: args.certificateAuthority,
      schedule: args.schedule,
      dumpImage: args.dumpImage,
      uploadImage: args.uploadImage,
      bucket: args.target.bucketName,
      prefix: backupPrefixes.mongodb,
      region: args.target.region,
      ...("endpoint" in signer ? { endpoint: signer.endpoint.url, credentials: backupEndpointKeyReference } : {}),
      serviceAccountName: mongodbBackupNaming.serviceAccount,
      scratchSize: Size.gibibytes(args.storageGiB),
    });
    applyChart(name, chart, { ...k8sOpts, dependsOn: [...args.dependsOn, serviceAccount, dumpConfig, ...(endpointKeys ? [endpointKeys] : [])] });
    this.registerOutputs({});
  }
}
