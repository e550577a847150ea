import type * as k8s from "@kubernetes/client-node" with { "resolution-mode": "import" };
import { ExitCode, type ExitCodeValue, UsageError } from "../errors";
import { CronJobShapeError, manualJobFromCronJob } from "../kubernetes/job-from-cronjob";
import type { Output } from "../cli/command";
import { printableLine } from "../text/printable";
import { formatDuration } from "../waits/poll-until";
import { sleep } from "../waits/sleep";

/**
 * `flywheel verify serving --stack S`: the checks run inside the cluster, as a Job created from the
 * stack's suspended CronJob `verify-serving` in the flywheel namespace, because the serving
 * namespace's NetworkPolicies admit only the verify pods (and the listed application namespaces)
 * to the serving pods. They do not go through the API server's service proxy: that would need the
 * proxy admitted to every model, and a person or the deploy workflow would need `services/proxy`.
 * This side only creates the Job, waits for it and prints its pod's log (the result table).
 */

/** The Kubernetes calls `--stack` makes, in the flywheel namespace. */
export interface VerifyJobApi {
  /** Where the CronJob is looked for, for messages. */
  readonly namespace: string;
  /** The CronJob, or undefined when there is none. */
  readCronJob(name: string, signal: AbortSignal): Promise<k8s.V1CronJob | undefined>;
  createJob(job: k8s.V1Job, signal: AbortSignal): Promise<void>;
  /** `complete`, `failed` or `running`, from the Job's conditions. */
  jobState(name: string, signal: AbortSignal): Promise<JobState>;
  /** The log of the Job's pod (the newest, when there were several), at most `limitBytes`; undefined when it has no pod. */
  podLog(jobName: string, limitBytes: number, signal: AbortSignal): Promise<string | undefined>;
}

export type JobState = "complete" | "failed" | "running";

export interface VerifyJobSettings {
  /**
   * How much longer than the Job's own deadline (`activeDeadlineSeconds`, the CronJob's) the command
   * waits for it, for its pod to be scheduled and its image pulled; a Job without a deadline is
   * waited for this long.
   */
  readonly jobTimeoutMarginMs: number;
  readonly pollIntervalMs: number;
  /** The most of the pod's log printed. */
  readonly logLimitBytes: number;
}

/** Which verification's CronJob `--stack` starts, and how its outcome reads. */
export interface VerifyJobTarget {
  /** The suspended CronJob's name, in the flywheel namespace. */
  readonly cronJob: string;
  /** The label on it whose value is the stack's name. */
  readonly stackLabel: string;
  /**
   * Why there may be no CronJob, and there is nothing to check (`the stack has no serving entries`);
   * undefined when the stack always declares it, so that its absence is an error.
   */
  readonly absentMeans?: string;
  /** What a completed Job proves (`every serving entry passed`). */
  readonly passed: string;
  /** Where a failed Job's log names what failed (`the table above names the entries that failed`). */
  readonly failedHint: string;
}

/** A Job name for this verification: the CronJob's, then the time in base 36, unique per second. */
function verifyJobName(cronJob: string, now: Date): string {
  return `${cronJob}-${Math.floor(now.getTime() / 1000).toString(36)}`;
}

/**
 * Creates a Job from the target's CronJob when it is the stack's, waits until it completes or
 * fails, and prints its pod's log. No CronJob: when the target says why that is normal, there is
 * nothing to check (exit 0 with a note, so the deploy workflow needs no condition), else a usage
 * error; a CronJob of another stack is refused (the kubeconfig points at the wrong cluster).
 * `extraArgs` (`--smoke N --tolerance T`, `--probe-gpu`) are appended to the container's arguments.
 */
export async function runVerifyJob(
  target: VerifyJobTarget,
  stack: string,
  api: VerifyJobApi,
  settings: VerifyJobSettings,
  output: Output,
  signal: AbortSignal,
  extraArgs: readonly string[] = [],
  now: () => Date = () => new Date(),
): Promise<ExitCodeValue> {
  const cronJob = await api.readCronJob(target.cronJob, signal);
  if (cronJob === undefined) {
    if (target.absentMeans === undefined) {
      throw new UsageError(`no CronJob ${target.cronJob} in namespace ${api.namespace}: is the kubeconfig (KUBECONFIG, FLYWHEEL_NAMESPACE) that of stack ${stack}'s cluster, and was the stack deployed (pulumi up)?`);
    }
    output.write(`no CronJob ${target.cronJob} in namespace ${api.namespace}: ${target.absentMeans}, nothing to verify\n`);
    return ExitCode.ok;
  }
  const labelled = cronJob.metadata?.labels?.[target.stackLabel];
  if (labelled !== stack) {
    throw new UsageError(
      `the CronJob ${api.namespace}/${target.cronJob} is ${labelled === undefined ? `not labelled ${target.stackLabel}` : `stack ${JSON.stringify(printableLine(labelled))}'s (label ${target.stackLabel})`}, not stack ${JSON.stringify(stack)}'s: is the kubeconfig (KUBECONFIG, FLYWHEEL_NAMESPACE) that of stack ${stack}'s cluster?`,
    );
  }
  let job: k8s.V1Job;
  try {
    job = manualJobFromCronJob(cronJob, verifyJobName(target.cronJob, now()), (container) => (extraArgs.length === 0 ? container : { ...container, args: [...(container.args ?? []), ...extraArgs] }));
  } catch (error) {
    if (error instanceof CronJobShapeError) {
      throw new UsageError(`${error.message}; the stack renders it (pulumi up)`);
    }
    throw error;
  }
  const name = job.metadata?.name ?? "";
  const timeoutMs = (job.spec?.activeDeadlineSeconds ?? 0) * 1000 + settings.jobTimeoutMarginMs;
  await api.createJob(job, signal);
  output.write(`created Job ${api.namespace}/${name}; waiting up to ${formatDuration(timeoutMs)} for it to finish\n`);
  const state = await waitForJob(name, api, timeoutMs, settings.pollIntervalMs, signal);
  const log = await api.podLog(name, settings.logLimitBytes, signal);
  output.write(log === undefined ? `(Job ${name} has no pod whose log could be read)\n` : log.endsWith("\n") || log === "" ? log : `${log}\n`);
  if (state === "complete") {
    output.write(`Job ${name} completed: ${target.passed}\n`);
    return ExitCode.ok;
  }
  output.write(
    state === "failed"
      ? `Job ${name} failed: ${target.failedHint} (kubectl -n ${api.namespace} logs job/${name})\n`
      : `Job ${name} did not finish within ${formatDuration(timeoutMs)}; it goes on in the cluster (kubectl -n ${api.namespace} logs -f job/${name})\n`,
  );
  return ExitCode.verificationFailed;
}

async function waitForJob(name: string, api: VerifyJobApi, timeoutMs: number, pollIntervalMs: number, signal: AbortSignal): Promise<JobState> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await api.jobState(name, signal);
    const remaining = deadline - Date.now();
    if (state !== "running" || remaining <= 0) {
      return state;
    }
    await sleep(Math.min(pollIntervalMs, remaining), signal);
  }
}
