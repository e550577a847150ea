import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { resolve } from "node:path";
import { loadEnvironment, resolveNemoServiceUrls } from "../config/environment";
import { type FlywheelJobConfig, parseJobConfig } from "../config/job-config";
import { readConfigFile } from "../config/load-config-file";
import { UsageError } from "../errors";
import { streamLog } from "../log";
import { renderRunReport } from "../report/render-report";
import { runFlywheel } from "../run/run-flywheel";
import { requiredFlag, stringFlag } from "./args";
import type { CliContext, Command, ParsedArgs } from "./command";
import { openRunServices } from "./run-services";

/** Where the CronJob mounts the job configuration (`jobConfigPath` of the FlywheelSchedule construct). */
export const mountedConfigPath = "/etc/flywheel/config.yaml";

export const runCommand: Command = {
  name: "run",
  summary: "run the flywheel for one workload: curate, publish datasets, deploy, evaluate and fine-tune candidates, report",
  usage: "--workload W --client C [--config FILE] [--logs FILE.jsonl] [--state-dir DIR]",
  help: [
    ["--workload W", "workload_id of the logs (overrides the config's workloadId)"],
    ["--client C", "client_id of the logs (overrides the config's clientId)"],
    ["--config FILE", `job configuration, YAML or JSON (default: ${mountedConfigPath}, where the CronJob mounts it)`],
    ["--logs FILE", "read the logs from a JSONL export instead of Elasticsearch"],
    ["--state-dir DIR", "keep the run records as JSON files under DIR instead of in MongoDB"],
  ],
  options: {
    workload: { type: "string" },
    client: { type: "string" },
    config: { type: "string" },
    logs: { type: "string" },
    "state-dir": { type: "string" },
  },
  async run(args, context) {
    const config = loadRunConfig(args, context);
    const workloadId = config.workloadId!;
    const clientId = config.clientId!;
    const environment = loadEnvironment(context.env);
    const log = streamLog(context.stderr);
    const logs = stringFlag(args, "logs");
    const stateDirectory = stringFlag(args, "state-dir");
    const entityStore = resolveNemoServiceUrls(config.nemo, environment).entityStore;
    if (entityStore === undefined) {
      throw new UsageError("the Entity Store URL is not set: set NEMO_ENTITY_STORE_URL or NEMO_BASE_URL, or nemo.entityStoreUrl or nemo.baseUrl in the config");
    }
    // From here on SIGTERM and SIGINT stop the run gracefully: its deployments are deleted, its jobs cancelled.
    context.shutdown?.handleGracefully();
    const opened = await openRunServices(config, environment, { logs: logs && resolve(context.cwd, logs), stateDirectory: stateDirectory && resolve(context.cwd, stateDirectory) }, log);
    try {
      const namespace = opened.services.kubernetes.namespace;
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
          peftSource: entityStore,
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

/** The job configuration with --workload and --client applied; both ids must end up set. */
function loadRunConfig(args: ParsedArgs, context: CliContext): FlywheelJobConfig {
  const given = stringFlag(args, "config");
  const path = resolve(context.cwd, given ?? mountedConfigPath);
  if (given === undefined && !existsSync(path)) {
    throw new UsageError(`--config is required: no configuration at ${mountedConfigPath} (where the CronJob mounts it)`);
  }
  const raw = readConfigFile(path);
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new UsageError(`the config file ${path} must hold a mapping of configuration keys`);
  }
  const overrides = new Map<string, string>();
  const withIds: Record<string, unknown> = { ...raw };
  for (const [key, flag] of [["workloadId", "workload"], ["clientId", "client"]] as const) {
    const value = stringFlag(args, flag);
    if (value !== undefined) {
      withIds[key] = value;
      overrides.set(key, `--${flag}`);
    } else if (withIds[key] === undefined) {
      requiredFlag(args, flag, `the ${key === "workloadId" ? "workload_id" : "client_id"} to run for (or ${key} in the config)`);
    }
  }
  return parseJobConfig(withIds, `the config file ${path}`, overrides);
}
