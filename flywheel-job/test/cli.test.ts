import { execFile } from "node:child_process";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { main } from "../src/cli/main";
import { ExitCode } from "../src/errors";
import { logDocument, temporaryDirectory, toolLogs, writeLogFile } from "./support/logs";

const samplePath = join(__dirname, "..", "samples", "customer-support.jsonl");

async function run(argv: string[], cwd = temporaryDirectory()) {
  let stdout = "";
  let stderr = "";
  const code = await main(argv, { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) }, env: {}, cwd });
  return { code, stdout, stderr };
}

/** Every file under a directory, relative path → content. */
function readTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) {
      const path = join(entry.parentPath, entry.name);
      out[path.slice(dir.length + 1)] = readFileSync(path, "utf8");
    }
  }
  return out;
}

describe("flywheel plan", () => {
  const fixture = writeLogFile([...toolLogs(120, ["track", "refund", "cancel"]), "not json", logDocument({ user: "hi" }), ...toolLogs(5, ["other"], { workload: "x" })]);

  it("writes the three datasets and plan.json, and prints a summary", async () => {
    const out = temporaryDirectory();
    const result = await run(["plan", "--logs", fixture, "--out", out, "--workload", "w", "--client", "c", "--eval-size", "12", "--limit", "100"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(ExitCode.ok);
    expect(Object.keys(readTree(out)).sort()).toEqual(["eval/eval_data.jsonl", "icl/eval_data.jsonl", "plan.json", "train/training/train_data.jsonl", "train/validation/val_data.jsonl"]);
    const plan = JSON.parse(readFileSync(join(out, "plan.json"), "utf8"));
    expect(plan).toMatchObject({
      workload_id: "w",
      client_id: "c",
      seed: 42,
      workload_type: "tool_calling",
      source: { kind: "jsonl", file: "logs.jsonl", malformed_lines: 1, records_of_this_pair: 121, records_of_other_pairs: 5 },
      counts: { pulled: 121, valid: 121, of_workload_type: 120, unique: 120, sampled: 100, eval: 12, train: 79, validation: 9 },
      drop_counts: { no_tool_calls: 1, duplicate: 0 },
      labels: { eval: { cancel: 4, refund: 4, track: 4 } },
      experiments: [
        { model: "meta/llama-3.2-1b-instruct", eval_type: "base-eval", dataset: "eval", records: 12, gpus: 1 },
        { model: "meta/llama-3.2-1b-instruct", eval_type: "icl-eval", dataset: "icl", records: 12, gpus: 1 },
      ],
    });
    expect(plan.experiments).toHaveLength(2);
    expect(plan.estimate.gpu_hours).toBeGreaterThan(0);
    expect(readFileSync(join(out, "eval/eval_data.jsonl"), "utf8").trim().split("\n")).toHaveLength(12);
    expect(result.stdout).toContain("tool-calling workload, seed 42");
    expect(result.stdout).toMatch(/sampled\s+100/);
    expect(result.stdout).toMatch(/no_tool_calls\s+1/);
  });

  it("gives byte-identical output for the same input and seed, and a different sample for another seed", async () => {
    const args = ["plan", "--logs", fixture, "--workload", "w", "--client", "c", "--limit", "60"];
    const [a, b, c] = [temporaryDirectory(), temporaryDirectory(), temporaryDirectory()];
    await run([...args, "--out", a]);
    await run([...args, "--out", b]);
    await run([...args, "--out", c, "--seed", "7"]);
    expect(readTree(b)).toEqual(readTree(a));
    expect(readTree(c)["eval/eval_data.jsonl"]).not.toEqual(readTree(a)["eval/eval_data.jsonl"]);
  });

  it("runs on the committed sample and infers nothing it cannot", async () => {
    const out = temporaryDirectory();
    const ambiguous = await run(["plan", "--logs", samplePath, "--out", out]);
    expect(ambiguous.code).toBe(ExitCode.usage);
    expect(ambiguous.stderr).toContain('--workload "customer-support" --client "support-web"');

    const result = await run(["plan", "--logs", samplePath, "--out", out, "--workload", "customer-support", "--client", "support-web"]);
    expect(result.code).toBe(ExitCode.ok);
    const plan = JSON.parse(readFileSync(join(out, "plan.json"), "utf8"));
    expect(plan.workload_type).toBe("tool_calling");
    expect(plan.source.malformed_lines).toBeGreaterThan(0);
    expect(plan.labels.merged_into_others.length).toBeGreaterThan(0);
    for (const reason of ["duplicate", "no_tool_calls", "invalid_tool_arguments", "missing_response_message", "unassembled_stream", "invalid_timestamp"]) {
      expect(plan.drop_counts[reason]).toBeGreaterThan(0);
    }
    const generic = await run(["plan", "--logs", samplePath, "--out", temporaryDirectory(), "--workload", "ticket-summary", "--eval-size", "10"]);
    expect(generic.code).toBe(ExitCode.ok);
    expect(generic.stdout).toContain('client "support-web": generic workload');
  });

  it.each([
    [["plan", "--out", "x"], ExitCode.usage, "flywheel: error: --logs is required: the JSONL log export to read"],
    [["plan", "--logs", "a.jsonl", "--out", "x", "--bogus"], ExitCode.usage, "flywheel: error: Unknown option '--bogus'"],
    [["plan", "--logs", "a.jsonl", "--out", "x", "--seed", "1.5"], ExitCode.usage, 'flywheel: error: --seed: expected an integer from 0 to 4294967295, got "1.5"'],
    [["plan", "--logs", "missing.jsonl", "--out", "x"], ExitCode.usage, "flywheel: error: --logs: cannot read"],
    [["frobnicate"], ExitCode.usage, 'flywheel: error: unknown command "frobnicate"'],
  ])("fails %j with exit code %i and a one-line message", async (argv, code, message) => {
    const result = await run(argv);
    expect(result.code).toBe(code);
    expect(result.stderr.startsWith(message)).toBe(true);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("reports a bad config file with every problem, naming the keys", async () => {
    const dir = temporaryDirectory();
    writeFileSync(join(dir, "job.yaml"), "data:\n  evalSise: 5\ncandidates: []\n");
    const result = await run(["plan", "--logs", fixture, "--out", "out", "--config", "job.yaml"], dir);
    expect(result.code).toBe(ExitCode.usage);
    expect(result.stderr).toBe(
      "flywheel: error: the config file job.yaml is not a valid flywheel job configuration:\n" +
        '  - data.evalSise: unknown key (did you mean "evalSize"?)\n' +
        "  - candidates: expected a list with length >= 1, got []\n" +
        "  - judge: is required (expected object)\n",
    );
  });

  it("exits with the not-enough-data code when too few records remain", async () => {
    const small = writeLogFile(toolLogs(30, ["a", "b"]));
    const result = await run(["plan", "--logs", small, "--out", temporaryDirectory(), "--workload", "w", "--client", "c"]);
    expect(result.code).toBe(ExitCode.insufficientData);
    expect(result.stderr).toBe('flywheel: error: only 30 usable records for workload "w", client "c" (minTotalRecords is 50; pulled 30)\n');
  });

  it("exits with the not-enough-data code when the workload has no records", async () => {
    const result = await run(["plan", "--logs", fixture, "--out", temporaryDirectory(), "--workload", "nope", "--client", "c"]);
    expect(result.code).toBe(ExitCode.insufficientData);
    expect(result.stderr).toBe(
      'flywheel: error: no log records for workload "nope", client "c" in logs.jsonl; it holds:\n' +
        '  - --workload "w" --client "c"  (121 records)\n' +
        '  - --workload "x" --client "c"  (5 records)\n',
    );
  });

  it("runs through the npm bin shim with a clean error and exit code", async () => {
    const bin = join(__dirname, "..", "bin", "flywheel.js");
    const failure = await promisify(execFile)(process.execPath, [bin, "plan", "--logs", "/nonexistent.jsonl", "--out", temporaryDirectory()]).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure).toMatchObject({ code: ExitCode.usage, stderr: "flywheel: error: --logs: cannot read /nonexistent.jsonl: no such file or directory\n" });
  });
});
