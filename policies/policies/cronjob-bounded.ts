import type { ResourceValidationPolicy } from "@pulumi/policy";
import { policyConfig } from "../lib/config";
import { describeObject, isKind, validateKubernetesObject } from "../lib/kubernetes";

export interface CronJobBoundedConfig {
  /** Highest backoffLimit allowed (Kubernetes' own default is 6). */
  readonly maxBackoffLimit: number;
}

export const cronJobBoundedDefaults: CronJobBoundedConfig = { maxBackoffLimit: 6 };

interface CronJobSpec {
  readonly concurrencyPolicy?: string;
  readonly successfulJobsHistoryLimit?: number;
  readonly failedJobsHistoryLimit?: number;
  readonly jobTemplate?: {
    readonly spec?: { readonly activeDeadlineSeconds?: number; readonly backoffLimit?: number; readonly ttlSecondsAfterFinished?: number };
  };
}

/**
 * A flywheel run holds GPUs for hours: two runs of one schedule must not overlap, a run must end,
 * retries must be bounded, and finished Jobs must go away. Either cleanup satisfies the last rule:
 * history limits, or `ttlSecondsAfterFinished` on the Job template — which this project uses,
 * because deleting a finished Job is what garbage-collects the NIMServices it owns (and cdk8s-plus
 * refuses a TTL together with history limits).
 */
export const cronJobBounded: ResourceValidationPolicy = {
  name: "cronjob-bounded",
  description:
    "CronJobs forbid concurrent runs, bound each run (activeDeadlineSeconds) and its retries (backoffLimit, config maxBackoffLimit), and clean up finished Jobs (history limits or ttlSecondsAfterFinished). " +
    "Mandatory: an overlapping or endless run holds GPUs for nothing.",
  enforcementLevel: "mandatory",
  severity: "medium",
  remediationSteps:
    "Set concurrencyPolicy: Forbid, jobTemplate.spec.activeDeadlineSeconds, jobTemplate.spec.backoffLimit, and either jobTemplate.spec.ttlSecondsAfterFinished or both history limits.",
  configSchema: {
    properties: {
      maxBackoffLimit: {
        type: "integer",
        minimum: 0,
        default: cronJobBoundedDefaults.maxBackoffLimit,
        description: "Highest jobTemplate.spec.backoffLimit allowed.",
      },
    },
  },
  validateResource: validateKubernetesObject((object, args, reportViolation) => {
    if (!isKind(object, "batch", "CronJob")) {
      return;
    }
    const { maxBackoffLimit } = policyConfig(args, cronJobBoundedDefaults);
    const spec = (object.spec ?? {}) as CronJobSpec;
    const job = spec.jobTemplate?.spec ?? {};
    const name = describeObject(object);
    if (spec.concurrencyPolicy !== "Forbid") {
      reportViolation(
        `${name} allows concurrent runs (concurrencyPolicy is ${spec.concurrencyPolicy ?? "unset, i.e. Allow"}): a slow run and the next one would hold GPUs and write results side by side. ` +
          "Fix: set spec.concurrencyPolicy to Forbid.",
      );
    }
    if (!(typeof job.activeDeadlineSeconds === "number" && job.activeDeadlineSeconds > 0)) {
      reportViolation(`${name} sets no jobTemplate.spec.activeDeadlineSeconds: a stuck run never ends. Fix: set it to the longest a run may take.`);
    }
    if (typeof job.backoffLimit !== "number") {
      reportViolation(`${name} sets no jobTemplate.spec.backoffLimit, so a failing run is retried 6 times. Fix: set it explicitly (at most ${maxBackoffLimit}).`);
    } else if (job.backoffLimit > maxBackoffLimit) {
      reportViolation(`${name} retries a failed run ${job.backoffLimit} times (jobTemplate.spec.backoffLimit); at most ${maxBackoffLimit} allowed. Fix: lower backoffLimit.`);
    }
    const ttl = typeof job.ttlSecondsAfterFinished === "number";
    const history = typeof spec.successfulJobsHistoryLimit === "number" && typeof spec.failedJobsHistoryLimit === "number";
    if (!ttl && !history) {
      reportViolation(
        `${name} neither sets jobTemplate.spec.ttlSecondsAfterFinished nor both history limits, so cleaning up finished Jobs (and what they own) is left to defaults. ` +
          "Fix: set jobTemplate.spec.ttlSecondsAfterFinished (or successfulJobsHistoryLimit and failedJobsHistoryLimit).",
      );
    }
  }),
};
