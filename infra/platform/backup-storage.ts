import * as aws from "@pulumi/aws";
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { AccessLogBucket } from "../aws/access-log-bucket";
import { SecureBucket } from "../aws/secure-bucket";
import { secret } from "../kubernetes/secrets";
import type { CredentialSource } from "./external-credentials";

/**
 * Each store's key prefix in the backup bucket: its writer's role may write only there, and its
 * lifecycle rule expires only there. A new store adds its prefix here.
 */
export const backupPrefixes = {
  mongodb: "mongodb/",
  postgres: "postgres/",
} as const;

export type BackupStore = keyof typeof backupPrefixes;

/**
 * The Secret the stack writes, in each backed-up store's namespace, with the access-key pair of an
 * S3-compatible endpoint (`platform.backups.endpoint`): its keys are the variables the upload job's
 * credential chain reads, and what the barman-cloud ObjectStore's `s3Credentials` refer to.
 */
export const backupEndpointCredentials = {
  secretName: "backup-endpoint-credentials",
  accessKeyIdKey: "AWS_ACCESS_KEY_ID",
  secretAccessKeyKey: "AWS_SECRET_ACCESS_KEY",
} as const;

/** The references of `backupEndpointCredentials` a construct signs with. */
export const backupEndpointKeyReference = {
  accessKeyId: { name: backupEndpointCredentials.secretName, key: backupEndpointCredentials.accessKeyIdKey },
  secretAccessKey: { name: backupEndpointCredentials.secretName, key: backupEndpointCredentials.secretAccessKeyKey },
} as const;

/** An S3-compatible endpoint the backups write to (`cloud: existing`), its existing bucket and the access-key pair. */
export interface BackupEndpoint {
  readonly url: string;
  readonly bucket: string;
  /** The region requests are signed for. */
  readonly region: string;
  readonly accessKeyId: pulumi.Output<string>;
  readonly secretAccessKey: pulumi.Output<string>;
}

/**
 * The endpoint of `platform.backups` when it names one, with its keys from Pulumi secret config
 * (`backupEndpointAccessKeyId`, `backupEndpointSecretAccessKey`). The stack config refuses an
 * endpoint without its bucket, region and keys; a caller that skipped it learns which is missing.
 */
export function backupEndpointOf(
  owner: string,
  backups: { readonly endpoint?: string; readonly bucket?: string; readonly region?: string },
  credentials: CredentialSource,
): BackupEndpoint | undefined {
  if (backups.endpoint === undefined) {
    return undefined;
  }
  const values = credentials.source === "pulumi" ? credentials.values : {};
  const { backupEndpointAccessKeyId: accessKeyId, backupEndpointSecretAccessKey: secretAccessKey } = values;
  if (backups.bucket === undefined || backups.region === undefined || accessKeyId === undefined || secretAccessKey === undefined) {
    throw new Error(`${owner}: platform.backups.endpoint needs platform.backups.bucket and region, and the backupEndpointAccessKeyId and backupEndpointSecretAccessKey secrets`);
  }
  return { url: backups.endpoint, bucket: backups.bucket, region: backups.region, accessKeyId, secretAccessKey };
}

/** The port an endpoint URL is reached on: its own, else its scheme's. */
export function backupEndpointPort(url: string): number {
  const parsed = new URL(url);
  return parsed.port !== "" ? Number(parsed.port) : parsed.protocol === "https:" ? 443 : 80;
}

/** The Secret of `backupEndpointCredentials` in one namespace. */
export function backupEndpointSecret(name: string, namespace: string, endpoint: BackupEndpoint, opts: pulumi.CustomResourceOptions): k8s.core.v1.Secret {
  return secret(name, {
    name: backupEndpointCredentials.secretName,
    namespace,
    stringData: { [backupEndpointCredentials.accessKeyIdKey]: endpoint.accessKeyId, [backupEndpointCredentials.secretAccessKeyKey]: endpoint.secretAccessKey },
  }, opts);
}

/** Where the stack's backups go: a bucket and its region, whoever created it. */
export interface BackupTarget {
  readonly bucketName: string;
  readonly region: string;
  /** The bucket's ARN, for the writers' policies. */
  readonly arn: string;
  /** The customer-managed key the bucket encrypts with, which a writer needs kms:GenerateDataKey on. */
  readonly kmsKeyArn?: pulumi.Output<string>;
}

export interface BackupStorageArgs {
  /** The bucket's name: `<cluster name>-backups-<region>` unless the stack names an existing one. */
  readonly bucketName: string;
  readonly region: string;
  /**
   * Create the bucket (with its lifecycle rules); false for an existing bucket, whose owner keeps
   * its settings and lifecycle.
   */
  readonly create: boolean;
  /** Days an archive is kept: one expiration rule per prefix of `stores`. */
  readonly retentionDays: number;
  /** The stores that write here (a rule for each one's prefix). */
  readonly stores: readonly BackupStore[];
  /** Customer-managed key of the stack's buckets. @default the AWS-managed `aws/s3` key */
  readonly kmsKeyArn?: pulumi.Output<string>;
  /** Where the bucket's access logs go; required with `create`. */
  readonly accessLogBucket?: AccessLogBucket;
  /** Leave the bucket and its archives on `pulumi destroy` (production: they outlive the stack). */
  readonly retainOnDelete: boolean;
  readonly tags?: Record<string, string>;
}

/**
 * The stack's backup bucket (EKS only), shared by every store's backups, each under its prefix: a
 * `SecureBucket` (private, KMS, TLS only, access-logged, versioned) whose lifecycle expires each
 * prefix's archives after `retentionDays` and a replaced version a day later.
 */
export class BackupStorage extends pulumi.ComponentResource {
  readonly target: BackupTarget;

  constructor(name: string, args: BackupStorageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("data-flywheel:platform:BackupStorage", name, {}, opts);
    if (!Number.isInteger(args.retentionDays) || args.retentionDays < 1) {
      throw new Error(`BackupStorage ${name}: retentionDays must be a whole number of days, at least 1 (got ${args.retentionDays})`);
    }
    this.target = {
      bucketName: args.bucketName,
      region: args.region,
      arn: `arn:aws:s3:::${args.bucketName}`,
      ...(args.create && args.kmsKeyArn ? { kmsKeyArn: args.kmsKeyArn } : {}),
    };
    if (args.create) {
      if (!args.accessLogBucket) {
        throw new Error(`BackupStorage ${name}: a bucket the stack creates needs the stack's access log bucket (accessLogBucket)`);
      }
      const bucket = new SecureBucket(name, {
        bucketName: args.bucketName,
        versioning: true,
        ...(args.kmsKeyArn ? { kmsKeyArn: args.kmsKeyArn } : {}),
        accessLogs: args.accessLogBucket.targetFor(args.bucketName),
        retainOnDelete: args.retainOnDelete,
        tags: args.tags,
      }, { parent: this, ...(args.retainOnDelete ? { retainOnDelete: true } : {}) });
      new aws.s3.BucketLifecycleConfiguration(name, {
        bucket: bucket.bucketName,
        rules: backupLifecycleRules(args.stores, args.retentionDays),
      }, { parent: this, dependsOn: [...bucket.resources], ...(args.retainOnDelete ? { retainOnDelete: true } : {}) });
    }
    this.registerOutputs({ bucketName: args.bucketName });
  }
}

/** One rule per store: its archives expire after `retentionDays`, a noncurrent version a day later, an unfinished upload after a day. */
export function backupLifecycleRules(stores: readonly BackupStore[], retentionDays: number): aws.types.input.s3.BucketLifecycleConfigurationRule[] {
  return stores.map((store) => ({
    id: `expire-${store}`,
    status: "Enabled",
    filter: { prefix: backupPrefixes[store] },
    expiration: { days: retentionDays },
    noncurrentVersionExpiration: { noncurrentDays: 1 },
    abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
  }));
}

/** Whether the stack creates a backup bucket (and so needs its access log bucket): on, without an existing bucket named. */
export function createsBackupBucket(backups: { readonly enabled: boolean; readonly bucket?: string }): boolean {
  return backups.enabled && backups.bucket === undefined;
}
