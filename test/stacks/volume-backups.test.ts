import productionPolicies from "../../policies/config/production.json";
import { backupManagedPolicyArns, backupPlanRule, backupSelectionTags, backupTagParameter, volumeBackupTag } from "../../infra/aws/volume-backups";
import type { RenderedStack } from "../../render/render-stack";
import { loadStackConfig, StackConfigError } from "../../stacks/config/load";
import { productionBackupRetentionDays } from "../../stacks/config/schema/aws";
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

const backupTypes = ["aws:backup/vault:Vault", "aws:backup/plan:Plan", "aws:backup/selection:Selection"];

function storageClassParameters(stack: RenderedStack, name: string): Record<string, string> {
  const found = stack.manifests.find((o) => o.kind === "StorageClass" && o.metadata.name === name);
  if (!found) {
    throw new Error(`no StorageClass ${name}`);
  }
  return found.parameters as Record<string, string>;
}

function problemsOf(stack: string, backups: Record<string, unknown>): readonly string[] {
  const source = editedStack(stack, (c) => ((c["data-flywheel:aws"] as { backups?: unknown }).backups = backups));
  try {
    loadStackConfig(source, "placeholder");
  } catch (error) {
    if (error instanceof StackConfigError) {
      return error.problems;
    }
    throw error;
  }
  return [];
}

describe("volume backup helpers", () => {
  it("keeps each recovery point the configured days, on the configured schedule", () => {
    expect(backupPlanRule("vault", { retentionDays: 35, schedule: "cron(0 5 ? * * *)" })).toMatchObject({
      targetVaultName: "vault",
      schedule: "cron(0 5 ? * * *)",
      lifecycle: { deleteAfter: 35 },
    });
  });

  it("refuses a retention shorter than a day", () => {
    expect(() => backupPlanRule("vault", { retentionDays: 0, schedule: "cron(0 5 ? * * *)" })).toThrow(/at least 1; got 0/);
  });

  it("selects by exactly the tag the StorageClass parameter writes", () => {
    const [key, value] = backupTagParameter().tagSpecification_1.split("=");
    expect(backupSelectionTags()).toEqual([{ type: "STRINGEQUALS", key, value }]);
    expect({ key, value }).toEqual(volumeBackupTag);
  });
});

describe("volume backups", () => {
  it("prod's selection names the tag the retained StorageClass gives its volumes", () => {
    const [key, value] = storageClassParameters(prod, "gp3-encrypted-retain").tagSpecification_1.split("=");
    const selection = named(prod.resources, "aws:backup/selection:Selection", "flywheel-backups-volumes");
    expect(input(selection, "selectionTags")).toEqual([{ type: "STRINGEQUALS", key, value }]);
    expect(input(selection, "resources")).toBeUndefined();
    // The other class's volumes are scratch space and model caches: not backed up.
    expect(storageClassParameters(prod, "gp3-encrypted").tagSpecification_1).toBeUndefined();
  });

  it("prod backs up the EFS file system by ARN, daily, for 35 days, into a vault under the stack's backup key", () => {
    // Its own selection: in one with tag conditions, AWS Backup would narrow the ARN by the tag.
    const selection = named(prod.resources, "aws:backup/selection:Selection", "flywheel-backups-file-system");
    expect(input(selection, "resources")).toEqual(["arn:aws:efs:us-east-1:123456789012:flywheel-models"]);
    expect(input(selection, "selectionTags")).toBeUndefined();
    const plan = named(prod.resources, "aws:backup/plan:Plan", "flywheel-backups");
    expect(input(plan, "rules")).toEqual([expect.objectContaining({ schedule: "cron(0 5 ? * * *)", lifecycle: { deleteAfter: 35 }, targetVaultName: "data-flywheel-prod-volumes" })]);
    const vault = named(prod.resources, "aws:backup/vault:Vault", "flywheel-backups");
    expect(input(vault, "kmsKeyArn")).toBe("arn:aws:kms:us-east-1:123456789012:flywheel-keys-backup");
  });

  it("prod's selection role is AWS Backup's, with the managed backup and restore policies", () => {
    const role = named(prod.resources, "aws:iam/role:Role", "flywheel-backups");
    expect(JSON.parse(String(input(role, "assumeRolePolicy")))).toEqual({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { Service: "backup.amazonaws.com" }, Action: "sts:AssumeRole" }],
    });
    const attached = ["backup", "restores"].map((id) => input(named(prod.resources, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", `flywheel-backups-${id}`), "policyArn"));
    expect(attached).toEqual(Object.values(backupManagedPolicyArns));
    for (const selection of ofType(prod.resources, "aws:backup/selection:Selection")) {
      expect(selection.inputs).toMatchObject({ iamRoleArn: "arn:aws:iam::123456789012:role/flywheel-backups", planId: "flywheel-backups-id" });
    }
  });

  it("prod raises a CloudWatch alarm when a backup job of the vault fails", () => {
    const alarm = named(prod.resources, "aws:cloudwatch/metricAlarm:MetricAlarm", "flywheel-backups-failed");
    expect(alarm.inputs).toMatchObject({
      namespace: "AWS/Backup",
      metricName: "NumberOfBackupJobsFailed",
      dimensions: { BackupVaultName: "data-flywheel-prod-volumes" },
      threshold: 0,
      comparisonOperator: "GreaterThanThreshold",
    });
  });

  it("dev, which retains no volume, backs up its default class's volumes: its stateful stores are on it", () => {
    expect(backupTypes.filter((type) => ofType(dev.resources, type).length === 0)).toEqual([]);
    expect(input(named(dev.resources, "aws:backup/plan:Plan", "flywheel-backups"), "rules")).toEqual([expect.objectContaining({ lifecycle: { deleteAfter: 7 } })]);
    expect(storageClassParameters(dev, "gp3-encrypted")).toMatchObject(backupTagParameter());
    expect(dev.manifests.some((o) => o.kind === "StorageClass" && o.metadata.name === "gp3-encrypted-retain")).toBe(false);
  });
});

describe("backup settings", () => {
  it("refuse a retention shorter than a day, naming the key", () => {
    expect(problemsOf("dev", { enabled: true, retentionDays: 0 })).toContainEqual("data-flywheel:aws.backups.retentionDays: expected a value >= 1, got 0");
  });

  it("refuse a schedule that is not an AWS Backup cron expression", () => {
    expect(problemsOf("dev", { enabled: true, schedule: "0 5 * * *" })).toContainEqual(expect.stringMatching(/^data-flywheel:aws\.backups\.schedule: expected an AWS Backup cron expression/));
  });

  it("production requires backups, kept at least the minimum the policy pack checks", () => {
    expect(problemsOf("prod", { enabled: false })).toContainEqual(expect.stringMatching(/^data-flywheel:aws\.backups\.enabled: must be true in production/));
    expect(problemsOf("prod", { enabled: true, retentionDays: 3 })).toContainEqual(`data-flywheel:aws.backups.retentionDays: must be at least ${productionBackupRetentionDays} days in production, got 3`);
    expect(productionPolicies["volume-backup-plan"].minRetentionDays).toBe(productionBackupRetentionDays);
  });
});
