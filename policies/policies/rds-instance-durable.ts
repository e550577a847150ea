import type { ResourceValidationPolicy } from "@pulumi/policy";
import { policyConfig } from "../lib/config";
import { validateResourceType } from "../lib/kubernetes";

export interface RdsInstanceDurableConfig {
  /** Fewest days of automated backups (point-in-time recovery window). */
  readonly minBackupRetentionDays: number;
  /** Require a Multi-AZ standby. */
  readonly requireMultiAz: boolean;
}

export const rdsInstanceDurableDefaults: RdsInstanceDurableConfig = { minBackupRetentionDays: 7, requireMultiAz: true };

/** What AWS keeps when an instance sets no `backupRetentionPeriod` (CreateDBInstance's default). */
const awsDefaultBackupRetentionDays = 1;

interface InstanceInputs {
  readonly identifier?: string;
  readonly backupRetentionPeriod?: number;
  readonly multiAz?: boolean;
}

/**
 * In production the NeMo database is the record of every customization and evaluation: it must
 * survive the loss of a zone (Multi-AZ) and a bad migration or deletion (a week of backups).
 */
export const rdsInstanceDurable: ResourceValidationPolicy = {
  name: "rds-instance-durable",
  description:
    "RDS instances keep automated backups for at least minBackupRetentionDays days (AWS's default is 1) and, when required, run Multi-AZ (config minBackupRetentionDays, requireMultiAz). " +
    "Mandatory: the NeMo database must survive a zone failure and a bad change.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps: "Set platform.postgres.rds.backupRetentionDays to at least minBackupRetentionDays and platform.postgres.rds.multiAz to true in the stack file.",
  configSchema: {
    properties: {
      minBackupRetentionDays: {
        type: "integer",
        minimum: 1,
        maximum: 35,
        default: rdsInstanceDurableDefaults.minBackupRetentionDays,
        description: "Fewest days of automated backups (RDS allows 1 to 35; 0 turns backups off).",
      },
      requireMultiAz: { type: "boolean", default: rdsInstanceDurableDefaults.requireMultiAz, description: "Require a Multi-AZ standby." },
    },
  },
  validateResource: validateResourceType<InstanceInputs>("aws:rds/instance:Instance", (instance, args, reportViolation) => {
    const { minBackupRetentionDays, requireMultiAz } = policyConfig(args, rdsInstanceDurableDefaults);
    const name = instance.identifier ?? args.name;
    const retention = instance.backupRetentionPeriod ?? awsDefaultBackupRetentionDays;
    if (retention < minBackupRetentionDays) {
      const set = instance.backupRetentionPeriod === undefined ? `sets no backupRetentionPeriod, so AWS keeps ${retention} day` : `keeps backups for ${retention} day(s)`;
      reportViolation(
        `RDS instance "${name}" ${set}, fewer than ${minBackupRetentionDays}. Fix: set platform.postgres.rds.backupRetentionDays to at least ${minBackupRetentionDays}.`,
      );
    }
    if (requireMultiAz && instance.multiAz !== true) {
      reportViolation(`RDS instance "${name}" has no Multi-AZ standby. Fix: set platform.postgres.rds.multiAz to true.`);
    }
  }),
};
