import { resolve } from "node:path";
import { ExitCode } from "../errors";
import { requiredFlag, stringFlag } from "../cli/args";
import type { CliContext, Command, CommandGroup, ParsedArgs } from "../cli/command";
import { environmentCredentials } from "./aws-credentials";
import type { RetryPolicy } from "../http/retry";
import { type UploadSettings, defaultMultipart, uploadFile } from "./s3-upload";

/** A size for the help text: whole MiB when it is, bytes otherwise (a test's tiny parts). */
function mib(bytes: number): string {
  return bytes % 1024 ** 2 === 0 ? `${bytes / 1024 ** 2} MiB` : `${bytes} bytes`;
}

/** The upload's settings but the retry announcements, which go to the command's stderr. */
export interface BackupCommandSettings extends Omit<UploadSettings, "retry"> {
  readonly retry: Omit<RetryPolicy, "onRetry">;
}

/** A backup runs unattended: a few retries over about half a minute ride out a brief S3 hiccup. */
const defaultSettings: BackupCommandSettings = {
  retry: { retries: 4, initialDelayMs: 2_000, maxDelayMs: 16_000 },
  idleTimeoutMs: 120_000,
  now: () => new Date(),
};

/** `flywheel backup upload`, with `settings` (a test shortens the retry delays). */
export function backupCommandWith(settings: BackupCommandSettings = defaultSettings): CommandGroup {
  const multipart = settings.multipart ?? defaultMultipart;
  const upload: Command = {
    name: "upload",
    summary: `upload a backup archive to S3 (or an S3-compatible endpoint) with the environment's AWS credentials, in parts of ${mib(multipart.partSizeBytes)} above ${mib(multipart.thresholdBytes)}`,
    usage: "--bucket NAME --key KEY --file FILE [--region REGION] [--endpoint URL]",
    options: [
      { name: "bucket", value: "NAME", description: "the bucket to upload to" },
      { name: "key", value: "KEY", description: "the object key, e.g. mongodb/2026-12-03T02:00:00Z.archive.gz" },
      { name: "file", value: "FILE", description: "the archive to upload" },
      { name: "region", value: "REGION", description: "the bucket's region (default: AWS_REGION)" },
      { name: "endpoint", value: "URL", description: "an S3-compatible endpoint instead of AWS's, addressed path-style" },
    ],
    async run(args: ParsedArgs, context: CliContext): Promise<number> {
      const bucket = requiredFlag(args, "bucket", "the bucket to upload to");
      const key = requiredFlag(args, "key", "the object key");
      const file = resolve(context.cwd, requiredFlag(args, "file", "the archive to upload"));
      const region = stringFlag(args, "region") ?? context.env.AWS_REGION ?? context.env.AWS_DEFAULT_REGION ?? "us-east-1";
      const endpoint = stringFlag(args, "endpoint");
      const credentials = await environmentCredentials(context.env, region);
      // A SIGTERM mid-upload aborts the multipart upload before the command exits, so no part stays billed.
      context.shutdown?.handleGracefully();
      const signal = context.shutdown?.signal ?? new AbortController().signal;
      const bytes = await uploadFile(
        { bucket, key, file, region, ...(endpoint !== undefined ? { endpoint } : {}) },
        credentials,
        { ...settings, retry: { ...settings.retry, onRetry: (line) => context.stderr.write(`${line}\n`) } },
        signal,
      );
      context.stderr.write(`uploaded ${bytes} bytes to s3://${bucket}/${key}\n`);
      return ExitCode.ok;
    },
  };
  return { name: "backup", summary: "store a backup archive the stack's backup CronJob made", commands: [upload] };
}

export const backupCommand = backupCommandWith();
