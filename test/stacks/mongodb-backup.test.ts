import type { RenderedStack } from "../../render/render-stack";
import { renderedStack } from "../support/rendered-stacks";
import { input, named, ofType } from "../support/resources";

let prod: RenderedStack;
let dev: RenderedStack;
let local: RenderedStack;

beforeAll(async () => {
  // One render at a time: the program's mocks are per process.
  prod = await renderedStack("prod");
  dev = await renderedStack("dev");
  local = await renderedStack("local");
});

const backupCronJob = (stack: RenderedStack) => stack.manifests.find((m) => m.kind === "CronJob" && m.metadata.name === "mongodb-backup");

interface PodSpec {
  readonly initContainers: { readonly image: string; readonly args: string[] }[];
  readonly containers: { readonly args: string[] }[];
  readonly serviceAccountName: string;
}

describe("MongoDB backups in the rendered stacks", () => {
  it("prod dumps MongoDB nightly into its own backup bucket under mongodb/", () => {
    const cronJob = backupCronJob(prod)!;
    expect(cronJob.metadata.namespace).toBe("data");
    const spec = cronJob.spec as { schedule: string; jobTemplate: { spec: { template: { spec: PodSpec } } } };
    expect(spec.schedule).toBe("0 2 * * *");
    const pod = spec.jobTemplate.spec.template.spec;
    expect(pod.initContainers[0].image).toBe("mongo:8.0.32");
    expect(pod.initContainers[0].args).toContain("--tlsCAFile=/etc/mongodb-ca/ca.crt");
    expect(pod.containers[0].args).toEqual(expect.arrayContaining(["--bucket", "data-flywheel-prod-backups-us-east-1", "--key", "mongodb/$(BACKUP_JOB_NAME).archive.gz", "--region", "us-east-1"]));
    expect(pod.serviceAccountName).toBe("mongodb-backup");
  });

  it("keeps prod's archives 30 days with a rule on MongoDB's prefix, in a bucket with the stack's key", () => {
    const lifecycle = named(prod.resources, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "platform-backups");
    expect(input(lifecycle, "rules")).toEqual([expect.objectContaining({ id: "expire-mongodb", filter: { prefix: "mongodb/" }, expiration: { days: 30 } })]);
    expect(input(named(prod.resources, "aws:s3/bucket:Bucket", "platform-backups"), "bucket")).toBe("data-flywheel-prod-backups-us-east-1");
    const encryption = named(prod.resources, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "platform-backups");
    expect(JSON.stringify(input(encryption, "rules"))).toContain("flywheel-keys-s3");
  });

  it("lets the backup's role write MongoDB's prefix only (and abandon a multipart upload there), and use the bucket's key", () => {
    const policy = JSON.parse(String(input(named(prod.resources, "aws:iam/rolePolicy:RolePolicy", "platform-mongodb-backup-writer"), "policy"))) as { Statement: unknown[] };
    expect(policy.Statement).toEqual([
      { Effect: "Allow", Action: ["s3:PutObject", "s3:AbortMultipartUpload"], Resource: "arn:aws:s3:::data-flywheel-prod-backups-us-east-1/mongodb/*" },
      { Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Encrypt", "kms:Decrypt"], Resource: "arn:aws:kms:us-east-1:123456789012:flywheel-keys-s3" },
    ]);
    const trust = String(input(named(prod.resources, "aws:iam/role:Role", "platform-mongodb-backup-writer"), "assumeRolePolicy"));
    expect(trust).toContain("system:serviceaccount:data:mongodb-backup");
  });

  it("keeps the password out of the CronJob: mongodump's config file comes from a Secret", () => {
    expect(JSON.stringify(backupCronJob(prod))).not.toMatch(/password:/);
    expect(prod.manifests.some((m) => m.kind === "Secret" && m.metadata.name === "mongodb-backup-dump-config")).toBe(true);
  });

  it("alerts on a late MongoDB backup in prod", () => {
    const rules = prod.manifests.filter((m) => m.kind === "PrometheusRule").flatMap((m) => (m.spec as { groups: { rules: { alert?: string; labels?: Record<string, string> }[] }[] }).groups.flatMap((g) => g.rules));
    expect(rules.filter((r) => r.alert === "FlywheelBackupLate" && r.labels?.store === "mongodb").map((r) => r.labels?.reason)).toEqual(["late", "never-succeeded"]);
  });

  it("dev dumps MongoDB nightly too, into a backup bucket of its own that keeps the dumps 7 days", () => {
    expect((backupCronJob(dev)!.spec as { schedule: string }).schedule).toBe("0 2 * * *");
    const lifecycle = ofType(dev.resources, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").filter((r) => r.name.endsWith("-backups"));
    expect(JSON.stringify(lifecycle.map((r) => r.inputs))).toContain('"days":7');
  });

  it("backs up nothing in local (no object store)", () => {
    expect(backupCronJob(local)).toBeUndefined();
    expect(ofType(local.resources, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").filter((r) => r.name.endsWith("-backups"))).toEqual([]);
  });
});
