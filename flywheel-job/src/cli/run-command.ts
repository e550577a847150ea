import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { resolve } from "node:path";
import { loadEnvironment } from "../config/environment";
import type { FlywheelJobConfig } from "../config/job-config";
import { readConfigFile } from "../config/load-config-file";
import { UsageError } from "../errors";
import { streamLog } from "../log";
import { renderRunReport } from "../report/render-report";
import { runFlywheel } from "../run/run-flywheel";
import { requiredFlag, stringFlag } from "./args";
import type { CliContext, Command, ParsedArgs } from "./command";
import { jobConfigFrom } from "./job-config-input";
import { readableFileSize } from "./paths";
import { openRunServices } from "./run-services";
import { mountedConfigPath } from "../config/mounted-config";

export const runCommand: Command = {
  name: "run",
  summary: "run the flywheel for one workload: curate, publish datasets, deploy, evaluate and fine-tune candidates, report",
  usage: "--workload W --client C [--config FILE] [--logs FILE.jsonl] [--state-dir DIR]",
  options: [
    { name: "workload", value: "W", description: "workload_id of the logs (overrides the config's workloadId)" },
    { name: "client", value: "C", description: "client_id of the logs (overrides the config's clientId)" },
    { name: "config", value: "FILE", description: `job configuration, YAML or JSON (default: ${mountedConfigPath}, where the CronJob mounts it)` },
    { name: "logs", value: "FILE", description: "read the logs from a JSONL export instead of Elasticsearch" },
    { name: "state-dir", value: "DIR", description: "keep the run records as JSON files under DIR instead of in MongoDB" },
  ],
  async run(args, context) {
    const { config, workloadId, clientId } = loadRunConfig(args, context);
    const environment = loadEnvironment(context.env);
    const log = streamLog(context.stderr);
    const logsFlag = stringFlag(args, "logs");
    const logs = logsFlag === undefined ? undefined : resolve(context.cwd, logsFlag);
    if (logs !== undefined) {
      readableFileSize("--logs", logs);
    }
    const stateDirectory = stringFlag(args, "state-dir");
    // From here on SIGTERM and SIGINT stop the run gracefully: its deployments are deleted, its jobs cancelled.
    context.shutdown?.handleGracefully();
    const opened = await openRunServices(config, environment, { logs, stateDirectory: stateDirectory && resolve(context.cwd, stateDirectory) }, log);
    try {
      const namespace = opened.namespace;
      const job =
        environment.FLYWHEEL_JOB_NAME && environment.FLYWHEEL_JOB_UID ? { name: environment.FLYWHEEL_JOB_NAME, uid: environment.FLYWHEEL_JOB_UID, namespace } : undefined;
      if (job === undefined) {
        log.warn("not running in a Kubernetes Job (FLYWHEEL_JOB_NAME/FLYWHEEL_JOB_UID unset): the NIMServices get no owner reference, so if this process dies they stay until the next run's sweep");
      }
      const outcome = await runFlywheel(
        {
          config,
          workloadId,
          clientId,
          ...(job ? { job } : {}),
          judgeApiKey: environment.JUDGE_API_KEY,
          embeddingApiKey: environment.EMBEDDING_API_KEY,
          workDirectory: tmpdir(),
        },
        opened.services,
        context.shutdown?.signal ?? new AbortController().signal,
      );
      context.stdout.write(renderRunReport(outcome.report, `flywheel run ${outcome.runId} of workload "${workloadId}", client "${clientId}": ${outcome.status}`));
      if (outcome.stop !== undefined) {
        context.stderr.write(`flywheel: run ${outcome.runId} ${outcome.status}: ${outcome.stop.message}; its deployments were deleted and its jobs cancelled\n`);
      } else if (outcome.error !== undefined) {
        throw outcome.error;
      } else if (outcome.status === "cancelled") {
        context.stderr.write(`flywheel: run ${outcome.runId} was cancelled; its deployments were deleted and its jobs cancelled\n`);
      }
      return outcome.exitCode;
    } finally {
      await opened.close();
    }
  },
};

/** The job configuration with --workload and --client applied, and the two ids, which must end up set. */
function loadRunConfig(args: ParsedArgs, context: CliContext): { readonly config: FlywheelJobConfig; readonly workloadId: string; readonly clientId: string } {
  const given = stringFlag(args, "config");
  const path = resolve(context.cwd, given ?? mountedConfigPath);
  if (given === undefined && !existsSync(path)) {
    throw new UsageError(`--config is required: no configuration at ${mountedConfigPath} (where the CronJob mounts it)`);
  }
  const config = jobConfigFrom(readConfigFile(path), `the config file ${path}`, [
    { key: ["workloadId"], flag: "--workload", value: stringFlag(args, "workload") },
    { key: ["clientId"], flag: "--client", value: stringFlag(args, "client") },
  ]);
  const workloadId = config.workloadId ?? requiredFlag(args, "workload", "the workload_id to run for (or workloadId in the config)");
  const clientId = config.clientId ?? requiredFlag(args, "client", "the client_id to run for (or clientId in the config)");
  return { config, workloadId, clientId };
}
