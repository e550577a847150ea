import { bucketCustomerManagedKey } from "../../policies/bucket-customer-managed-key";
import { stackViolations } from "../support/policy-review";
import { edit, stackKeyArn, type TestResource } from "../support/fixtures";

const encryptionType = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration";

/** The snapshot bucket's default encryption as production renders it: SSE-KMS with the stack's S3 key. */
const snapshotEncryption = (): TestResource => ({
  type: encryptionType,
  name: "platform-data-snapshots",
  props: { bucket: "data-flywheel-prod-log-snapshots", rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: stackKeyArn("s3") }, bucketKeyEnabled: true }] },
});

/** The access log bucket: SSE-S3, and the snapshot bucket's logs go to it. */
const accessLogs = (): TestResource[] => [
  { type: encryptionType, name: "platform-access-logs", props: { bucket: "platform-access-logs", rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] } },
  { type: "aws:s3/bucketLogging:BucketLogging", name: "platform-data-snapshots", props: { bucket: "data-flywheel-prod-log-snapshots", targetBucket: "platform-access-logs", targetPrefix: "snapshots/" } },
];

const fix = 'Fix: set data-flywheel:aws.encryption.customerManagedKeys to true, which gives the stack\'s buckets its S3 key (README, "Customer-managed keys").';

describe("bucket-customer-managed-key", () => {
  it("passes a bucket on the stack's key and an SSE-S3 bucket that receives access logs", async () => {
    expect(await stackViolations(bucketCustomerManagedKey, [snapshotEncryption(), ...accessLogs()])).toEqual([]);
  });

  it("catches a bucket on the AWS-managed aws/s3 key", async () => {
    expect(await stackViolations(bucketCustomerManagedKey, [edit(snapshotEncryption(), "props.rules.0.applyServerSideEncryptionByDefault.kmsMasterKeyId", undefined)])).toEqual([
      { message: `Bucket data-flywheel-prod-log-snapshots is encrypted with the AWS-managed aws/s3 key (no kmsMasterKeyId). ${fix}`, resource: "platform-data-snapshots" },
    ]);
  });

  it("catches SSE-S3 on a bucket no access logs go to", async () => {
    const [logEncryption] = accessLogs();
    expect(await stackViolations(bucketCustomerManagedKey, [logEncryption])).toEqual([
      { message: `Bucket platform-access-logs is encrypted with S3's own key (SSE-S3), and no bucket's server access logs go to it. ${fix}`, resource: "platform-access-logs" },
    ]);
  });

  it("in development, accepts AWS-managed keys", async () => {
    const awsManaged = edit(snapshotEncryption(), "props.rules.0.applyServerSideEncryptionByDefault.kmsMasterKeyId", undefined);
    expect(await stackViolations(bucketCustomerManagedKey, [awsManaged], { requireCustomerManagedKeys: false })).toEqual([]);
  });
});
