import { readdirSync, writeFileSync } from "node:fs";
import { newRecordId } from "../src/store/ids";
import type { RunRecord } from "../src/store/records";
import { temporaryDirectory } from "./support/logs";
import {
  copiedStacks,
  failingCandidate,
  partlyPassingCandidate,
  promote,
  recordedAdapter,
  recordRun,
  servingOf,
  stackCandidate,
  stackWorkload,
} from "./support/promotion-records";

/** The text of the dev file's serving entry: from its `- name:` line to the end of the file, where it ends. */
const devEntryStart = "    - name: customer-support\n";

let stateDirectory: string;
let completed: RunRecord;

beforeAll(async () => {
  stateDirectory = temporaryDirectory();
  completed = await recordRun(stateDirectory);
});

describe("flywheel promote into copies of the shipped stack files", () => {
  it("replaces dev's example entry with the recommended row and its evidence, every other byte kept", async () => {
    const stacks = copiedStacks();
    const before = stacks.text("dev");
    const result = await promote([completed.id, "--stack", "dev", "--state-dir", stateDirectory, "--stacks-dir", stacks.directory]);
    expect(result).toMatchObject({ code: 0, stderr: "" });
    const after = stacks.text("dev");
    const start = before.indexOf(devEntryStart);
    // The entry is the file's last text: everything before it is unchanged, comments included.
    expect(after.slice(0, start)).toBe(before.slice(0, start));
    const entryText = after.slice(start);
    expect(entryText).toContain('      tag: "1.12.0"\n');
    expect(entryText).toMatch(/\n {8}at: "\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"\n/);
    expect(entryText).toContain("      clientNamespaces: [support-web]\n");
    expect(servingOf(after)).toEqual([
      {
        name: "customer-support",
        model: stackCandidate,
        image: { repository: "nvcr.io/nim/meta/llama-3.2-1b-instruct", tag: "1.12.0" },
        gpus: 1,
        replicas: { min: 1, max: 1 },
        scaleOn: { metric: "num_requests_waiting", target: 4 },
        clientNamespaces: ["support-web"],
        promotedFrom: {
          runId: completed.id,
          workloadId: stackWorkload.workloadId,
          clientId: stackWorkload.clientId,
          evalType: "base-eval",
          scores: { function_name_accuracy: 0.99, function_name_and_args_accuracy: 0.96, tool_calling_correctness: 0.97 },
          targets: { function_name_and_args_accuracy: 0.95 },
          at: expect.any(String),
        },
      },
    ]);
    expect(result.stdout).toMatch(/^--- a\/stacks\/Pulumi\.dev\.yaml\n\+\+\+ b\/stacks\/Pulumi\.dev\.yaml\n@@ /);
    expect(result.stdout).toContain("\n-        max: 0\n");
    expect(result.stdout).toContain(`\n+        runId: ${completed.id}\n`);
    expect(result.stdout).toContain(`replaces the serving entry customer-support: ${stackCandidate} (base-eval) from run ${completed.id}`);
    expect(result.stdout).toContain("serving GPU cost: 0 → 0.98 per hour at replicas.min (flywheel.gpuHourlyCost 0.98)");
    expect(result.stdout).toContain("replicas set to min 1, max 1: the entry was off");
    // The write left no temporary file beside the stack file.
    expect(readdirSync(stacks.directory).sort()).toEqual(["Pulumi.dev.yaml", "Pulumi.local.yaml", "Pulumi.prod.yaml"]);

    // Promoting again keeps what the entry now says (its replicas), and changes nothing else.
    const again = await promote([completed.id, "--stack", "dev", "--state-dir", stateDirectory, "--stacks-dir", stacks.directory]);
    expect(again.code).toBe(0);
    expect(again.stdout).not.toContain("replicas set to");
    expect(servingOf(stacks.text("dev"))[0].replicas).toEqual({ min: 1, max: 1 });
  });

  it("appends a new entry to local's file, which has no serving list, at one replica priced in GPUs", async () => {
    const stacks = copiedStacks();
    const before = stacks.text("local");
    const result = await promote([completed.id, "--stack", "local", "--state-dir", stateDirectory, "--stacks-dir", stacks.directory, "--client-namespace", "support-web,support-batch"]);
    expect(result).toMatchObject({ code: 0, stderr: "" });
    const after = stacks.text("local");
    expect(after.startsWith(before)).toBe(true);
    expect(after.slice(before.length)).toMatch(/^ {2}data-flywheel:serving:\n {4}- name: customer-support\n/);
    expect(servingOf(after)).toEqual([expect.objectContaining({ name: "customer-support", replicas: { min: 1, max: 1 }, clientNamespaces: ["support-web", "support-batch"] })]);
    expect(result.stdout).toContain("serving GPU cost: 0 → 1 GPUs at replicas.min");
  });

  it("starts a new production entry at two replicas", async () => {
    const stacks = copiedStacks();
    // The prod file ships without workloads; this one runs the dev stack's.
    const withWorkload = `${stacks.text("prod")}  data-flywheel:workloads:\n    - workloadId: customer-support\n      clientId: support-web\n      schedule: "0 3 * * 1"\n      candidates:\n        - model: meta/llama-3.2-1b-instruct\n      targets:\n        function_name_and_args_accuracy: 0.95\n`;
    writeFileSync(stacks.file("prod"), withWorkload);
    const result = await promote([completed.id, "--stack", "prod", "--state-dir", stateDirectory, "--stacks-dir", stacks.directory, "--client-namespace", "support-web"]);
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(stacks.text("prod").startsWith(withWorkload)).toBe(true);
    expect(servingOf(stacks.text("prod"))[0].replicas).toEqual({ min: 2, max: 2 });
    expect(result.stdout).toContain("serving GPU cost: 0 → 4.48 per hour");
    expect(result.stdout).toContain("(production's minimum)");
  });

  it("serves a fine-tuned candidate as its base model's image with the run's adapter", async () => {
    const stacks = copiedStacks();
    const result = await promote([completed.id, "--stack", "dev", "--state-dir", stateDirectory, "--stacks-dir", stacks.directory, "--model", stackCandidate, "--eval-type", "customized-eval"]);
    expect(result.code).toBe(0);
    expect(servingOf(stacks.text("dev"))[0]).toMatchObject({ image: { tag: "1.12.0" }, adapter: recordedAdapter, promotedFrom: { evalType: "customized-eval" } });
  });

  it("names the run as the source of the in-context examples of an icl-eval", async () => {
    const stacks = copiedStacks();
    const result = await promote([completed.id, "--stack", "dev", "--state-dir", stateDirectory, "--stacks-dir", stacks.directory, "--model", stackCandidate, "--eval-type", "icl-eval"]);
    expect(result.code).toBe(0);
    const [entry] = servingOf(stacks.text("dev"));
    expect(entry).toMatchObject({ iclExamplesFrom: completed.id, promotedFrom: { evalType: "icl-eval" } });
    expect(entry.adapter).toBeUndefined();
  });

  it("records where the evaluated records are in Data Store: the evaluation set, or the ICL set for an icl-eval", async () => {
    const evalSet = "hf://datasets/dfwbp/flywheel-eval-support-7f3a";
    const iclSet = "hf://datasets/dfwbp/flywheel-icl-support-7f3a";
    const datasets = [
      { kind: "eval", name: "flywheel-eval-support-7f3a", num_records: 20, nmp_uri: evalSet },
      { kind: "icl", name: "flywheel-icl-support-7f3a", num_records: 20, nmp_uri: iclSet },
      { kind: "train", name: "flywheel-train-support-7f3a", num_records: 1180, nmp_uri: "hf://datasets/dfwbp/flywheel-train-support-7f3a" },
    ] as const;
    const published = await recordRun(stateDirectory, { datasets });
    const stacks = copiedStacks();
    expect((await promote([published.id, "--stack", "dev", "--state-dir", stateDirectory, "--stacks-dir", stacks.directory])).code).toBe(0);
    expect(servingOf(stacks.text("dev"))[0].promotedFrom).toMatchObject({ evalType: "base-eval", evalDataset: evalSet });
    expect((await promote([published.id, "--stack", "dev", "--state-dir", stateDirectory, "--stacks-dir", stacks.directory, "--model", stackCandidate, "--eval-type", "icl-eval"])).code).toBe(0);
    expect(servingOf(stacks.text("dev"))[0].promotedFrom).toMatchObject({ evalType: "icl-eval", evalDataset: iclSet });
  });

  it("--force --reason promotes a row that missed its target and records why", async () => {
    const stacks = copiedStacks();
    const run = await recordRun(stateDirectory, { candidates: [partlyPassingCandidate] });
    const args = [run.id, "--stack", "dev", "--state-dir", stateDirectory, "--stacks-dir", stacks.directory, "--model", stackCandidate, "--eval-type", "base-eval"];
    const refused = await promote(args);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(
      `flywheel: error: will not promote run ${run.id}:\n  - ${stackCandidate} (base-eval) is not promotable: it missed function_name_and_args_accuracy 0.810 < 0.95\n  - to promote it anyway, add --force --reason "why"; the reason is recorded in the entry\n`,
    );
    const forced = await promote([...args, "--force", "--reason", "the ICL prompt is not deployable yet; base is the interim"]);
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain(`forced past: ${stackCandidate} (base-eval) is not promotable: it missed function_name_and_args_accuracy 0.810 < 0.95`);
    expect(servingOf(stacks.text("dev"))[0].promotedFrom).toMatchObject({ evalType: "base-eval", forcedReason: "the ICL prompt is not deployable yet; base is the interim" });
  });

  it("refuses when the workload's targets changed since the run, unless forced", async () => {
    const stacks = copiedStacks();
    writeFileSync(stacks.file("dev"), stacks.text("dev").replace("function_name_and_args_accuracy: 0.95", "function_name_and_args_accuracy: 0.97"));
    const before = stacks.text("dev");
    const args = [completed.id, "--stack", "dev", "--state-dir", stateDirectory, "--stacks-dir", stacks.directory];
    const refused = await promote(args);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("the workload's targets in ");
    expect(refused.stderr).toContain("(function_name_and_args_accuracy: 0.95 then, 0.97 now)");
    expect(stacks.text("dev")).toBe(before);
    expect((await promote([...args, "--force", "--reason", "raised the bar after the run"])).code).toBe(0);
    expect(servingOf(stacks.text("dev"))[0].promotedFrom).toMatchObject({ targets: { function_name_and_args_accuracy: 0.97 }, forcedReason: "raised the bar after the run" });
  });
});

describe("flywheel promote refuses, exit 2, the stack file unchanged", () => {
  /** Runs promote into a fresh dev copy (edited by `edit`), and checks that it failed with exit 2 and left the file as it was. */
  async function refusal(argv: readonly string[], options: { readonly edit?: (text: string) => string; readonly env?: NodeJS.ProcessEnv; readonly stack?: string } = {}): Promise<string> {
    const stacks = copiedStacks();
    const stack = options.stack ?? "dev";
    if (options.edit) {
      writeFileSync(stacks.file(stack), options.edit(stacks.text(stack)));
    }
    const before = stacks.text(stack);
    const result = await promote([...argv, "--stack", stack, "--stacks-dir", stacks.directory], options.env);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(stacks.text(stack)).toBe(before);
    expect(readdirSync(stacks.directory)).toHaveLength(3);
    return result.stderr;
  }

  it("an unknown run id, and what is not a run id", async () => {
    const missing = newRecordId();
    expect(await refusal([missing, "--state-dir", stateDirectory])).toBe(`flywheel: error: no run ${missing} in state directory ${stateDirectory}; "flywheel runs list" shows the runs\n`);
    expect(await refusal(["latest", "--state-dir", stateDirectory])).toBe('flywheel: error: "latest" is not a run id: expected 24 hexadecimal digits, as "flywheel runs list" shows it\n');
  });

  it("a run that did not complete", async () => {
    const failed = await recordRun(stateDirectory, { status: "failed" });
    expect(await refusal([failed.id, "--state-dir", stateDirectory])).toBe(`flywheel: error: run ${failed.id} is failed, not completed: only a completed run's report is evidence to promote on\n`);
  });

  it("a run whose report recommends nothing", async () => {
    const run = await recordRun(stateDirectory, { candidates: [failingCandidate] });
    expect(await refusal([run.id, "--state-dir", stateDirectory])).toMatch(new RegExp(`^flywheel: error: run ${run.id} recommends no candidate \\(no candidate × evaluation type met every target: keep the production model\\): name one with --model M --eval-type T`));
  });

  it("a row the report does not have", async () => {
    const run = await recordRun(stateDirectory, { candidates: [failingCandidate] });
    expect(await refusal([run.id, "--state-dir", stateDirectory, "--model", stackCandidate, "--eval-type", "icl-eval"])).toBe(
      `flywheel: error: run ${run.id} has no icl-eval of ${stackCandidate} in its report; it has: ${stackCandidate} base-eval\n`,
    );
  });

  it("--force without --reason, --reason without --force, half of a row", async () => {
    expect(await refusal([completed.id, "--state-dir", stateDirectory, "--force"])).toBe('flywheel: error: --force needs --reason "why": the reason is recorded in the entry, for its reviewers\n');
    expect(await refusal([completed.id, "--state-dir", stateDirectory, "--force", "--reason", "  "])).toContain("--force needs --reason");
    expect(await refusal([completed.id, "--state-dir", stateDirectory, "--reason", "why"])).toBe("flywheel: error: --reason is the reason for --force: add --force, or leave --reason out\n");
    expect(await refusal([completed.id, "--state-dir", stateDirectory, "--model", stackCandidate])).toBe("flywheel: error: --model and --eval-type go together: they name one row of the run's report\n");
    expect(await refusal([completed.id, "--state-dir", stateDirectory, "--model", stackCandidate, "--eval-type", "lora"])).toBe(
      'flywheel: error: --eval-type: expected one of base-eval, icl-eval, customized-eval, got "lora"\n',
    );
  });

  it("a stack file with a YAML error, naming the line", async () => {
    const stderr = await refusal([completed.id, "--state-dir", stateDirectory], { edit: (text) => text.replace("    gpuBudget: 2\n", "    gpuBudget: 2\n    gpuBudget: 3\n") });
    expect(stderr).toMatch(/^flywheel: error: \S*Pulumi\.dev\.yaml is not valid YAML at line \d+, column \d+: /);
  });

  it("a serving list promote does not expect: a key it does not know, a mapping instead of a list", async () => {
    const unknownKey = await refusal([completed.id, "--state-dir", stateDirectory], { edit: (text) => text.replace("      gpus: 1\n      replicas:", "      gpus: 1\n      tier: gold\n      replicas:") });
    expect(unknownKey).toMatch(/^flywheel: error: \S*Pulumi\.dev\.yaml holds what flywheel promote does not expect:\n {2}- data-flywheel:serving\[0\].tier: unknown key/);
    const mapping = await refusal([completed.id, "--state-dir", stateDirectory], { edit: (text) => text.replace("  data-flywheel:serving:\n    - name: customer-support\n", "  data-flywheel:serving:\n    customer-support:\n      name: customer-support\n") });
    expect(mapping).toMatch(/^flywheel: error: \S*Pulumi\.dev\.yaml holds what flywheel promote does not expect:\n {2}- data-flywheel:serving: expected array/);
  });

  it("--api without FLYWHEEL_API_TOKEN, naming the variable", async () => {
    expect(await refusal([completed.id, "--api", "http://127.0.0.1:9"])).toBe("flywheel: error: --api needs the Flywheel API's token: set FLYWHEEL_API_TOKEN (its read token is enough)\n");
  });

  it("a new entry without a namespace that may call it", async () => {
    expect(await refusal([completed.id, "--state-dir", stateDirectory], { stack: "local" })).toBe(
      "flywheel: error: the serving entry customer-support would have an empty namespace list, so no application could call it: name them with --client-namespace NS[,NS…]\n",
    );
    expect(await refusal([completed.id, "--state-dir", stateDirectory, "--client-namespace", "a,,b"], { stack: "local" })).toContain("with none empty");
  });

  it("an adapter on a NIM LLM 2.x image", async () => {
    const stderr = await refusal([completed.id, "--state-dir", stateDirectory, "--model", stackCandidate, "--eval-type", "customized-eval"], {
      edit: (text) => text.replace('          tag: "1.12.0"\n        gpus: 1\n        contextLength', '          tag: "2.0.1"\n        gpus: 1\n        contextLength'),
    });
    expect(stderr).toBe(
      `flywheel: error: ${stackCandidate}'s image tag 2.0.1 is not NIM LLM 1.x: NIM LLM 2.x loads LoRA adapters from a mounted directory, not from Entity Store, so it cannot serve the adapter ${recordedAdapter}\n`,
    );
  });

  it("a stack that has no file, and a workload the file does not run", async () => {
    const stacks = copiedStacks();
    const unknown = await promote([completed.id, "--state-dir", stateDirectory, "--stack", "staging", "--stacks-dir", stacks.directory]);
    expect(unknown).toMatchObject({ code: 2, stdout: "" });
    expect(unknown.stderr).toBe(`flywheel: error: no stack file Pulumi.staging.yaml in ${stacks.directory} (stacks there: dev, local, prod)\n`);
    expect((await promote([completed.id, "--state-dir", stateDirectory, "--stack", "../dev"])).stderr).toBe('flywheel: error: --stack "../dev" is not a stack name (letters, digits, "-", "_" and ".")\n');
    const other = await recordRun(stateDirectory, { pair: { workloadId: "billing", clientId: "web" } });
    expect(await refusal([other.id, "--state-dir", stateDirectory])).toContain('has no workload "billing", client "web" under data-flywheel:workloads');
  });
});
