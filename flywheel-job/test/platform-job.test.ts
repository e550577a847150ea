import type { RunLog } from "../src/log";
import type { JobControl, JobStatus, StopAnswer } from "../src/platform/job-control";
import { JobProgressLog, progressText } from "../src/run/job-progress-log";
import { stopPlatformJob } from "../src/run/platform-job";

const readback = { minIntervalMs: 1, maxIntervalMs: 2, stallTimeoutMs: 30 };
const running: JobStatus = { state: "running", status: "running" };

/** A job API whose answers a test sets. */
function jobApi(answers: { cancel: StopAnswer | Error; delete?: StopAnswer; readsUntilGone?: number }): JobControl & { calls: string[] } {
  const calls: string[] = [];
  let reads = answers.readsUntilGone ?? 0;
  return {
    calls,
    status: () => {
      calls.push("status");
      return Promise.resolve(reads-- > 0 ? running : undefined);
    },
    cancel: () => {
      calls.push("cancel");
      return answers.cancel instanceof Error ? Promise.reject(answers.cancel) : Promise.resolve(answers.cancel);
    },
    delete: () => {
      calls.push("delete");
      return Promise.resolve(answers.delete ?? "unsupported");
    },
    url: (id) => `http://nemo/jobs/${id}`,
  };
}

const stop = (api: JobControl, settings = readback) => stopPlatformJob(api, "job-1", new AbortController().signal, settings);

describe("stopping a platform job the run no longer waits for", () => {
  it("cancels it where the API has a cancel call", async () => {
    const api = jobApi({ cancel: "done" });
    expect(await stop(api)).toBe("cancelled");
    expect(api.calls).toEqual(["cancel"]);
  });

  it("deletes it where cancel is not supported, and reads it back until the service answers 404", async () => {
    const api = jobApi({ cancel: "unsupported", delete: "done", readsUntilGone: 2 });
    // A stall timeout no busy machine's timers overrun: this job does go, after two reads.
    expect(await stop(api, { ...readback, stallTimeoutMs: 60_000 })).toBe("deleted");
    expect(api.calls).toEqual(["cancel", "delete", "status", "status", "status"]);
  });

  it("says it was left running when a deleted job stays listed, or the API can neither cancel nor delete", async () => {
    expect(await stop(jobApi({ cancel: "unsupported", delete: "done", readsUntilGone: 1_000_000 }))).toBe("left running: deleted, but the service still lists it after 0.03 s");
    expect(await stop(jobApi({ cancel: "unsupported", delete: "unsupported" }))).toBe("left running: the service has neither a cancel nor a delete call for it");
  });

  it("records a job that had already ended or gone as such", async () => {
    expect(await stop(jobApi({ cancel: "already_ended" }))).toBe("already ended");
    expect(await stop(jobApi({ cancel: "unsupported", delete: "not_found" }))).toBe("already gone");
  });

  it("lets a failing stop request surface to the caller, which records it as left running", async () => {
    await expect(stop(jobApi({ cancel: new Error("Evaluator: cancel evaluation job job-1 failed 5 times") }))).rejects.toThrow("failed 5 times");
  });
});

describe("a job's progress in the log", () => {
  it("is one line: status, percentage, epoch and step", () => {
    expect(progressText({ state: "running", status: "running", percentDone: 40, epochsCompleted: 1, stepsCompleted: 120 })).toBe("running, 40% done, epoch 1, step 120");
    expect(progressText({ state: "pending", status: "created" })).toBe("created");
  });

  it("is logged when it changes, and at least every minute while it does not", () => {
    const lines: string[] = [];
    const log: RunLog = { info: (line) => lines.push(line), warn: (line) => lines.push(`warn ${line}`) };
    let now = 0;
    const progress = new JobProgressLog(log, "customization of m", 60_000, () => now);
    const at = (ms: number, percentDone: number) => {
      now = ms;
      progress.observe({ state: "running", status: "running", percentDone });
    };
    at(0, 10);
    at(5_000, 10);
    at(30_000, 20);
    at(80_000, 20);
    at(90_000, 20);
    at(150_000, 20);
    expect(lines).toEqual([
      "customization of m: running, 10% done",
      "customization of m: running, 20% done",
      "customization of m: running, 20% done (unchanged for 60 s)",
      "customization of m: running, 20% done (unchanged for 120 s)",
    ]);
  });
});
