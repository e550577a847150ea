import { z } from "zod";

/** What production keeps at least: a week, so a bad write noticed after a weekend still has a good copy. */
export const productionBackupMinimumDays = 7;

/**
 * `data-flywheel:platform.backups`: the stores' scheduled backups to one S3 bucket (EKS only), each
 * store under its own prefix (infra/platform/backup-storage.ts), all kept `retentionDays`.
 */
export const backupsSchema = z
  .strictObject({
    /** Back up the stateful stores to S3 on `schedule`. Needs cloud aws: `local` has no object store. */
    enabled: z.boolean().default(false),
    /**
     * An existing bucket to write to instead of the one the stack creates
     * (`<cluster name>-backups-<region>`); its owner sets its lifecycle. Needs `region`.
     */
    bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "expected an S3 bucket name").optional(),
    /** Region of `bucket`; one other than aws:region needs `crossRegion: true`. */
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, "expected an AWS region such as us-west-2").optional(),
    /** Allows `region` to differ from aws:region (a copy outside the cluster's region, on purpose). */
    crossRegion: z.boolean().default(false),
    /** Days an archive is kept (the lifecycle rule on each store's prefix); at least a day. */
    retentionDays: z.int().min(1).max(3650).default(14),
    /** When the backups run, five cron fields in the cluster's time zone (UTC on EKS). */
    schedule: z
      .string()
      .regex(/^(\S+\s+){4}\S+$/, 'expected a cron schedule with five fields, e.g. "0 2 * * *"')
      .default("0 2 * * *"),
  })
  .prefault({});

export type BackupSettings = z.infer<typeof backupsSchema>;

/** Checks of `platform.backups` that need the rest of the stack's configuration. */
export function checkBackups(backups: BackupSettings, stack: { readonly cloud: string; readonly production: boolean }, ctx: z.RefinementCtx): void {
  const issue = (key: string, input: unknown, message: string): void => ctx.addIssue({ code: "custom", path: ["platform", "backups", key], input, message });
  if (backups.enabled && stack.cloud !== "aws") {
    issue("enabled", true, "needs cloud aws: the backups go to an S3 bucket (a cluster you bring has no object store this stack knows)");
  }
  if (backups.bucket !== undefined && backups.region === undefined) {
    issue("region", undefined, "is required with platform.backups.bucket: an existing bucket's region cannot be assumed");
  }
  if (backups.region !== undefined && backups.bucket === undefined) {
    issue("region", backups.region, "only applies with platform.backups.bucket (the stack's own bucket is in aws:region)");
  }
  if (stack.production && backups.enabled && backups.retentionDays < productionBackupMinimumDays) {
    issue("retentionDays", backups.retentionDays, `must be at least ${productionBackupMinimumDays} in production`);
  }
}

/**
 * The problem, if any, of a backup bucket outside the stack's region without `crossRegion: true`:
 * checked where aws:region is known (the loader). `prefix` is the config namespace's, e.g. `data-flywheel:`.
 */
export function backupRegionProblem(backups: BackupSettings, stackRegion: string, prefix: string): string | undefined {
  if (backups.region === undefined || backups.region === stackRegion || backups.crossRegion) {
    return undefined;
  }
  return `${prefix}platform.backups.region: is ${backups.region}, not aws:region ${stackRegion}: set platform.backups.crossRegion: true to back up to another region on purpose (data leaves the region; transfer is charged)`;
}
