import { postgresBackupPrefix } from "../../constructs/data/cnpg/postgres-object-store";
import type { PolicyDocument } from "./iam-policies";

export interface PostgresRestorePolicyArgs {
  /** ARN of the backup bucket. */
  readonly bucketArn: string;
  /** The CloudNativePG cluster whose backups are restored: only `postgres/<sourceCluster>/` is readable. */
  readonly sourceCluster: string;
  /**
   * The customer managed key the bucket encrypts with, which reading an object needs.
   * @default - none: the bucket uses S3-managed keys
   */
  readonly kmsKeyArn?: string;
}

/**
 * What a recovery Cluster in a scratch namespace may do in the backup bucket: list and read the
 * source cluster's prefix, nothing else. No Put or Delete, so a restore drill (or a recovery Cluster
 * configured by mistake to archive WAL) cannot overwrite or expire the backups it reads; no
 * kms:GenerateDataKey, which only writing needs.
 */
export function postgresRestorePolicy(args: PostgresRestorePolicyArgs): PolicyDocument {
  const prefix = postgresBackupPrefix(args.sourceCluster);
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "ListSourcePrefix",
        Effect: "Allow",
        Action: ["s3:ListBucket", "s3:GetBucketLocation"],
        Resource: args.bucketArn,
        // IfExists: barman-cloud's connectivity check (HeadBucket) sends no prefix.
        Condition: { StringLikeIfExists: { "s3:prefix": [prefix, `${prefix}/*`] } },
      },
      { Sid: "ReadSourceObjects", Effect: "Allow", Action: ["s3:GetObject"], Resource: `${args.bucketArn}/${prefix}/*` },
      ...(args.kmsKeyArn !== undefined ? [{ Sid: "BucketKeyDecrypt", Effect: "Allow" as const, Action: ["kms:Decrypt"], Resource: args.kmsKeyArn }] : []),
    ],
  };
}
