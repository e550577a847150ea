import { rdsInstanceDurable } from "../../policies/rds-instance-durable";
import { resourceViolations } from "../support/policy-review";
import { edit, rdsInstance } from "../support/fixtures";

describe("rds-instance-durable", () => {
  it("passes the production database: 7 days of backups, Multi-AZ", async () => {
    expect(await resourceViolations(rdsInstanceDurable, rdsInstance())).toEqual([]);
  });

  it("accepts more than the minimum retention (a minimum, not an exact value)", async () => {
    expect(await resourceViolations(rdsInstanceDurable, edit(rdsInstance(), "props.backupRetentionPeriod", 14))).toEqual([]);
  });

  it("catches backups turned off or kept too briefly", async () => {
    expect(await resourceViolations(rdsInstanceDurable, edit(rdsInstance(), "props.backupRetentionPeriod", 0))).toEqual([
      'RDS instance "nemo-postgres" keeps backups for 0 day(s), fewer than 7. Fix: set platform.postgres.rds.backupRetentionDays to at least 7.',
    ]);
    expect(await resourceViolations(rdsInstanceDurable, edit(rdsInstance(), "props.backupRetentionPeriod", undefined))).toEqual([
      'RDS instance "nemo-postgres" sets no backupRetentionPeriod, so AWS keeps 1 day, fewer than 7. Fix: set platform.postgres.rds.backupRetentionDays to at least 7.',
    ]);
  });

  it("catches a single-AZ instance when Multi-AZ is required", async () => {
    expect(await resourceViolations(rdsInstanceDurable, edit(rdsInstance(), "props.multiAz", undefined))).toEqual([
      'RDS instance "nemo-postgres" has no Multi-AZ standby. Fix: set platform.postgres.rds.multiAz to true.',
    ]);
  });

  it("follows the development settings: 1 day of backups, single-AZ", async () => {
    const development = { minBackupRetentionDays: 1, requireMultiAz: false };
    const small = edit(edit(rdsInstance(), "props.backupRetentionPeriod", undefined), "props.multiAz", false);
    expect(await resourceViolations(rdsInstanceDurable, small, development)).toEqual([]);
    expect(await resourceViolations(rdsInstanceDurable, edit(small, "props.backupRetentionPeriod", 0), development)).toEqual([
      expect.stringContaining("keeps backups for 0 day(s), fewer than 1"),
    ]);
  });
});
