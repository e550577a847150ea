import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { resolve } from "node:path";
import { type FlywheelEnvironment, loadEnvironment } from "../config/environment";
import type { FlywheelJobConfig } from "../config/job-config";
import { readConfigFile } from "../config/load-config-file";
import { type ExitCodeValue, FlywheelError, UsageError } from "../errors";
import { streamLog } from "../log";
import { renderRunReport } from "../report/render-report";
import { flywheelScheduleContract } from "../api/flywheel-api-service";
import { unrecordedPendingRunNote } from "../run/pending-run";
import { runFlywheel } from "../run/run-flywheel";
import { recordIdPattern } from "../store/ids";
import { requiredFlag, stringFlag } from "./args";
import type { CliContext, Command, ParsedArgs } from "./command";
import { jobConfigFrom } from "./job-config-input";
import { readableFileSize } from "./paths";
import { openRunServices } from "./run-services";
import { mountedConfigPath } from "../config/mounted-config";

const { runIdFlag } = flywheelScheduleContract;
const runIdOption = runIdFlag.replace(/^--/, "");

export const runCommand: Command = {
  name: "run",
  summary: "run the flywheel for one workload: curate, publish datasets, deploy, evaluate and fine-tune candidates, report",
  usage: `--workload W --client C [--config FILE] [--logs FILE.jsonl] [--state-dir DIR] [${runIdFlag} ID]`,
  options: [
    { name: "workload", value: "W", description: "workload_id of the logs (overrides the config's workloadId)" },
    { name: "client", value: "C", description: "client_id of the logs (overrides the config's clientId)" },
    { name: "config", value: "FILE", description: `job configuration, YAML or JSON (default: ${mountedConfigPath}, where the CronJob mounts it)` },
    { name: "logs", value: "FILE", description: "read the logs from a JSONL export instead of Elasticsearch" },
    { name: "state-dir", value: "DIR", description: "keep the run records as JSON files under DIR instead of in MongoDB" },
    {
      name: runIdOption,
      value: "ID",
      description: "run the pending run ID that POST /api/jobs recorded for this workload and client (the Job the API creates passes it) instead of recording a new one",
    },
  ],
  async run(args, context) {
    const runId = runIdOf(args);
    const { config, workloadId, clientId, environment, logs, stateDirectory } = loadRunInputs(args, context, runId);
    const log = streamLog(context.stderr);
    // From here on SIGTERM and SIGINT stop the run gracefully: its deployments are deleted, its jobs cancelled.
    context.shutdown?.handleGracefully();
    const opened = await openRunServices(config, environment, { logs, stateDirectory }, log).catch((error: unknown) => {
      throw notRecorded(error, runId);
    });
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
          ...(runId === undefined ? {} : { runId }),
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

/** `--run-id`, checked: a record id (24 hexadecimal digits), or undefined when not given. */
function runIdOf(args: ParsedArgs): string | undefined {
  const runId = stringFlag(args, runIdOption);
  if (runId !== undefined && !recordIdPattern.test(runId)) {
    throw new UsageError(`${runIdFlag}: expected a run id (24 hexadecimal digits, lower case), got ${JSON.stringify(runId)}`);
  }
  return runId;
}

/** What the run is given before anything is connected. */
interface RunInputs {
  readonly config: FlywheelJobConfig;
  readonly workloadId: string;
  readonly clientId: string;
  readonly environment: FlywheelEnvironment;
  /** --logs, resolved and checked. */
  readonly logs?: string;
  /** --state-dir, resolved. */
  readonly stateDirectory?: string;
}

/** The configuration, environment and paths of the run, checked; for `--run-id`, an error says what becomes of the pending run. */
function loadRunInputs(args: ParsedArgs, context: CliContext, runId: string | undefined): RunInputs {
  try {
    const { config, workloadId, clientId } = loadRunConfig(args, context);
    const environment = loadEnvironment(context.env);
    const logsFlag = stringFlag(args, "logs");
    const logs = logsFlag === undefined ? undefined : resolve(context.cwd, logsFlag);
    if (logs !== undefined) {
      readableFileSize("--logs", logs);
    }
    const stateDirectory = stringFlag(args, "state-dir");
    return { config, workloadId, clientId, environment, logs, stateDirectory: stateDirectory && resolve(context.cwd, stateDirectory) };
  } catch (error) {
    throw notRecorded(error, runId);
  }
}

/**
 * An error from before the run store was reached: for `--run-id`, it says that nothing could be
 * recorded on the pending run, and what becomes of it.
 */
function notRecorded(error: unknown, runId: string | undefined): unknown {
  return runId !== undefined && error instanceof FlywheelError ? new NotRecorded(error, runId) : error;
}

/** A failure of `flywheel run --run-id` before the run store was reached, with what becomes of its pending run. */
class NotRecorded extends FlywheelError {
  readonly exitCode: ExitCodeValue;

  constructor(cause: FlywheelError, runId: string) {
    super(cause.message, [...cause.details, `run ${runId} was not started: ${unrecordedPendingRunNote}`]);
    this.exitCode = cause.exitCode;
  }
}

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
