import { runFlywheel } from "../src/run/run-flywheel";
import { JsonFileRecordStore } from "../src/store/json-file-record-store";
import type { RunRecord } from "../src/store/records";
import { RunStore } from "../src/store/run-store";
import { eventually } from "./support/eventually";
import { FlywheelFixture, genericWorkload, smallModel, toolWorkload } from "./support/flywheel-fixture";
import { MlflowStandIn } from "./support/mlflow-stand-in";
import { hostileAnswer, type ResultsDownload } from "./support/nemo-stand-in";

let fixture: FlywheelFixture;

beforeEach(async () => {
  fixture = await FlywheelFixture.start();
});

afterEach(async () => {
  await fixture.stop();
});

function store(): RunStore {
  return new RunStore(new JsonFileRecordStore(fixture.stateDirectory));
}

async function onlyRun(): Promise<RunRecord> {
  const runs = await store().listRuns();
  expect(runs).toHaveLength(1);
  return runs[0];
}

/** One candidate, not fine-tuned: a base and an ICL evaluation of six records each. */
const oneCandidate = { candidates: [{ ...smallModel, customize: false }] };

describe("per-sample results of a run's evaluations", () => {
  it("stores the lowest-scoring records of each evaluation, lowest first, with the conversation and both answers", async () => {
    // The six records are rated 10, 3, 7, 10, 3, 7 in turn.
    fixture.nemo.evaluationBehaviour.set(smallModel.model, { judgeReplies: ["10", "3", "Rating: 7/10"] });
    const result = await fixture.run(fixture.config(genericWorkload, { ...oneCandidate, evaluationSamples: { perEvaluation: 4 } }));

    expect(result.code).toBe(0);
    const run = await onlyRun();
    const details = (await store().details(run.id))!;
    expect(details.evaluations.map((e) => [e.eval_type, e.status, e.samples])).toEqual([
      ["base-eval", "completed", { stored: 4, total: 6, problem: null, bounds: { per_evaluation: 4, max_text_bytes: 8192, max_messages: 16 } }],
      ["icl-eval", "completed", { stored: 4, total: 6, problem: null, bounds: { per_evaluation: 4, max_text_bytes: 8192, max_messages: 16 } }],
    ]);
    const samples = await store().evaluationSamples(run.id);
    const base = samples.filter((s) => s.evaluation_id === details.evaluations.find((e) => e.eval_type === "base-eval")!.id);
    expect(base.map((s) => [s.rank, s.score])).toEqual([
      [1, 2 / 9],
      [2, 2 / 9],
      [3, 6 / 9],
      [4, 6 / 9],
    ]);
    expect(base[0]).toMatchObject({ flywheel_run_id: run.id, metric: "similarity", truncated: [] });
    expect(base[0].conversation.at(-1)).toMatchObject({ role: "user", content: expect.stringMatching(/^Summarise ticket \d+/) });
    expect(base[0].reference).toMatch(/^Ticket \d+ summary\.$/);
    expect(base[0].response).not.toBe("");

    const shown = await fixture.cli(["runs", "show", run.id, "--state-dir", fixture.stateDirectory]);
    expect(shown.stdout).toContain("    samples: 4 of 6 per-sample results kept");
  });

  it("are logged to MLflow with FLYWHEEL_MLFLOW_URL, and runs show prints each evaluation's MLflow run", async () => {
    const mlflow = new MlflowStandIn();
    await mlflow.start();
    try {
      const result = await fixture.run(fixture.config(genericWorkload, { ...oneCandidate, evaluationSamples: { perEvaluation: 4 } }), fixture.env({ FLYWHEEL_MLFLOW_URL: mlflow.url }));

      expect(result.code).toBe(0);
      const run = await onlyRun();
      const evaluations = (await store().details(run.id))!.evaluations;
      const uris = evaluations.map((e) => e.mlflow_uri);
      expect(uris).toEqual([...mlflow.runs.keys()].map(() => expect.stringMatching(new RegExp(`^${mlflow.url}/#/experiments/1/runs/[0-9a-f]{32}$`))));
      expect(new Set(uris).size).toBe(2);
      // The four kept samples' similarity, one step each.
      for (const logged of mlflow.runs.values()) {
        const steps = (logged.batches[0].metrics as { key: string; step: number }[]).filter((m) => m.key === "sample/similarity");
        expect(steps.map((m) => m.step)).toEqual([0, 1, 2, 3]);
      }
      const shown = await fixture.cli(["runs", "show", run.id, "--state-dir", fixture.stateDirectory]);
      for (const uri of uris) {
        expect(shown.stdout).toContain(`\n    mlflow: ${uri}\n`);
      }
    } finally {
      await mlflow.stop();
    }
  });

  it("ranks a tool-calling evaluation's records by name-and-arguments accuracy and keeps the tool calls as JSON", async () => {
    fixture.nemo.evaluationBehaviour.set(smallModel.model, { functionNameAccuracy: 1, functionNameAndArgsAccuracy: 0.5 });
    const result = await fixture.run(fixture.config(toolWorkload, oneCandidate));

    expect(result.code).toBe(0);
    const run = await onlyRun();
    const samples = await store().evaluationSamples(run.id);
    const first = samples.find((s) => s.rank === 1)!;
    expect(first).toMatchObject({ metric: "function_name_and_args_accuracy", score: 0, scores: { function_name_accuracy: 1, function_name_and_args_accuracy: 0 } });
    expect(JSON.parse(first.reference)).toEqual([expect.objectContaining({ type: "function", function: expect.objectContaining({ name: expect.any(String) }) })]);
  });

  it("keeps hostile answers as text, cut to 8 KiB with a note; showing them escaped is the reader's job", async () => {
    fixture.nemo.resultsDownload = "hostile";
    const result = await fixture.run(fixture.config(genericWorkload, oneCandidate));

    expect(result.code).toBe(0);
    const [sample] = await store().evaluationSamples((await onlyRun()).id);
    expect(Buffer.byteLength(sample.response)).toBe(8192);
    expect(hostileAnswer.startsWith(sample.response)).toBe(true);
    expect(sample.response).toContain("<script>");
    expect(sample.response).toContain("\u202E");
    expect(sample.truncated).toEqual(["response"]);
  });

  it.each<[ResultsDownload, string | RegExp]>([
    ["no per-sample file", 'the results ZIP has no per-sample rows: "custom/llm-as-judge/config.json", "custom/llm-as-judge/results/results.json" held no record with a conversation, a response or a score'],
    ["corrupt", /^the results ZIP('s entry .* cannot be inflated| is corrupt: its directory lists 4 entries, \d could be read$)/],
    ["server error", /^Evaluator answered HTTP 500 to GET http:\/\/.*\/v1\/evaluation\/jobs\/eval-\w+\/download-results$/],
    ["zip bomb", /^the results ZIP's entry "custom\/llm-as-judge\/results\/outputs.jsonl" declares \d+ bytes, more than the \d+ read$/],
  ])("records why there are none when the download is %s, and the evaluation and the run still complete", async (mode, problem) => {
    fixture.nemo.resultsDownload = mode;
    // The bomb is streamed in full: the fixture's 5 s per request would make its problem the machine's load instead.
    const result = await fixture.run(fixture.config(genericWorkload, { ...oneCandidate, nemo: { namespace: "dfwbp", requestTimeoutSeconds: 120, retries: 2, retryDelaySeconds: 0.01 } }));

    expect(result.code).toBe(0);
    const run = await onlyRun();
    expect(run.status).toBe("completed");
    const { evaluations } = (await store().details(run.id))!;
    for (const evaluation of evaluations) {
      expect(evaluation.status).toBe("completed");
      expect(evaluation.samples).toEqual({ stored: 0, total: null, bounds: { per_evaluation: 20, max_text_bytes: 8192, max_messages: 16 }, problem: expect.stringMatching(typeof problem === "string" ? `^${problem.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$` : problem) });
    }
    expect(await store().evaluationSamples(run.id)).toEqual([]);
    expect(result.stdout + result.stderr).toContain("per-sample results: ");
    const shown = await fixture.cli(["runs", "show", run.id, "--state-dir", fixture.stateDirectory]);
    expect(shown.stdout).toContain("    samples: no per-sample results (");
  });

  it("does not wait for a download that never answers once the run is stopped, and records why there are none", async () => {
    fixture.nemo.resultsDownload = "never answers";
    // A request timeout far beyond the test's: only the stop can end the download.
    const config = fixture.parsed(fixture.config(genericWorkload, { ...oneCandidate, nemo: { namespace: "dfwbp", requestTimeoutSeconds: 3600, retries: 0 } }));
    const opened = await fixture.services(config);
    const shutdown = new AbortController();
    const running = runFlywheel({ config, ...genericWorkload, workDirectory: fixture.directory }, opened.services, shutdown.signal);
    await eventually(() => fixture.nemo.resultsDownloadsHeld > 0, "a results download to be held");
    shutdown.abort("SIGTERM");

    const outcome = await running;
    await opened.close();
    expect(outcome).toMatchObject({ status: "cancelled" });
    const { evaluations } = (await store().details((await onlyRun()).id))!;
    const held = evaluations.filter((e) => e.samples?.problem === "the run stopped before the per-sample results were read");
    expect(held.length).toBeGreaterThan(0);
    expect(held.every((e) => e.status === "completed" && e.samples?.stored === 0)).toBe(true);
  });
});
