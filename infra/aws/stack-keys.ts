import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { stackKeyPolicy, type KeyPurpose } from "./key-policies";

export interface StackKeysArgs {
  /** Name of the stack's EKS cluster: the keys' aliases are `alias/<clusterName>-<purpose>`. */
  readonly clusterName: string;
  readonly region: string;
  /**
   * Days KMS waits before deleting a key scheduled for deletion (7 to 30): the time left to notice
   * that data is still encrypted with it.
   * @default 30
   */
  readonly deletionWindowInDays?: number;
  readonly tags?: Record<string, string>;
}

const descriptions: Record<KeyPurpose, string> = {
  ebs: "EBS volumes: node root volumes and the volumes of persistent volume claims",
  efs: "the shared EFS file system of the model caches",
  rds: "the RDS PostgreSQL instance of the NeMo services",
  s3: "the S3 buckets the stack creates",
  backup: "the AWS Backup vault of the volume backups",
};

/**
 * One customer-managed KMS key per kind of data the stack stores (EBS, EFS, RDS, S3, backups), each with
 * yearly rotation, an alias and a key policy naming who may use it (`stackKeyPolicy`). Separate keys
 * let a key be disabled or audited for one kind of data without touching the others.
 */
export class StackKeys extends pulumi.ComponentResource {
  /** Key ARNs by purpose; what resources' `kmsKeyId` inputs take. */
  readonly arns: Readonly<Record<KeyPurpose, pulumi.Output<string>>>;

  constructor(name: string, args: StackKeysArgs, opts?: pulumi.ComponentResourceOptions) {
    super("data-flywheel:aws:StackKeys", name, {}, opts);
    const deletionWindowInDays = args.deletionWindowInDays ?? 30;
    if (!Number.isInteger(deletionWindowInDays) || deletionWindowInDays < 7 || deletionWindowInDays > 30) {
      throw new Error(`StackKeys ${name}: deletionWindowInDays must be a whole number of days from 7 to 30 (KMS's range), got ${deletionWindowInDays}`);
    }
    const parent = { parent: this };
    const tags = args.tags ?? {};
    const caller = aws.getCallerIdentityOutput({}, parent);
    const partition = aws.getPartitionOutput({}, parent);
    const scope = pulumi.all([caller.accountId, partition.partition, partition.dnsSuffix]).apply(([accountId, partitionName, dnsSuffix]) => ({
      accountId,
      partition: partitionName,
      dnsSuffix,
      region: args.region,
    }));

    const keyArn = (purpose: KeyPurpose): pulumi.Output<string> => {
      const key = new aws.kms.Key(`${name}-${purpose}`, {
        description: `Encryption of ${descriptions[purpose]} of EKS cluster ${args.clusterName}`,
        enableKeyRotation: true,
        deletionWindowInDays,
        policy: scope.apply((s) => JSON.stringify(stackKeyPolicy(s, purpose))),
        tags,
      }, parent);
      new aws.kms.Alias(`${name}-${purpose}`, { name: `alias/${args.clusterName}-${purpose}`, targetKeyId: key.keyId }, parent);
      return key.arn;
    };
    this.arns = { ebs: keyArn("ebs"), efs: keyArn("efs"), rds: keyArn("rds"), s3: keyArn("s3"), backup: keyArn("backup") };
    this.registerOutputs({ arns: this.arns });
  }
}
