import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AccessLogBucket } from "../aws/access-log-bucket";
import { SecureBucket } from "../aws/secure-bucket";

/**
 * Each store's key prefix in the backup bucket: its writer's role may write only there, and its
 * lifecycle rule expires only there. A new store adds its prefix here.
 */
export const backupPrefixes = {
  mongodb: "mongodb/",
  postgres: "postgres/",
} as const;

export type BackupStore = keyof typeof backupPrefixes;

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
