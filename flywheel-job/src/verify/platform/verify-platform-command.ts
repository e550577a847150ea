import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { join, resolve } from "node:path";
import { describeIssues } from "../../config/describe-issues";
import { type FlywheelEnvironment, loadEnvironment } from "../../config/environment";
import { readConfigFile } from "../../config/load-config-file";
import { ExitCode, UsageError } from "../../errors";
import { requiredFlag, stringFlag, switchFlag } from "../../cli/args";
import type { Command } from "../../cli/command";
import { runVerifyJob, type VerifyJobApi, type VerifyJobSettings, type VerifyJobTarget } from "../verify-job";
import type { GpuProbeSettings } from "./gpu-pools-check";
import type { PlatformCheck } from "./platform-check";
import type { PlatformCheckConnections } from "./platform-checks";
import type { PlatformKubernetes } from "./platform-kubernetes";
import { reportPlatformChecks, runPlatformChecks, type PlatformRunSettings } from "./platform-runner";
import { type PlatformVerifyConfig, platformVerifyConfigSchema, verifyPlatformNaming } from "./platform-verify-contract";

/** How `verify platform` reaches the cluster and where it reads its credentials: the real ones, or a test's. */
export interface PlatformVerifyConnections {
  kubernetes(environment: FlywheelEnvironment): Promise<PlatformKubernetes>;
  jobApi(environment: FlywheelEnvironment): Promise<VerifyJobApi>;
  /** The groups to run, given how they connect (a test may add or replace groups); loaded only by `--in-cluster`. */
  checks(connections: PlatformCheckConnections, probe: GpuProbeSettings | undefined): readonly PlatformCheck[];
  /** Where the credentials Secret is mounted. */
  readonly credentialsPath: string;
  /** The most bytes one credential file may hold. */
  readonly credentialLimitBytes: number;
  readonly callTimeoutMs: number;
  readonly run: PlatformRunSettings;
  readonly probe: GpuProbeSettings;
  readonly job: VerifyJobSettings;
}

/** `verify platform --stack`'s Job: every stack declares its CronJob, so its absence is an error. */
const verifyPlatformJob: VerifyJobTarget = {
  cronJob: verifyPlatformNaming.cronJob,
  stackLabel: verifyPlatformNaming.stackLabel,
  absentMeans: "the stack has no job image (flywheel.image), so no verify-platform Job",
  passed: "every platform check passed",
  failedHint: "the checklist above names each failure and its troubleshooting entry",
};

/** What the exit codes of `verify platform` mean, for its help. */
const exitCodes = `exit 0 all passed, ${ExitCode.verificationFailed} a check failed, ${ExitCode.usage} bad flags or configuration, ${ExitCode.transient} the Kubernetes API did not answer (run it again)`;

/** Reads and validates the configuration the stack rendered: exit 2 naming the file and each problem. */
function readPlatformConfig(path: string): PlatformVerifyConfig {
  const file = readConfigFile(path);
  const parsed = platformVerifyConfigSchema.safeParse(file.value);
  if (!parsed.success) {
    throw new UsageError(`${path} is not a verify-platform configuration:`, describeIssues(parsed.error.issues, platformVerifyConfigSchema, { sourceText: file.sourceText }));
  }
  return parsed.data;
}

/** A credential file by its key in the Secret, at most `limitBytes`: a UsageError naming the key when it is missing or too large. */
export function readCredentialFile(directory: string, key: string, limitBytes: number): string {
  if (!/^[A-Za-z0-9._-]{1,253}$/.test(key) || key === "." || key === "..") {
    throw new UsageError(`credential key ${JSON.stringify(key.slice(0, 60))} is not a Secret key`);
  }
  const path = join(directory, key);
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    throw new UsageError(`no credential ${key}: ${path} is missing (the Secret ${verifyPlatformNaming.credentialsSecret} needs key ${key})`);
  }
  try {
    const size = fstatSync(fd).size;
    if (size > limitBytes) {
      throw new UsageError(`credential ${key} (${path}) holds ${size} bytes, more than the ${limitBytes} allowed`);
    }
    const buffer = Buffer.alloc(size);
    const read = readSync(fd, buffer, 0, size, 0);
    return buffer.subarray(0, read).toString("utf8").replace(/\r?\n$/, "");
  } finally {
    closeSync(fd);
  }
}

/** `flywheel verify platform`, reaching the cluster through `connections`. */
export function verifyPlatformCommandWith(connections: PlatformVerifyConnections): Command {
  return {
    name: "platform",
    summary: `check that what the stack deployed works (operators, GPU pools, NIMCaches, stores, endpoints, network paths); ${exitCodes}`,
    usage: "--stack S | --in-cluster --config FILE [--probe-gpu] [--only GROUP,...]",
    options: [
      { name: "stack", value: "S", description: `create a Job from the CronJob ${verifyPlatformNaming.cronJob} of stack S (KUBECONFIG, FLYWHEEL_NAMESPACE), wait for it and print its checklist` },
      { name: "in-cluster", description: "run the checks here: what the Job's pod does" },
      { name: "config", value: "FILE", description: `what to check (with --in-cluster; the Job's is ${verifyPlatformNaming.configPath})` },
      { name: "probe-gpu", description: `also schedule a pod asking for one GPU on each GPU pool, wait for it to run (a pool at zero scales up) and delete it` },
      { name: "only", value: "GROUP,...", description: "run only these groups of checks (see the checklist's group column)" },
    ],
    async run(args, context) {
      const stack = stringFlag(args, "stack");
      const inCluster = switchFlag(args, "in-cluster");
      if ((stack === undefined) === !inCluster) {
        throw new UsageError("give either --stack S (start the check in stack S's cluster) or --in-cluster --config FILE (run it here)");
      }
      const environment = loadEnvironment(context.env);
      const signal = context.shutdown?.signal ?? new AbortController().signal;
      const probeGpu = switchFlag(args, "probe-gpu");
      const only = stringFlag(args, "only");
      const groups = only === undefined ? undefined : only.split(",").map((group) => group.trim()).filter(Boolean);
      if (stack !== undefined) {
        if (stringFlag(args, "config") !== undefined) {
          throw new UsageError("--config goes with --in-cluster; with --stack the Job reads the stack's configuration");
        }
        const extraArgs = [...(probeGpu ? ["--probe-gpu"] : []), ...(groups === undefined ? [] : ["--only", groups.join(",")])];
        return runVerifyJob(verifyPlatformJob, stack, await connections.jobApi(environment), connections.job, context.stdout, signal, extraArgs);
      }
      const config = readPlatformConfig(resolve(context.cwd, requiredFlag(args, "config", "with --in-cluster, the verify-platform configuration the stack renders")));
      const all = connections.checks({ kubernetes: () => connections.kubernetes(environment) }, probeGpu ? connections.probe : undefined);
      const unknown = (groups ?? []).filter((group) => !all.some((check) => check.name === group));
      if (groups?.length === 0 || unknown.length > 0) {
        throw new UsageError(`--only: ${unknown.length > 0 ? `no group ${unknown.map((group) => JSON.stringify(group.slice(0, 60))).join(", ")}` : "no group given"}; the groups are ${all.map((check) => check.name).join(", ")}`);
      }
      const checks = groups === undefined ? all : all.filter((check) => groups.includes(check.name));
      if (probeGpu) {
        // A SIGTERM then aborts the probes, which delete their pods (a pod holding a GPU keeps a node awake) before the process ends.
        context.shutdown?.handleGracefully();
      }
      const lines = await runPlatformChecks(
        checks,
        { config, signal, callTimeoutMs: connections.callTimeoutMs, readCredential: (key) => readCredentialFile(connections.credentialsPath, key, connections.credentialLimitBytes) },
        connections.run,
      );
      const code = reportPlatformChecks(config.stack, lines, context.stdout, context.stderr);
      if (signal.aborted) {
        return signal.reason === "SIGINT" ? ExitCode.interrupted : ExitCode.terminated;
      }
      return code;
    },
  };
}
