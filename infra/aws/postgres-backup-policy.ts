import { postgresBackupPrefix } from "../../constructs/data/cnpg/postgres-object-store";
import type { PolicyDocument } from "./iam-policies";

export interface PostgresBackupPolicyArgs {
  /** ARN of the backup bucket. */
  readonly bucketArn: string;
  /** The CloudNativePG cluster whose instance pods assume the role. */
  readonly clusterName: string;
  /**
   * The customer managed key the bucket encrypts with, which writing and reading an object need.
   * @default - none: the bucket uses S3-managed keys
   */
  readonly kmsKeyArn?: string;
}

/**
 * What a CloudNativePG cluster's instance pods may do in the backup bucket through the barman-cloud
 * plugin: write base backups and WAL (Put), read them back for a restore and the WAL catalog (Get),
 * list its own prefix (the backup catalog, and the check that the bucket exists, which sends no
 * prefix) and delete what the retention policy expires (Delete), all under `postgres/<cluster>/`
 * only.
 */
export function postgresBackupPolicy(args: PostgresBackupPolicyArgs): PolicyDocument {
  const prefix = postgresBackupPrefix(args.clusterName);
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "ListOwnPrefix",
        Effect: "Allow",
        Action: ["s3:ListBucket", "s3:GetBucketLocation"],
        Resource: args.bucketArn,
        // IfExists: barman-cloud's connectivity check (HeadBucket) sends no prefix.
        Condition: { StringLikeIfExists: { "s3:prefix": [prefix, `${prefix}/*`] } },
      },
      {
        Sid: "ObjectsUnderOwnPrefix",
        Effect: "Allow",
        Action: ["s3:PutObject", "s3:GetObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
        Resource: `${args.bucketArn}/${prefix}/*`,
      },
      ...(args.kmsKeyArn !== undefined
        ? [{ Sid: "BucketKey", Effect: "Allow" as const, Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: args.kmsKeyArn }]
        : []),
    ],
  };
}
