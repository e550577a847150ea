import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { policyConfig } from "../lib/config";
import { arrayOf } from "../lib/values";

export interface BucketCustomerManagedKeyConfig {
  /** Every bucket's default encryption must name a customer-managed KMS key, log destinations aside. */
  readonly requireCustomerManagedKeys: boolean;
}

export const bucketCustomerManagedKeyDefaults: BucketCustomerManagedKeyConfig = { requireCustomerManagedKeys: true };

const encryptionType = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration";
const loggingType = "aws:s3/bucketLogging:BucketLogging";

interface EncryptionRule {
  readonly applyServerSideEncryptionByDefault?: { readonly sseAlgorithm?: string; readonly kmsMasterKeyId?: string };
}

const fix = "Fix: set data-flywheel:aws.encryption.customerManagedKeys to true, which gives the stack's buckets its S3 key (README, \"Customer-managed keys\").";

/**
 * Objects in the stack's buckets (log-store snapshots) are encrypted with the stack's own S3 key,
 * whose key policy says who may use it. The one exception is a bucket that receives S3 server
 * access logs: S3 delivers those only to buckets encrypted with SSE-S3 (AES256), never SSE-KMS.
 */
export const bucketCustomerManagedKey: StackValidationPolicy = {
  name: "bucket-customer-managed-key",
  description:
    "S3 buckets' default encryption names a customer-managed KMS key; a bucket that receives server access logs uses SSE-S3, the only encryption S3 log delivery supports. " +
    "Mandatory in production (config requireCustomerManagedKeys; off in development).",
  enforcementLevel: "mandatory",
  severity: "medium",
  remediationSteps: "Set data-flywheel:aws.encryption.customerManagedKeys to true.",
  configSchema: {
    properties: {
      requireCustomerManagedKeys: {
        type: "boolean",
        default: bucketCustomerManagedKeyDefaults.requireCustomerManagedKeys,
        description: "Bucket default encryption must name a customer-managed KMS key.",
      },
    },
  },
  validateStack: (args, reportViolation) => {
    if (!policyConfig(args, bucketCustomerManagedKeyDefaults).requireCustomerManagedKeys) {
      return;
    }
    const logDestinations = new Set(args.resources.filter((r) => r.type === loggingType).map((r): unknown => r.props.targetBucket).filter((b): b is string => typeof b === "string"));
    const report = (resource: PolicyResource, message: string): void => reportViolation(message, resource.urn);
    for (const resource of args.resources.filter((r) => r.type === encryptionType)) {
      const bucket = typeof resource.props.bucket === "string" ? resource.props.bucket : resource.name;
      const rules = resource.props.rules as readonly EncryptionRule[] | undefined;
      for (const rule of arrayOf(rules)) {
        const sse = rule.applyServerSideEncryptionByDefault;
        const algorithm = sse?.sseAlgorithm ?? "unset";
        if (algorithm === "AES256" && logDestinations.has(bucket)) {
          continue;
        }
        if (!algorithm.startsWith("aws:kms")) {
          report(resource, `Bucket ${bucket} is encrypted with ${algorithm === "AES256" ? "S3's own key (SSE-S3)" : `sseAlgorithm ${algorithm}`}, and no bucket's server access logs go to it. ${fix}`);
        } else if (!sse?.kmsMasterKeyId || sse.kmsMasterKeyId.startsWith("alias/aws/")) {
          report(resource, `Bucket ${bucket} is encrypted with the AWS-managed aws/s3 key (no kmsMasterKeyId). ${fix}`);
        }
      }
    }
  },
};
