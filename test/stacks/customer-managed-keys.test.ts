import type { RenderedStack } from "../../render/render-stack";
import { loadStackConfig, StackConfigError } from "../../stacks/config/load";
import { renderedStack } from "../support/rendered-stacks";
import { input, named, ofType } from "../support/resources";
import { editedStack } from "../support/stack-config";

let prod: RenderedStack;
let dev: RenderedStack;

beforeAll(async () => {
  // One after the other: a render installs the Pulumi mocks for its whole process.
  prod = await renderedStack("prod");
  dev = await renderedStack("dev");
});

const keyArn = (purpose: string): string => `arn:aws:kms:us-east-1:123456789012:flywheel-keys-${purpose}`;

describe("customer-managed keys", () => {
  it("prod has one rotating key per kind of data, each with an alias named after the cluster", () => {
    for (const purpose of ["ebs", "efs", "rds", "s3"]) {
      const key = named(prod.resources, "aws:kms/key:Key", `flywheel-keys-${purpose}`);
      expect(input(key, "enableKeyRotation")).toBe(true);
      expect(input(key, "deletionWindowInDays")).toBe(30);
      expect(input(named(prod.resources, "aws:kms/alias:Alias", `flywheel-keys-${purpose}`), "name")).toBe(`alias/data-flywheel-prod-${purpose}`);
    }
  });

  it("prod encrypts every node root volume and every EBS StorageClass's volumes with the EBS key", () => {
    const templates = ofType(prod.resources, "aws:ec2/launchTemplate:LaunchTemplate");
    expect(templates.length).toBeGreaterThan(0);
    for (const template of templates) {
      expect(input(template, "blockDeviceMappings", "0", "ebs", "kmsKeyId")).toBe(keyArn("ebs"));
    }
    const ebsClasses = prod.manifests.filter((o) => o.kind === "StorageClass" && o.provisioner === "ebs.csi.aws.com");
    expect(ebsClasses.map((o) => o.metadata.name).sort()).toEqual(["gp3-encrypted", "gp3-encrypted-retain"]);
    for (const storageClass of ebsClasses) {
      expect((storageClass.parameters as Record<string, string>).kmsKeyId).toBe(keyArn("ebs"));
    }
  });

  it("gives the EBS CSI driver's role the EBS key's use and AWS-resource grants", () => {
    const policy = JSON.parse(String(input(named(prod.resources, "aws:iam/rolePolicy:RolePolicy", "flywheel-addons-ebs-csi"), "policy"))) as { Statement: { Action: string[]; Resource: string }[] };
    expect(policy.Statement.flatMap((s) => s.Action)).toEqual(expect.arrayContaining(["kms:CreateGrant", "kms:Decrypt", "kms:GenerateDataKey*"]));
    expect(policy.Statement.every((s) => s.Resource === keyArn("ebs"))).toBe(true);
  });

  it("prod puts EFS, RDS and the snapshot bucket on their own keys", () => {
    expect(input(named(prod.resources, "aws:efs/fileSystem:FileSystem", "flywheel-models"), "kmsKeyId")).toBe(keyArn("efs"));
    expect(input(named(prod.resources, "aws:rds/instance:Instance", "nemo-postgres"), "kmsKeyId")).toBe(keyArn("rds"));
    const sse = named(prod.resources, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "platform-data-snapshots");
    expect(input(sse, "rules", "0", "applyServerSideEncryptionByDefault")).toEqual({ sseAlgorithm: "aws:kms", kmsMasterKeyId: keyArn("s3") });
  });

  it("dev, which does not ask for them, keeps AWS-managed keys and has no stack keys", () => {
    expect(ofType(dev.resources, "aws:kms/key:Key").map((k) => k.name)).not.toContainEqual(expect.stringMatching(/^flywheel-keys-/));
    for (const template of ofType(dev.resources, "aws:ec2/launchTemplate:LaunchTemplate")) {
      expect(input(template, "blockDeviceMappings", "0", "ebs", "kmsKeyId")).toBeUndefined();
    }
    expect(ofType(dev.resources, "aws:iam/rolePolicy:RolePolicy").map((p) => p.name)).not.toContain("flywheel-addons-ebs-csi");
  });

  it("production refuses a stack without them, naming the key", () => {
    const source = editedStack("prod", (c) => ((c["data-flywheel:aws"] as { encryption: unknown }).encryption = { customerManagedKeys: false }));
    let problems: readonly string[] = [];
    try {
      loadStackConfig(source, "placeholder");
    } catch (error) {
      if (!(error instanceof StackConfigError)) {
        throw error;
      }
      problems = error.problems;
    }
    expect(problems).toContainEqual(expect.stringMatching(/^data-flywheel:aws\.encryption\.customerManagedKeys: must be true in production/));
  });
});
