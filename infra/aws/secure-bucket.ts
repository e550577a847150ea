import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { PolicyDocument } from "./iam-policies";

/** Where a bucket's server access logs go: a bucket of the stack's `AccessLogBucket`, under a prefix of its own. */
export interface AccessLogTarget {
  /** Name (id) of the bucket that receives the logs. */
  readonly bucket: pulumi.Input<string>;
  /** Key prefix of this bucket's log objects, ending in `/`. */
  readonly prefix: string;
}

/**
 * A bucket policy that refuses every request over plain HTTP, whoever makes it: a Deny wins over any
 * Allow, so no role's policy can reopen it.
 */
export function tlsOnlyStatement(bucketArn: string): PolicyDocument["Statement"][number] {
  return {
    Sid: "DenyInsecureTransport",
    Effect: "Deny",
    Principal: { AWS: "*" },
    Action: "s3:*",
    Resource: [bucketArn, `${bucketArn}/*`],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  };
}

/** Every setting of a full S3 public access block: none of ACLs, policies or grants may make the bucket public. */
export const blockAllPublicAccess = { blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true } as const;

export interface SecureBucketArgs {
  /**
   * The bucket's S3 name.
   * @default a name Pulumi generates from the resource name
   */
  readonly bucketName?: string;
  /**
   * Customer-managed KMS key for default encryption.
   * @default SSE-KMS with the AWS-managed `aws/s3` key
   */
  readonly kmsKeyArn?: pulumi.Input<string>;
  /** Keep old versions of overwritten and deleted objects: on for a bucket that holds data. */
  readonly versioning: boolean;
  /**
   * Days a noncurrent version is kept before S3 deletes it; needs `versioning`.
   * @default kept until deleted by hand
   */
  readonly noncurrentVersionExpirationDays?: number;
  /** Where S3 writes the bucket's server access logs. */
  readonly accessLogs: AccessLogTarget;
  /**
   * Leave the bucket and its settings in AWS on `pulumi destroy` (its data outlives the stack).
   * @default false
   */
  readonly retainOnDelete?: boolean;
  /**
   * The component that declared the bucket's resources before this one did: each keeps the URN it
   * had under it, so `pulumi up` updates them in place instead of deleting the bucket and its data.
   * The resources must keep the names they had there (this component's name).
   * @default none: the resources are new
   */
  readonly formerParent?: pulumi.Resource;
  readonly tags?: Record<string, string>;
}

/**
 * A private S3 bucket: public access blocked, encrypted by default with KMS, reachable over TLS
 * only, server access logs to the stack's log bucket, versioned when it holds data.
 */
export class SecureBucket extends pulumi.ComponentResource {
  /** The bucket's S3 name, which is also its id. */
  readonly bucketName: pulumi.Output<string>;
  readonly arn: pulumi.Output<string>;
  /** The bucket and the settings that must exist before anything writes to it. */
  readonly resources: readonly pulumi.Resource[];

  constructor(name: string, args: SecureBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super("data-flywheel:aws:SecureBucket", name, {}, opts);
    if (args.noncurrentVersionExpirationDays !== undefined && !args.versioning) {
      throw new Error(`SecureBucket ${name}: noncurrentVersionExpirationDays needs versioning (an unversioned bucket has no noncurrent versions)`);
    }
    const child: pulumi.CustomResourceOptions = {
      parent: this,
      ...(args.retainOnDelete ? { retainOnDelete: true } : {}),
      ...(args.formerParent ? { aliases: [{ parent: args.formerParent }] } : {}),
    };
    const tags = args.tags ?? {};

    const bucket = new aws.s3.Bucket(name, { ...(args.bucketName ? { bucket: args.bucketName } : {}), tags }, child);
    const encryption = new aws.s3.BucketServerSideEncryptionConfiguration(name, {
      bucket: bucket.id,
      rules: [{
        applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", ...(args.kmsKeyArn ? { kmsMasterKeyId: args.kmsKeyArn } : {}) },
        // One data key per bucket instead of one KMS call per object.
        bucketKeyEnabled: true,
      }],
    }, child);
    const publicAccess = new aws.s3.BucketPublicAccessBlock(name, { bucket: bucket.id, ...blockAllPublicAccess }, child);
    const resources: pulumi.Resource[] = [bucket, encryption, publicAccess];
    if (args.versioning) {
      resources.push(new aws.s3.BucketVersioning(name, { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } }, child));
    }
    // New resources: no alias. S3 refuses a policy change while the public access block is being set.
    const added = { parent: this, ...(args.retainOnDelete ? { retainOnDelete: true } : {}) };
    resources.push(new aws.s3.BucketPolicy(name, {
      bucket: bucket.id,
      policy: bucket.arn.apply((arn) => JSON.stringify({ Version: "2012-10-17", Statement: [tlsOnlyStatement(arn)] } satisfies PolicyDocument)),
    }, { ...added, dependsOn: [publicAccess] }));
    new aws.s3.BucketLogging(name, { bucket: bucket.id, targetBucket: args.accessLogs.bucket, targetPrefix: args.accessLogs.prefix }, added);
    if (args.noncurrentVersionExpirationDays !== undefined) {
      new aws.s3.BucketLifecycleConfiguration(name, {
        bucket: bucket.id,
        rules: [{
          id: "expire-noncurrent-versions",
          status: "Enabled",
          filter: {},
          noncurrentVersionExpiration: { noncurrentDays: args.noncurrentVersionExpirationDays },
          abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
        }],
      }, { ...added, dependsOn: resources });
    }

    this.bucketName = bucket.id;
    this.arn = bucket.arn;
    this.resources = resources;
    this.registerOutputs({ bucketName: this.bucketName, arn: this.arn });
  }
}
