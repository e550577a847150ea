import { z } from "zod";

/** What production keeps at least: a week, so a bad write noticed after a weekend still has a good copy. */
export const productionBackupMinimumDays = 7;

/**
 * Whether an endpoint URL is one the backups may be sent to: HTTPS, or plain HTTP to a Service of
 * the cluster (`*.svc`, `*.svc.cluster.local`), whose traffic never leaves the cluster's network;
 * anything else would carry the archives and the signed requests unencrypted.
 */
export function isBackupEndpointUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.username !== "" || url.password !== "" || url.search !== "" || url.hash !== "" || url.pathname !== "/") {
    return false;
  }
  return url.protocol === "https:" || (url.protocol === "http:" && /\.svc(\.cluster\.local)?$/.test(url.hostname));
}

/**
 * `data-flywheel:platform.backups`: the stores' scheduled backups to one S3 bucket (the stack's own
 * on EKS, an existing one at an S3-compatible `endpoint` on `cloud: existing`), each store under its
 * own prefix (infra/platform/backup-storage.ts), all kept `retentionDays`.
 */
export const backupsSchema = z
  .strictObject({
    /**
     * Back up MongoDB and PostgreSQL on `schedule`: on cloud aws to S3, on `cloud: existing` (which
     * has no object store of the stack's) to `endpoint` and `bucket`.
     */
    enabled: z.boolean().default(false),
    /**
     * An S3-compatible endpoint (such as MinIO) holding `bucket`, on `cloud: existing` only (EKS
     * writes AWS S3 with IAM roles): `https://host[:port]`, or `http://` to a cluster Service
     * (`*.svc[.cluster.local]`). Requests address the bucket path-style, which such servers serve.
     * The access-key pair is Pulumi secret config: `backupEndpointAccessKeyId`, `backupEndpointSecretAccessKey`.
     */
    endpoint: z
      .string()
      .refine(isBackupEndpointUrl, "expected https://host[:port] (no path), or http:// only to a cluster Service (*.svc, *.svc.cluster.local)")
      .optional(),
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
  if (stack.cloud === "aws" && backups.endpoint !== undefined) {
    issue("endpoint", backups.endpoint, "only applies when cloud is existing: on EKS the backups write AWS S3 with the stack's IAM roles");
  }
  if (stack.cloud !== "aws" && backups.enabled) {
    if (backups.endpoint === undefined) {
      issue("endpoint", undefined, "is required with platform.backups.enabled when cloud is existing: a cluster you bring has no object store this stack knows; name an S3-compatible endpoint (such as MinIO)");
    }
    if (backups.bucket === undefined) {
      issue("bucket", undefined, "is required with platform.backups.enabled when cloud is existing: the stack creates no bucket there; name one that exists at platform.backups.endpoint");
    }
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
