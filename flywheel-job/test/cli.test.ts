import { execFile } from "node:child_process";
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { type Command, type CommandNode, isGroup } from "../src/cli/command";
import { commands } from "../src/cli/commands";
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

  describe("a usage error is one line and exit code 2", () => {
    const dir = temporaryDirectory();
    const file = join(dir, "a-file");
    writeFileSync(file, "");
    const plan = ["plan", "--logs", fixture, "--out", join(dir, "out")];
    it.each([
      [["plan", "--out", "x"], "--logs is required: the JSONL log export to read"],
      [[...plan, "--log", "x"], `unknown option '--log' (did you mean --logs?); see "flywheel plan --help"`],
      [[...plan, "--eval-size", "-3"], '--eval-size: expected an integer >= 1, got "-3"'],
      [[...plan, "--seed", "1.5"], '--seed: expected an integer from 0 to 4294967295, got "1.5"'],
      [["plan", "--logs"], `option '--logs <FILE>' argument missing; see "flywheel plan --help"`],
      [[...plan, "extra"], `too many arguments for 'plan'. Expected 0 arguments but got 1; see "flywheel plan --help"`],
      [["plan", "--logs", join(dir, "missing.jsonl"), "--out", "x"], `--logs: cannot read ${join(dir, "missing.jsonl")}: no such file or directory`],
      [["plan", "--logs", dir, "--out", "x"], `--logs: ${dir} is not a file`],
      [["plan", "--logs", fixture, "--out", file], `--out: ${file} is a file, not a directory`],
      [["plan", "--logs", fixture, "--out", join(file, "out")], `--out: cannot use ${join(file, "out")}: a part of the path is not a directory`],
      // Not writable even by root: sysfs refuses new directories.
      [["plan", "--logs", fixture, "--out", "/sys/flywheel-plan"], "--out: cannot create /sys/flywheel-plan: permission denied"],
      [["--verbose"], `unknown option '--verbose'; see "flywheel --help"`],
      [["--verison"], `unknown option '--verison' (did you mean --version?); see "flywheel --help"`],
      [["frobnicate"], `unknown command 'frobnicate'; see "flywheel --help"`],
      [["plann", "--logs", fixture], `unknown command 'plann' (did you mean plan?); see "flywheel --help"`],
      [["runs", "lst"], `unknown command 'lst' (did you mean list?); see "flywheel runs --help"`],
      [["runs", "list", "--jsn"], `unknown option '--jsn' (did you mean --json?); see "flywheel runs list --help"`],
      [["runs", "show"], `missing required argument 'run-id'; see "flywheel runs show --help"`],
      [["runs", "show", "a", "b"], `too many arguments for 'show'. Expected 1 argument but got 2; see "flywheel runs show --help"`],
      [["runs", "list", "--limit", "0"], '--limit: expected an integer from 1 to 1000, got "0"'],
    ])("fails %j with exit code 2 and a one-line message", async (argv, message) => {
      const result = await run(argv);
      expect(result).toEqual({ code: ExitCode.usage, stdout: "", stderr: `flywheel: error: ${message}\n` });
    });

    it("leaves no directory behind when it checked that --out can be created", async () => {
      const out = join(dir, "new", "out");
      const result = await run(["plan", "--logs", fixture, "--out", out, "--workload", "nope", "--client", "c"]);
      expect(result.code).toBe(ExitCode.insufficientData);
      expect(existsSync(join(dir, "new"))).toBe(false);
    });
  });

  describe("a configuration error is one line plus one per problem, naming each key, and exit code 2", () => {
    const config = (dir: string, yaml: string) => {
      writeFileSync(join(dir, "job.yaml"), yaml);
      return ["plan", "--logs", fixture, "--out", join(dir, "out"), "--workload", "w", "--client", "c", "--config", "job.yaml"];
    };
    const candidate = "candidates:\n  - model: m\n    image: { repository: r, tag: 1.8.3 }\n    customize: false\n";

    it("names every malformed URL by its key", async () => {
      const dir = temporaryDirectory();
      const result = await run(
        config(dir, `${candidate}judge: { url: not a url, modelId: m }\nicl: { selection: semantic }\nembedding: { url: "https://", modelId: e }\nnemo: { baseUrl: nemo.local }\n`),
        dir,
      );
      expect(result.code).toBe(ExitCode.usage);
      expect(result.stderr).toBe(
        "flywheel: error: the config file job.yaml with --workload w --client c is not a valid flywheel job configuration:\n" +
          '  - judge.url: expected an http:// or https:// URL, got "not a url"\n' +
          '  - embedding.url: expected an http:// or https:// URL, got "https://"\n' +
          '  - nemo.baseUrl: expected an http:// or https:// URL, got "nemo.local"\n',
      );
    });

    it("says how to quote a version YAML read as a number, as the file wrote it", async () => {
      const dir = temporaryDirectory();
      const result = await run(
        config(dir, "candidates:\n  - model: m\n    image: { repository: r, tag: 1.10 }\n    customize: false\n  - model: n\n    image: { repository: r, tag: 2 }\n    customize: false\njudge: { url: https://j/v1/chat/completions, modelId: m }\n"),
        dir,
      );
      expect(result.stderr).toBe(
        "flywheel: error: the config file job.yaml with --workload w --client c is not a valid flywheel job configuration:\n" +
          '  - candidates[0].image.tag: expected a string, got the number 1.1 (write "1.10" in quotes in YAML)\n' +
          '  - candidates[1].image.tag: expected a string, got the number 2 (write "2" in quotes in YAML)\n',
      );
    });

    it("names the flag that can fix a default the command line made invalid", async () => {
      const result = await run(["plan", "--logs", fixture, "--out", temporaryDirectory(), "--workload", "w", "--client", "c", "--limit", "10"]);
      expect(result.code).toBe(ExitCode.usage);
      expect(result.stderr).toBe(
        "flywheel: error: the built-in configuration with --workload w --client c --limit 10 is not a valid flywheel job configuration:\n" +
          "  - data.evalSize: must be smaller than data.limit (10), or nothing is left to train on, got 20; set it with --eval-size\n" +
          "  - data.minTotalRecords: must not exceed twice data.limit (20), the most records a run pulls, got 50; set it with --min-records\n",
      );
      const fixed = await run(["plan", "--logs", fixture, "--out", temporaryDirectory(), "--workload", "w", "--client", "c", "--limit", "10", "--eval-size", "3", "--min-records", "10"]);
      expect(fixed.code).toBe(ExitCode.ok);
    });
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

  it("lists the pairs the file holds when only a mistyped workload is given", async () => {
    const result = await run(["plan", "--logs", fixture, "--out", temporaryDirectory(), "--workload", "nope"]);
    expect(result.code).toBe(ExitCode.insufficientData);
    expect(result.stderr).toBe(`flywheel: error: ${fixture} holds no log records for workload "nope"; it holds:\n  - --workload "w" --client "c"  (121 records)\n  - --workload "x" --client "c"  (5 records)\n`);
  });

  it("says each line must be a JSON object when the file is a JSON array or a pretty-printed document", async () => {
    const array = join(temporaryDirectory(), "logs.json");
    writeFileSync(array, `[\n${toolLogs(3, ["a"]).map((line) => `  ${JSON.stringify(line)}`).join(",\n")}\n]\n`);
    const pretty = join(temporaryDirectory(), "logs.json");
    writeFileSync(pretty, `${JSON.stringify(toolLogs(1, ["a"])[0], null, 2)}\n`);
    const jsonl = "each line must be one record as a JSON object (JSONL), not a JSON array or a document spread over lines";
    for (const argv of [["--workload", "w", "--client", "c"], []]) {
      const fromArray = await run(["plan", "--logs", array, "--out", temporaryDirectory(), ...argv]);
      expect(fromArray).toMatchObject({ code: ExitCode.usage, stderr: `flywheel: error: ${array} holds no log records: it is a JSON array; ${jsonl}\n` });
      const fromPretty = await run(["plan", "--logs", pretty, "--out", temporaryDirectory(), ...argv]);
      expect(fromPretty.code).toBe(ExitCode.usage);
      expect(fromPretty.stderr).toMatch(new RegExp(`holds no log records: none of its \\d+ lines is a JSON object; ${jsonl.replace(/[()]/g, "\\$&")}\n$`));
    }
  });

  it("runs through the npm bin shim with a clean error and exit code", async () => {
    const bin = join(__dirname, "..", "bin", "flywheel.js");
    const failure = await promisify(execFile)(process.execPath, [bin, "plan", "--logs", "/nonexistent.jsonl", "--out", temporaryDirectory()]).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure).toMatchObject({ code: ExitCode.usage, stderr: "flywheel: error: --logs: cannot read /nonexistent.jsonl: no such file or directory\n" });
  });
});

describe("flywheel's help", () => {
  /** Every leaf command with its words after "flywheel", e.g. ["runs", "list"]. */
  const leaves = (nodes: readonly CommandNode[], path: string[] = []): [string[], Command][] =>
    nodes.flatMap((node) => (isGroup(node) ? leaves(node.commands, [...path, node.name]) : [[[...path, node.name], node] as [string[], Command]]));
  const flat = (text: string) => text.replace(/\s+/g, " ");

  it("lists every command with its summary, exit code 0", async () => {
    const result = await run(["--help"]);
    expect(result.code).toBe(ExitCode.ok);
    expect(result.stderr).toBe("");
    for (const command of commands) {
      expect(flat(result.stdout)).toContain(`${command.name} `);
      expect(flat(result.stdout)).toContain(command.summary);
    }
  });

  it.each(leaves(commands))("shows %j's usage, options and descriptions", async (path, command) => {
    const result = await run([...path, "--help"]);
    expect(result).toMatchObject({ code: ExitCode.ok, stderr: "" });
    expect(result.stdout).toContain(`Usage: flywheel ${path.join(" ")} ${command.usage}\n`);
    expect(flat(result.stdout)).toContain(command.summary);
    for (const option of command.options) {
      expect(flat(result.stdout)).toContain(`--${option.name}${option.value ? ` <${option.value}>` : ""} ${option.description}`);
    }
    for (const argument of command.arguments ?? []) {
      expect(flat(result.stdout)).toContain(`${argument.name} ${argument.description}`);
    }
  });

  it("prints the help to stderr with exit code 2 when no command is given", async () => {
    for (const argv of [[], ["runs"]]) {
      const result = await run(argv);
      expect(result.code).toBe(ExitCode.usage);
      expect(result.stdout).toBe("");
      expect(result.stderr).toMatch(/^Usage: flywheel (runs )?<command> \[options\]\n/);
    }
  });

  it("prints the version", async () => {
    const manifest = JSON.parse(readFileSync(join(__dirname, "..", "package.json"), "utf8")) as { version: string };
    expect(await run(["--version"])).toEqual({ code: ExitCode.ok, stdout: `${manifest.version}\n`, stderr: "" });
  });

  it("is what the README's CLI section shows", () => {
    const readme = readFileSync(join(__dirname, "..", "README.md"), "utf8");
    const block = /## CLI\n[\s\S]*?```\n([\s\S]*?)```/.exec(readme)?.[1] ?? "";
    // A long usage goes on over indented lines.
    const lines = block.trim().replace(/\n\s+/g, " ").split("\n");
    expect(lines.slice(0, -1)).toEqual(leaves(commands).map(([path, command]) => `flywheel ${path.join(" ")} ${command.usage}`));
  });
});
