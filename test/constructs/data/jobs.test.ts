import { spawnSync } from "node:child_process";
import { VersionedJob, type VersionedJobProps, resolveJobRunLimits, resolveMaxAttempts, shellBackoff, versionedName } from "../../../constructs/data/jobs";
import { only, synth } from "./support";

describe("versioned Jobs", () => {
  test("a versioned name fits the 63 characters of a Job's pod label", () => {
    expect(versionedName("X ns/x", "x".repeat(52), "0123456789")).toHaveLength(63);
    expect(() => versionedName("X ns/x", "x".repeat(53), "0123456789")).toThrow(
      new Error(`X ns/x: name "${"x".repeat(53)}" must be at most 52 characters (the Job name adds a 10-character content hash)`),
    );
  });

  test("Job limits and retry attempts default to bounded values", () => {
    expect(resolveJobRunLimits("X ns/x", {})).toEqual({ backoffLimit: 3, activeDeadlineSeconds: 1800, ttlSecondsAfterFinished: 86400 });
    expect(resolveMaxAttempts("X ns/x", undefined)).toBe(30);
    expect(() => resolveMaxAttempts("X ns/x", 1001)).toThrow(new Error("X ns/x: maxAttempts must be an integer between 1 and 1000, got 1001"));
  });
});

describe("VersionedJob", () => {
  const props: VersionedJobProps = {
    owner: "X ns/x",
    name: "x",
    namespace: "ns",
    labels: { app: "x" },
    limits: resolveJobRunLimits("X ns/x", {}),
    files: { "run.sh": "echo hello\n", "input.json": "{}\n" },
    scriptDirectory: "/etc/x",
    script: "run.sh",
    image: "busybox:1.37.0",
    user: { uid: 1000, gid: 1000 },
    env: [{ name: "GREETING", value: "hello" }],
    resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "100m", memory: "32Mi" } },
  };

  test("runs its script from the ConfigMap mounted read-only at a directory", () => {
    const manifests = synth((chart) => new VersionedJob(chart, "job", props));
    const pod = only(manifests, "Job").spec.template.spec;
    expect(pod.containers[0].command).toEqual(["/bin/sh", "/etc/x/run.sh"]);
    expect(pod.containers[0].volumeMounts).toEqual([{ name: "bootstrap", mountPath: "/etc/x", readOnly: true }]);
    expect(pod.volumes).toEqual([{ name: "bootstrap", configMap: { name: only(manifests, "ConfigMap").metadata.name } }]);
  });

  test("refuses a script that is not one of its files", () => {
    expect(() => synth((chart) => new VersionedJob(chart, "job", { ...props, script: "main.sh" }))).toThrow(
      new Error('X ns/x: script "main.sh" must be one of the Job\'s files (run.sh, input.json)'),
    );
  });
});

describe("shellBackoff", () => {
  // A loop whose attempt always fails, with `sleep` replaced by a function that only reports.
  function runFailingLoop(maxAttempts: number): string[] {
    const backoff = shellBackoff("", "server not ready");
    const script = [
      "set -eu",
      'sleep() { echo "slept $1"; }',
      backoff.start,
      "until false; do",
      `  if ${backoff.exhausted}; then echo "gave up after $attempt attempts"; exit 1; fi`,
      backoff.wait,
      "done",
    ].join("\n");
    const result = spawnSync("sh", ["-c", script], { env: { PATH: process.env.PATH, MAX_ATTEMPTS: String(maxAttempts) }, encoding: "utf8" });
    expect(result.status).toBe(1);
    return result.stdout.trim().split("\n");
  }

  test("waits 2 s, doubling to at most 60 s, and gives up after MAX_ATTEMPTS attempts", () => {
    const lines = runFailingLoop(8);
    expect(lines.filter((line) => line.startsWith("slept")).map((line) => Number(line.split(" ")[1]))).toEqual([2, 4, 8, 16, 32, 60, 60]);
    expect(lines[0]).toBe("server not ready, retry 1/8 in 2s");
    expect(lines.at(-1)).toBe("gave up after 8 attempts");
  });
});
