import type { RenderedStack } from "../../render/render-stack";
import { loadStackConfig, StackConfigError } from "../../stacks/config/load";
import { renderedStack, renderedVariant } from "../support/rendered-stacks";
import { input, named, ofType } from "../support/resources";
import { editedStack } from "../support/stack-config";

type Config = Record<string, unknown>;
const vpcOf = (c: Config): Config => (c["data-flywheel:aws"] as { vpc: Config }).vpc;
const devWithFlowLogs = (): ReturnType<typeof editedStack> => editedStack("dev", (c) => (vpcOf(c).flowLogs = { enabled: true, retentionDays: 30, trafficType: "REJECT" }));

let prod: RenderedStack;
let dev: RenderedStack;

beforeAll(async () => {
  // One after the other: a render installs the Pulumi mocks for its whole process.
  prod = await renderedStack("prod");
  dev = await renderedStack("dev");
});

const policyOf = (stack: RenderedStack, type: string, name: string): { Statement: Record<string, unknown>[] } =>
  JSON.parse(String(input(named(stack.resources, type, name), "policy"))) as { Statement: Record<string, unknown>[] };

describe("VPC flow logs", () => {
  it("prod records all of the VPC's traffic to a log group of its own, kept 90 days", () => {
    const flowLog = named(prod.resources, "aws:ec2/flowLog:FlowLog", "flywheel-vpc-flow-logs");
    expect(input(flowLog, "vpcId")).toBe("flywheel-vpc-id");
    expect(input(flowLog, "trafficType")).toBe("ALL");
    expect(input(flowLog, "logDestinationType")).toBe("cloud-watch-logs");
    expect(input(flowLog, "logDestination")).toEqual(expect.stringContaining("flywheel-vpc-flow-logs"));
    const group = named(prod.resources, "aws:cloudwatch/logGroup:LogGroup", "flywheel-vpc-flow-logs");
    expect(input(group, "retentionInDays")).toBe(90);
    expect(input(group, "name")).toBe("/aws/vpc/data-flywheel-prod/flow-logs");
  });

  it("writes with a role only the flow-log service assumes, allowed to write that one group's streams", () => {
    const trust = JSON.parse(String(input(named(prod.resources, "aws:iam/role:Role", "flywheel-vpc-flow-logs"), "assumeRolePolicy"))) as { Statement: Record<string, unknown>[] };
    expect(trust.Statement).toEqual([expect.objectContaining({ Principal: { Service: "vpc-flow-logs.amazonaws.com" }, Action: "sts:AssumeRole" })]);
    const { Statement } = policyOf(prod, "aws:iam/rolePolicy:RolePolicy", "flywheel-vpc-flow-logs");
    const groupArn = String(input(named(prod.resources, "aws:ec2/flowLog:FlowLog", "flywheel-vpc-flow-logs"), "logDestination"));
    expect(Statement).toEqual([{ Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"], Resource: [groupArn, `${groupArn}:*`] }]);
  });

  it("dev has none unless its stack file turns them on, with its own retention and traffic type", async () => {
    expect(ofType(dev.resources, "aws:ec2/flowLog:FlowLog")).toEqual([]);
    const withFlowLogs = await renderedVariant("dev-flow-logs", devWithFlowLogs);
    expect(input(named(withFlowLogs.resources, "aws:ec2/flowLog:FlowLog", "flywheel-vpc-flow-logs"), "trafficType")).toBe("REJECT");
    expect(input(named(withFlowLogs.resources, "aws:cloudwatch/logGroup:LogGroup", "flywheel-vpc-flow-logs"), "retentionInDays")).toBe(30);
  });

  it("production refuses them off, and any stack a retention CloudWatch does not offer", () => {
    const problems = (stack: string, flowLogs: Config): readonly string[] => {
      try {
        loadStackConfig(editedStack(stack, (c) => (vpcOf(c).flowLogs = flowLogs)), "placeholder");
        return [];
      } catch (error) {
        if (error instanceof StackConfigError) {
          return error.problems;
        }
        throw error;
      }
    };
    expect(problems("prod", { enabled: false })).toContainEqual(expect.stringMatching(/^data-flywheel:aws\.vpc\.flowLogs\.enabled: must be true in production/));
    expect(problems("dev", { enabled: true, retentionDays: 100 })).toEqual([expect.stringMatching(/^data-flywheel:aws\.vpc\.flowLogs\.retentionDays: must be a CloudWatch retention period \(1, 3, 5/)]);
  });
});

describe("S3 buckets", () => {
  const snapshots = "platform-data-snapshots";
  const logs = "platform-access-logs";

  it("the snapshot bucket keeps the URNs its resources had before SecureBucket declared them", () => {
    for (const type of ["bucket:Bucket", "bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "bucketPublicAccessBlock:BucketPublicAccessBlock", "bucketVersioning:BucketVersioning"]) {
      const resource = named(prod.resources, `aws:s3/${type}`, snapshots);
      expect(resource.options?.aliasUrns).toContain(`urn:pulumi:prod::data-flywheel::data-flywheel:platform:FlywheelPlatform$data-flywheel:platform:LogStore$aws:s3/${type}::${snapshots}`);
    }
  });

  it("the snapshot bucket is private, TLS-only, versioned, encrypted with KMS and logs to the stack's log bucket", () => {
    expect(input(named(prod.resources, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", snapshots))).toMatchObject({
      blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true,
    });
    expect(policyOf(prod, "aws:s3/bucketPolicy:BucketPolicy", snapshots).Statement).toEqual([
      expect.objectContaining({ Effect: "Deny", Action: "s3:*", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
    ]);
    expect(input(named(prod.resources, "aws:s3/bucketVersioning:BucketVersioning", snapshots), "versioningConfiguration")).toEqual({ status: "Enabled" });
    expect(input(named(prod.resources, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", snapshots), "rules", "0", "applyServerSideEncryptionByDefault", "sseAlgorithm")).toBe("aws:kms");
    const logging = named(prod.resources, "aws:s3/bucketLogging:BucketLogging", snapshots);
    expect(input(logging, "targetBucket")).toBe(`${logs}-id`);
    expect(input(logging, "targetPrefix")).toBe("data-flywheel-prod-log-snapshots-us-east-1/");
    expect(input(named(prod.resources, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", snapshots), "rules", "0", "noncurrentVersionExpiration")).toEqual({ noncurrentDays: 30 });
  });

  it("the log bucket takes S3's log delivery from this account only, over TLS, with SSE-S3, no ACLs and an expiry", () => {
    expect(input(named(prod.resources, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", logs), "rules")).toEqual([
      { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
    ]);
    expect(input(named(prod.resources, "aws:s3/bucketOwnershipControls:BucketOwnershipControls", logs), "rule")).toEqual({ objectOwnership: "BucketOwnerEnforced" });
    const [delivery, tls] = policyOf(prod, "aws:s3/bucketPolicy:BucketPolicy", logs).Statement;
    expect(delivery).toMatchObject({ Effect: "Allow", Principal: { Service: "logging.s3.amazonaws.com" }, Action: "s3:PutObject", Condition: { StringEquals: { "aws:SourceAccount": "111122223333" } } });
    expect(tls).toMatchObject({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } });
    expect(input(named(prod.resources, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", logs), "rules", "0", "expiration")).toEqual({ days: 365 });
  });

  it("dev's buckets are the snapshot and backup buckets and their access logs; a stack without snapshots or backups creates no bucket at all", async () => {
    expect(ofType(dev.resources, "aws:s3/bucket:Bucket").map((b) => b.name).sort()).toEqual(["platform-access-logs", "platform-backups", "platform-data-snapshots"]);
    const withoutBackups = await renderedVariant("dev-without-backups", () =>
      editedStack("dev", (c) => {
        const platform = c["data-flywheel:platform"] as { elasticsearch: Config; backups: Config };
        platform.elasticsearch.snapshots = false;
        platform.backups.enabled = false;
      }),
    );
    expect(ofType(withoutBackups.resources, "aws:s3/bucket:Bucket")).toEqual([]);
  });
});
