import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { refersTo } from "../lib/references";
import { isRecord } from "../lib/values";

const bucketTypes = new Set(["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"]);
const publicAccessBlockType = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock";
const policyType = "aws:s3/bucketPolicy:BucketPolicy";
const loggingTypes = new Set(["aws:s3/bucketLogging:BucketLogging", "aws:s3/bucketLoggingV2:BucketLoggingV2"]);
const versioningTypes = new Set(["aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketVersioningV2:BucketVersioningV2"]);
const publicAccessFlags = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"] as const;

/** True when a bucket policy document denies every request made without TLS. */
export function deniesInsecureTransport(policy: unknown): boolean {
  let document: unknown = policy;
  if (typeof policy === "string") {
    try {
      document = JSON.parse(policy);
    } catch {
      return false;
    }
  }
  const statements = isRecord(document) ? document.Statement : undefined;
  return (Array.isArray(statements) ? statements : [statements]).some((s) => {
    if (!isRecord(s) || s.Effect !== "Deny" || !isRecord(s.Condition) || !isRecord(s.Condition.Bool)) {
      return false;
    }
    const flag = s.Condition.Bool["aws:SecureTransport"];
    return flag === false || flag === "false";
  });
}

/**
 * Every bucket the stack creates is private, TLS-only and logged, and a bucket that holds data is
 * versioned. A bucket's settings are separate resources that name it by id, so this reads the
 * stack as a whole. A bucket that receives other buckets' access logs is the end of the chain: it
 * logs nowhere, and its objects are written once, so it needs no versioning.
 */
export const s3BucketHardened: StackValidationPolicy = {
  name: "s3-bucket-hardened",
  description:
    "Every S3 bucket has a public access block with all four settings on, a bucket policy denying requests without TLS (aws:SecureTransport false), " +
    "server access logging, and versioning unless it is the stack's access-log bucket. Mandatory: snapshots of the production logs are the stack's data at rest.",
  enforcementLevel: "mandatory",
  severity: "medium",
  remediationSteps: "Declare the bucket with SecureBucket (infra/aws/secure-bucket.ts), which adds each of these and logs to the stack's AccessLogBucket.",
  validateStack: (args, reportViolation) => {
    const of = (types: ReadonlySet<string> | string, bucket: PolicyResource): PolicyResource[] =>
      args.resources.filter((r) => (typeof types === "string" ? r.type === types : types.has(r.type)) && refersTo(r.props.bucket, bucket));
    const buckets = args.resources.filter((r) => bucketTypes.has(r.type));
    const logTargets: unknown[] = args.resources.filter((r) => loggingTypes.has(r.type)).map((r): unknown => r.props.targetBucket);
    for (const bucket of buckets) {
      const label = `S3 bucket "${bucket.name}"`;
      const isLogTarget = logTargets.some((target) => refersTo(target, bucket));
      const blocks = of(publicAccessBlockType, bucket);
      const open = publicAccessFlags.filter((flag) => !blocks.some((b) => b.props[flag] === true));
      if (open.length > 0) {
        reportViolation(`${label} does not block public access (${open.join(", ")} not true). Fix: add a BucketPublicAccessBlock with all four settings true.`, bucket.urn);
      }
      if (!of(policyType, bucket).some((p) => deniesInsecureTransport(p.props.policy))) {
        reportViolation(`${label} accepts requests over plain HTTP. Fix: add a bucket policy statement denying s3:* when aws:SecureTransport is false.`, bucket.urn);
      }
      if (!isLogTarget && of(loggingTypes, bucket).length === 0) {
        reportViolation(`${label} has no server access logging, so nobody can tell who read or deleted its objects. Fix: add a BucketLogging to the stack's access-log bucket.`, bucket.urn);
      }
      const versioned = of(versioningTypes, bucket).some((v) => isRecord(v.props.versioningConfiguration) && v.props.versioningConfiguration.status === "Enabled");
      if (!isLogTarget && !versioned) {
        reportViolation(`${label} holds data but is not versioned: an overwrite or delete loses it. Fix: add a BucketVersioning with status Enabled.`, bucket.urn);
      }
    }
  },
};
