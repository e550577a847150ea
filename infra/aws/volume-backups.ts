import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { serviceTrustPolicy } from "./iam-policies";

/**
 * The tag AWS Backup selects EBS volumes by. The EBS CSI driver puts it on every volume of the
 * durable StorageClass (`tagSpecification_1`), and the backup selection names it: both read it here.
 */
export const volumeBackupTag = { key: "data-flywheel.io/backup", value: "aws-backup" } as const;

/** The StorageClass parameter that makes the EBS CSI driver tag a volume with `volumeBackupTag`. */
export function backupTagParameter(): Record<string, string> {
  return { tagSpecification_1: `${volumeBackupTag.key}=${volumeBackupTag.value}` };
}

/** The AWS managed policies that let AWS Backup back up and restore EBS volumes and EFS file systems. */
export const backupManagedPolicyArns = {
  backup: "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
  restores: "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
} as const;

export interface BackupSchedule {
  /** Days AWS Backup keeps each recovery point (at least 1). */
  readonly retentionDays: number;
  /** When the daily backup starts: an AWS Backup cron expression (`cron(0 5 ? * * *)`, UTC). */
  readonly schedule: string;
}

/** The plan's one rule: a backup on `schedule` into the vault, deleted after `retentionDays`. */
export function backupPlanRule(vaultName: pulumi.Input<string>, settings: BackupSchedule): aws.types.input.backup.PlanRule {
  if (!Number.isInteger(settings.retentionDays) || settings.retentionDays < 1) {
    throw new Error(`backup retention must be a whole number of days, at least 1; got ${settings.retentionDays}`);
  }
  return {
    ruleName: "daily",
    targetVaultName: vaultName,
    schedule: settings.schedule,
    // An hour to start (AWS Backup's shortest window) and a day to finish: a first full EFS backup
    // can take hours, and a daily job must end before the next one starts.
    startWindow: 60,
    completionWindow: 24 * 60,
    lifecycle: { deleteAfter: settings.retentionDays },
  };
}

/** The selection's tag condition: every resource carrying `volumeBackupTag`. */
export function backupSelectionTags(): aws.types.input.backup.SelectionSelectionTag[] {
  return [{ type: "STRINGEQUALS", key: volumeBackupTag.key, value: volumeBackupTag.value }];
}

export interface VolumeBackupsArgs extends BackupSchedule {
  /** Name of the stack's EKS cluster; the vault and plan are named after it. */
  readonly clusterName: string;
  /** The shared EFS file system, selected by ARN: the CSI driver's tags are on EBS volumes only. */
  readonly fileSystemArn: pulumi.Input<string>;
  /**
   * Customer-managed KMS key the vault encrypts recovery points with (EFS backups; EBS snapshots
   * keep their volume's key).
   * @default the AWS-managed `aws/backup` key
   */
  readonly kmsKeyArn?: pulumi.Input<string>;
  readonly tags?: Record<string, string>;
}

/**
 * AWS Backup over the stack's persistent data: a vault, a daily plan with the stack's retention, and
 * selections of the EBS volumes tagged `volumeBackupTag` (the durable StorageClass's) and of the EFS
 * file system. AWS Backup reports to CloudWatch, not Prometheus: a CloudWatch alarm on the vault's
 * failed jobs is the signal (README, "Volume backups").
 */
export class VolumeBackups extends pulumi.ComponentResource {
  readonly vaultName: pulumi.Output<string>;
  readonly planId: pulumi.Output<string>;

  constructor(name: string, args: VolumeBackupsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("data-flywheel:aws:VolumeBackups", name, {}, opts);
    const parent = { parent: this };
    const tags = args.tags ?? {};
    const vault = new aws.backup.Vault(name, { name: `${args.clusterName}-volumes`, kmsKeyArn: args.kmsKeyArn, tags }, parent);
    const plan = new aws.backup.Plan(name, { name: `${args.clusterName}-volumes`, rules: [backupPlanRule(vault.name, args)], tags }, parent);
    const role = new aws.iam.Role(name, { assumeRolePolicy: JSON.stringify(serviceTrustPolicy("backup.amazonaws.com")), tags }, parent);
    const attachments = Object.entries(backupManagedPolicyArns).map(
      ([id, policyArn]) => new aws.iam.RolePolicyAttachment(`${name}-${id}`, { role: role.name, policyArn }, parent),
    );
    // Two selections: within one, AWS Backup narrows the listed resources by the tag conditions
    // (AND), so the untagged file system named by ARN would fall out of a selection that has both.
    const selection = { planId: plan.id, iamRoleArn: role.arn };
    new aws.backup.Selection(`${name}-volumes`, { ...selection, name: `${args.clusterName}-ebs`, selectionTags: backupSelectionTags() }, { parent: this, dependsOn: attachments });
    new aws.backup.Selection(`${name}-file-system`, { ...selection, name: `${args.clusterName}-efs`, resources: [args.fileSystemArn] }, { parent: this, dependsOn: attachments });
    // No alarm action: who is paged is the account's choice; the alarm's state is on the console.
    new aws.cloudwatch.MetricAlarm(`${name}-failed`, {
      alarmDescription: `AWS Backup jobs of vault ${args.clusterName}-volumes failed (README, "Volume backups")`,
      namespace: "AWS/Backup",
      metricName: "NumberOfBackupJobsFailed",
      dimensions: { BackupVaultName: vault.name },
      statistic: "Sum",
      period: 24 * 60 * 60,
      evaluationPeriods: 1,
      threshold: 0,
      comparisonOperator: "GreaterThanThreshold",
      treatMissingData: "notBreaching",
      tags,
    }, parent);
    this.vaultName = vault.name;
    this.planId = plan.id;
    this.registerOutputs({ vaultName: this.vaultName, planId: this.planId });
  }
}
