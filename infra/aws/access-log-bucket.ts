import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { PolicyDocument } from "./iam-policies";
import { blockAllPublicAccess, tlsOnlyStatement, type AccessLogTarget } from "./secure-bucket";

/** The service principal that delivers S3 server access logs. */
export const s3LoggingPrincipal = "logging.s3.amazonaws.com";

/**
 * The log bucket's policy: only S3's logging service may write, only log objects, only for buckets
 * of this account (the confused-deputy guard), and nobody over plain HTTP.
 */
export function accessLogBucketPolicy(bucketArn: string, accountId: string): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "S3ServerAccessLogsDelivery",
        Effect: "Allow",
        Principal: { Service: s3LoggingPrincipal },
        Action: "s3:PutObject",
        Resource: `${bucketArn}/*`,
        Condition: { StringEquals: { "aws:SourceAccount": accountId } },
      },
      tlsOnlyStatement(bucketArn),
    ],
  };
}

export interface AccessLogBucketArgs {
  /**
   * Days S3 keeps a log object.
   * @default 365
   */
  readonly expirationDays?: number;
  readonly tags?: Record<string, string>;
}

/**
 * The stack's bucket for S3 server access logs: every `SecureBucket` logs here, each under a prefix
 * of its own. Encrypted with SSE-S3: S3's log delivery cannot encrypt with the AWS-managed `aws/s3`
 * key, and a customer-managed key would need a key policy for the logging service. Objects belong to
 * the bucket owner whoever writes them (ACLs off), and expire.
 */
export class AccessLogBucket extends pulumi.ComponentResource {
  readonly bucketName: pulumi.Output<string>;

  constructor(name: string, args: AccessLogBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super("data-flywheel:aws:AccessLogBucket", name, {}, opts);
    const parent = { parent: this };
    const expirationDays = args.expirationDays ?? 365;
    if (!Number.isInteger(expirationDays) || expirationDays < 1) {
      throw new Error(`AccessLogBucket ${name}: expirationDays must be a whole number of days, at least 1 (got ${expirationDays})`);
    }
    const accountId = aws.getCallerIdentityOutput({}, parent).accountId;

    const bucket = new aws.s3.Bucket(name, { tags: args.tags ?? {} }, parent);
    new aws.s3.BucketServerSideEncryptionConfiguration(name, {
      bucket: bucket.id,
      rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
    }, parent);
    new aws.s3.BucketOwnershipControls(name, { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } }, parent);
    const publicAccess = new aws.s3.BucketPublicAccessBlock(name, { bucket: bucket.id, ...blockAllPublicAccess }, parent);
    new aws.s3.BucketPolicy(name, {
      bucket: bucket.id,
      policy: pulumi.all([bucket.arn, accountId]).apply(([arn, account]) => JSON.stringify(accessLogBucketPolicy(arn, account))),
    }, { parent: this, dependsOn: [publicAccess] });
    new aws.s3.BucketLifecycleConfiguration(name, {
      bucket: bucket.id,
      rules: [{ id: "expire-access-logs", status: "Enabled", filter: {}, expiration: { days: expirationDays } }],
    }, parent);

    this.bucketName = bucket.id;
    this.registerOutputs({ bucketName: this.bucketName });
  }

  /** Where one bucket's logs go: this bucket, under a prefix named after it. */
  targetFor(sourceBucket: string): AccessLogTarget {
    return { bucket: this.bucketName, prefix: `${sourceBucket}/` };
  }
}
