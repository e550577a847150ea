import { resolve } from "node:path";
import { describeIssues } from "../config/describe-issues";
import { type FlywheelEnvironment, loadEnvironment } from "../config/environment";
import { readConfigFile } from "../config/load-config-file";
import { ExitCode, UsageError } from "../errors";
import { type ServingVerifyConfig, servingVerifyConfigSchema, verifyServingNaming } from "../serving/serving-contract";
import { renderTable } from "../text/table";
import { integerFlag, requiredFlag, stringFlag, switchFlag } from "../cli/args";
import type { CliContext, Command, CommandGroup, ParsedArgs } from "../cli/command";
import { connectVerifyJobApi } from "./client-node-verify-job";
import { connectNimServiceStatusReader, type NimServiceStatusReader } from "./nim-service-status";
import { checkServingEntries, type ServingCheckSettings } from "./serving-checks";
import { DataStoreRecordSource, type EvaluationRecordSource, smokeMaxRecords, smokeMetric, type SmokeSettings } from "./smoke-replay";
import { connectPlatformKubernetes } from "./platform/client-node-platform-kubernetes";
import type * as PlatformChecksModule from "./platform/platform-checks";
import { type PlatformVerifyConnections, verifyPlatformCommandWith } from "./platform/verify-platform-command";
import { verifyPlatformNaming } from "./platform/platform-verify-contract";
import { runVerifyJob, type VerifyJobApi, type VerifyJobSettings, type VerifyJobTarget } from "./verify-job";

/** `verify serving --stack`'s Job: a stack without serving entries renders no CronJob. */
const verifyServingJob: VerifyJobTarget = {
  cronJob: verifyServingNaming.cronJob,
  stackLabel: verifyServingNaming.stackLabel,
  absentMeans: "the stack has no serving entries",
  passed: "every serving entry passed",
  failedHint: "the table above names the entries that failed",
};

/** How `verify serving` reaches the cluster: the client-node implementations, or a test's fakes. */
export interface VerifyConnections {
  statusReader(environment: FlywheelEnvironment): Promise<NimServiceStatusReader>;
  jobApi(environment: FlywheelEnvironment): Promise<VerifyJobApi>;
  /** Where `--smoke` reads the recorded evaluation sets, given the configuration's `dataStoreUrl`. */
  evaluationRecords(dataStoreUrl: string): EvaluationRecordSource;
  readonly checks: Omit<ServingCheckSettings, "readyTimeoutMs">;
  readonly job: VerifyJobSettings;
}

/** How long one call to the API server may take. */
const kubernetesTimeoutMs = 10_000;

/** The Kubernetes clients and the settings of a real verification. */
const clusterConnections: VerifyConnections = {
  statusReader: (environment) => connectNimServiceStatusReader(environment, kubernetesTimeoutMs),
  jobApi: (environment) => connectVerifyJobApi(environment, kubernetesTimeoutMs),
  // At most 100 records of a few KiB each: the first lines of the file, not all of it.
  evaluationRecords: (dataStoreUrl) => new DataStoreRecordSource(dataStoreUrl, 16 * 1024 * 1024, 60_000),
  // A first completion after a cold start may take a while; the answers are short.
  checks: { pollIntervalMs: 10_000, requestTimeoutMs: 120_000, answerLimitBytes: 1024 * 1024 },
  job: { jobTimeoutMarginMs: 5 * 60_000, pollIntervalMs: 5_000, logLimitBytes: 256 * 1024 },
};

/** How long an entry's NIMService may take to report Ready, by default: loading weights from its cache. */
const defaultReadyTimeoutSeconds = 600;

/** How far a smoke score may be from the recorded one, by default: a few records score coarsely. */
const defaultSmokeTolerance = 0.15;

/** Reads and validates the verify configuration the stack rendered: exit 2 naming the file and each problem. */
function readVerifyConfig(path: string): ServingVerifyConfig {
  const file = readConfigFile(path);
  const parsed = servingVerifyConfigSchema.safeParse(file.value);
  if (!parsed.success) {
    throw new UsageError(`${path} is not a verify-serving configuration:`, describeIssues(parsed.error.issues, servingVerifyConfigSchema, { sourceText: file.sourceText }));
  }
  return parsed.data;
}

/** `flywheel verify serving`, reaching the cluster through `connections`. */
function verifyServingCommandWith(connections: VerifyConnections): Command {
  return {
    name: "serving",
    summary: "check that every model the stack serves is Ready and answers well-formed completions",
    usage: "--stack S | --in-cluster --config FILE [--ready-timeout S] [--smoke N [--tolerance T]]",
    options: [
      { name: "stack", value: "S", description: `create a Job from the CronJob ${verifyServingNaming.cronJob} of stack S (KUBECONFIG, FLYWHEEL_NAMESPACE), wait for it and print its table` },
      { name: "in-cluster", description: "run the checks here: what the Job's pod does" },
      { name: "config", value: "FILE", description: `the entries to check (with --in-cluster; the Job's is ${verifyServingNaming.configPath})` },
      { name: "ready-timeout", value: "S", description: `how long each entry's NIMService may take to be Ready, in seconds (default ${defaultReadyTimeoutSeconds})` },
      {
        name: "smoke",
        value: "N",
        description: `also replay the first N (at most ${smokeMaxRecords}) records of each tool-calling entry's recorded evaluation set and fail when its ${smokeMetric} is off the recorded one`,
      },
      { name: "tolerance", value: "T", description: `with --smoke, how far (0–1) the smoke score may be from the recorded one (default ${defaultSmokeTolerance})` },
    ],
    async run(args, context) {
      const stack = stringFlag(args, "stack");
      const inCluster = switchFlag(args, "in-cluster");
      if ((stack === undefined) === !inCluster) {
        throw new UsageError("give either --stack S (start the check in stack S's cluster) or --in-cluster --config FILE (run it here)");
      }
      const environment = loadEnvironment(context.env);
      const signal = context.shutdown?.signal ?? new AbortController().signal;
      const smoke = smokeFlags(args);
      if (stack !== undefined) {
        if (stringFlag(args, "config") !== undefined || stringFlag(args, "ready-timeout") !== undefined) {
          throw new UsageError("--config and --ready-timeout go with --in-cluster; with --stack the Job reads the stack's configuration");
        }
        const smokeArgs = smoke === undefined ? [] : ["--smoke", String(smoke.count), "--tolerance", String(smoke.tolerance)];
        return runVerifyJob(verifyServingJob, stack, await connections.jobApi(environment), connections.job, context.stdout, signal, smokeArgs);
      }
      return verifyInCluster(args, context, connections, environment, signal, smoke);
    },
  };
}

/** `--smoke N` and `--tolerance T`, validated; undefined without `--smoke`. */
function smokeFlags(args: ParsedArgs): { readonly count: number; readonly tolerance: number } | undefined {
  const count = integerFlag(args, "smoke", 1, smokeMaxRecords);
  const toleranceFlag = stringFlag(args, "tolerance");
  if (count === undefined) {
    if (toleranceFlag !== undefined) {
      throw new UsageError("--tolerance goes with --smoke N");
    }
    return undefined;
  }
  const tolerance = toleranceFlag === undefined ? defaultSmokeTolerance : Number(toleranceFlag);
  if (toleranceFlag !== undefined && (toleranceFlag.trim() === "" || !Number.isFinite(tolerance) || tolerance < 0 || tolerance > 1)) {
    throw new UsageError(`--tolerance: ${JSON.stringify(toleranceFlag.slice(0, 50))} is not a number from 0 to 1`);
  }
  return { count, tolerance };
}

async function verifyInCluster(
  args: ParsedArgs,
  context: CliContext,
  connections: VerifyConnections,
  environment: FlywheelEnvironment,
  signal: AbortSignal,
  smoke: Omit<SmokeSettings, "source"> | undefined,
): Promise<number> {
  const configFlag = requiredFlag(args, "config", "with --in-cluster, the verify-serving configuration the stack renders");
  const readyTimeoutSeconds = integerFlag(args, "ready-timeout", 1) ?? defaultReadyTimeoutSeconds;
  const config = readVerifyConfig(resolve(context.cwd, configFlag));
  if (config.entries.length === 0) {
    context.stdout.write(`stack ${config.stack} has no serving entries: nothing to verify\n`);
    return ExitCode.ok;
  }
  const statuses = await connections.statusReader(environment);
  const smokeSettings = smoke && { ...smoke, source: config.dataStoreUrl === undefined ? undefined : connections.evaluationRecords(config.dataStoreUrl) };
  const results = await checkServingEntries(config.entries, statuses, { ...connections.checks, readyTimeoutMs: readyTimeoutSeconds * 1000 }, signal, smokeSettings);
  context.stdout.write(`${renderTable(["entry", "state", "detail"], results.map((result) => [result.entry, result.state, result.detail]), ["left", "left", "left"])}\n`);
  const failed = results.filter((result) => result.state === "failed");
  if (failed.length > 0) {
    context.stderr.write(`flywheel: verify serving (stack ${config.stack}): ${failed.length} of ${results.length} entries failed: ${failed.map((result) => result.entry).join(", ")}\n`);
    return ExitCode.verificationFailed;
  }
  return ExitCode.ok;
}

/*
 * The checks' module (which imports the Elasticsearch, MongoDB, Redis and PostgreSQL clients) is
 * required only when `verify platform --in-cluster` runs: `flywheel serve` must not load clients it
 * never uses (serve-loaded-packages.test.ts).
 */
/* eslint-disable-next-line @typescript-eslint/no-require-imports -- see the note above */
const loadPlatformChecks = () => require("./platform/platform-checks") as typeof PlatformChecksModule;

/** `verify platform`'s Kubernetes clients, credentials mount and time limits in a real verification. */
const clusterPlatformConnections: PlatformVerifyConnections = {
  kubernetes: (environment) => connectPlatformKubernetes(environment, kubernetesTimeoutMs),
  jobApi: (environment) => connectVerifyJobApi(environment, kubernetesTimeoutMs),
  checks: (connections, probe) => loadPlatformChecks().platformChecks(connections, { probe }),
  credentialsPath: verifyPlatformNaming.credentialsPath,
  // Passwords, tokens and CA certificates: a few KiB at most.
  credentialLimitBytes: 64 * 1024,
  callTimeoutMs: kubernetesTimeoutMs,
  run: { groupTimeoutMs: 2 * 60_000, concurrency: 4 },
  // A GPU node scaled up from zero takes minutes to join and load its driver.
  probe: { timeoutMs: 15 * 60_000, pollIntervalMs: 10_000 },
  job: clusterConnections.job,
};

/** `flywheel verify …`, reaching the cluster through `connections` (and `platform` for `verify platform`). */
export function verifyCommandWith(connections: VerifyConnections, platform: PlatformVerifyConnections = clusterPlatformConnections): CommandGroup {
  return { name: "verify", summary: "check what the stack deployed", commands: [verifyServingCommandWith(connections), verifyPlatformCommandWith(platform)] };
}

export const verifyCommand = verifyCommandWith(clusterConnections);
