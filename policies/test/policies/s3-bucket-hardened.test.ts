import { deniesInsecureTransport, s3BucketHardened } from "../../policies/s3-bucket-hardened";
import { stackViolations } from "../support/policy-review";
import type { TestResource } from "../support/fixtures";

const tlsOnly = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Deny", Principal: { AWS: "*" }, Action: "s3:*", Resource: "*", Condition: { Bool: { "aws:SecureTransport": "false" } } }],
});

/** A bucket and its settings as the offline render records them: each setting names the bucket by its id `<name>-id`. */
function hardenedBucket(name: string, logTarget = "access-logs-id"): TestResource[] {
  const bucket = `${name}-id`;
  return [
    { type: "aws:s3/bucket:Bucket", name, props: { bucket: `acme-${name}` } },
    { type: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", name, props: { bucket, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true } },
    { type: "aws:s3/bucketPolicy:BucketPolicy", name, props: { bucket, policy: tlsOnly } },
    { type: "aws:s3/bucketLogging:BucketLogging", name, props: { bucket, targetBucket: logTarget, targetPrefix: `${name}/` } },
    { type: "aws:s3/bucketVersioning:BucketVersioning", name, props: { bucket, versioningConfiguration: { status: "Enabled" } } },
  ];
}

/** The stack's log bucket: private and TLS-only, and neither logged nor versioned. */
const logBucket: TestResource[] = hardenedBucket("access-logs").filter((r) => !r.type.includes("Logging") && !r.type.includes("Versioning"));

const without = (resources: TestResource[], type: string): TestResource[] => resources.filter((r) => r.type !== type);

describe("s3-bucket-hardened", () => {
  it("passes a private, TLS-only, logged, versioned bucket and the log bucket it logs to", async () => {
    expect(await stackViolations(s3BucketHardened, [...hardenedBucket("snapshots"), ...logBucket])).toEqual([]);
  });

  it("matches settings to their bucket by its name too, as a preview's outputs name it", async () => {
    const byName = hardenedBucket("snapshots").map((r) => (r.type === "aws:s3/bucket:Bucket" ? r : { ...r, props: { ...r.props, bucket: "acme-snapshots" } }));
    expect(await stackViolations(s3BucketHardened, [...byName, ...logBucket])).toEqual([]);
  });

  it("catches a bucket without a public access block, or with one setting off", async () => {
    expect(await stackViolations(s3BucketHardened, [...without(hardenedBucket("snapshots"), "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"), ...logBucket])).toEqual([
      {
        message: 'S3 bucket "snapshots" does not block public access (blockPublicAcls, blockPublicPolicy, ignorePublicAcls, restrictPublicBuckets not true). Fix: add a BucketPublicAccessBlock with all four settings true.',
        resource: "snapshots",
      },
    ]);
    const oneOff = hardenedBucket("snapshots").map((r) => (r.type.includes("PublicAccessBlock") ? { ...r, props: { ...r.props, restrictPublicBuckets: false } } : r));
    expect(await stackViolations(s3BucketHardened, [...oneOff, ...logBucket])).toEqual([expect.objectContaining({ message: expect.stringContaining("(restrictPublicBuckets not true)") })]);
  });

  it("catches a bucket that accepts plain HTTP", async () => {
    expect(await stackViolations(s3BucketHardened, [...without(hardenedBucket("snapshots"), "aws:s3/bucketPolicy:BucketPolicy"), ...logBucket])).toEqual([
      { message: 'S3 bucket "snapshots" accepts requests over plain HTTP. Fix: add a bucket policy statement denying s3:* when aws:SecureTransport is false.', resource: "snapshots" },
    ]);
  });

  it("catches a data bucket without access logging or versioning, and a bucket of another bucket's settings does not count", async () => {
    const stack = [...without(without(hardenedBucket("snapshots"), "aws:s3/bucketLogging:BucketLogging"), "aws:s3/bucketVersioning:BucketVersioning"), ...hardenedBucket("other"), ...logBucket];
    expect((await stackViolations(s3BucketHardened, stack)).map((v) => `${v.resource}: ${v.message.split(".")[0]}`)).toEqual([
      "snapshots: S3 bucket \"snapshots\" has no server access logging, so nobody can tell who read or deleted its objects",
      "snapshots: S3 bucket \"snapshots\" holds data but is not versioned: an overwrite or delete loses it",
    ]);
  });

  it("reads a TLS-only statement from a policy string or document, and nothing else", () => {
    expect(deniesInsecureTransport(tlsOnly)).toBe(true);
    expect(deniesInsecureTransport(JSON.parse(tlsOnly))).toBe(true);
    expect(deniesInsecureTransport(tlsOnly.replace('"Deny"', '"Allow"'))).toBe(false);
    expect(deniesInsecureTransport("not json")).toBe(false);
  });
});
