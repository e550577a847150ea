import { cronJobBounded } from "../../policies/cronjob-bounded";
import { objectViolations } from "../support/policy-review";
import { cpuDeployment, edit, flywheelCronJob } from "../support/fixtures";

const job = "spec.jobTemplate.spec";

describe("cronjob-bounded", () => {
  it("passes the flywheel's CronJob: Forbid, a deadline, bounded retries and a TTL", async () => {
    expect(await objectViolations(cronJobBounded, flywheelCronJob())).toEqual([]);
    expect(await objectViolations(cronJobBounded, cpuDeployment())).toEqual([]);
  });

  it("catches a CronJob that allows concurrency, explicitly or by default", async () => {
    expect(await objectViolations(cronJobBounded, edit(flywheelCronJob(), "spec.concurrencyPolicy", "Allow"))).toEqual([
      "CronJob flywheel/flywheel-support-agent allows concurrent runs (concurrencyPolicy is Allow): a slow run and the next one would hold GPUs and write results side by side. " +
        "Fix: set spec.concurrencyPolicy to Forbid.",
    ]);
    expect(await objectViolations(cronJobBounded, edit(flywheelCronJob(), "spec.concurrencyPolicy", undefined))).toEqual([
      expect.stringContaining("(concurrencyPolicy is unset, i.e. Allow)"),
    ]);
    expect(await objectViolations(cronJobBounded, edit(flywheelCronJob(), "spec.concurrencyPolicy", "Replace"))).toEqual([
      expect.stringContaining("(concurrencyPolicy is Replace)"),
    ]);
  });

  it("catches a run without a deadline", async () => {
    expect(await objectViolations(cronJobBounded, edit(flywheelCronJob(), `${job}.activeDeadlineSeconds`, undefined))).toEqual([
      "CronJob flywheel/flywheel-support-agent sets no jobTemplate.spec.activeDeadlineSeconds: a stuck run never ends. Fix: set it to the longest a run may take.",
    ]);
  });

  it("catches unbounded or excessive retries", async () => {
    expect(await objectViolations(cronJobBounded, edit(flywheelCronJob(), `${job}.backoffLimit`, undefined))).toEqual([
      expect.stringContaining("sets no jobTemplate.spec.backoffLimit, so a failing run is retried 6 times"),
    ]);
    expect(await objectViolations(cronJobBounded, edit(flywheelCronJob(), `${job}.backoffLimit`, 4), { maxBackoffLimit: 3 })).toEqual([
      expect.stringContaining("retries a failed run 4 times (jobTemplate.spec.backoffLimit); at most 3 allowed"),
    ]);
  });

  it("accepts either cleanup: a TTL on the Job template, or both history limits", async () => {
    const noTtl = edit(flywheelCronJob(), `${job}.ttlSecondsAfterFinished`, undefined);
    expect(await objectViolations(cronJobBounded, noTtl)).toEqual([
      expect.stringContaining("neither sets jobTemplate.spec.ttlSecondsAfterFinished nor both history limits"),
    ]);
    const history = edit(edit(noTtl, "spec.successfulJobsHistoryLimit", 3), "spec.failedJobsHistoryLimit", 1);
    expect(await objectViolations(cronJobBounded, history)).toEqual([]);
    expect(await objectViolations(cronJobBounded, edit(history, "spec.failedJobsHistoryLimit", undefined))).toEqual([
      expect.stringContaining("nor both history limits"),
    ]);
  });
});
