import { JsonFileRecordStore } from "../src/store/json-file-record-store";
import { newRecordId } from "../src/store/ids";
import { RunStore } from "../src/store/run-store";
import { jobListItem } from "../src/api/blueprint-shapes";
import { FlywheelFixture, smallModel, toolWorkload } from "./support/flywheel-fixture";

let fixture: FlywheelFixture;
let opened: RunStore | undefined;
/** The fixture's records, through the store's own API. */
const store = (): RunStore => (opened ??= new RunStore(new JsonFileRecordStore(fixture.stateDirectory)));

beforeAll(async () => {
  fixture = await FlywheelFixture.start();
});

afterAll(async () => {
  await fixture.stop();
});

describe("flywheel runs", () => {
  let runId: string;
  const runs = (...args: string[]) => fixture.cli(["runs", ...args, "--state-dir", fixture.stateDirectory]);

  beforeAll(async () => {
    expect((await fixture.run(fixture.config(toolWorkload, { candidates: [{ ...smallModel }] }))).code).toBe(0);
    [{ id: runId }] = await new RunStore(new JsonFileRecordStore(fixture.stateDirectory)).listRuns();
  });

  it("lists runs newest first with their recommendation, filtered by workload and status", async () => {
    const listed = await runs("list");
    expect(listed.code).toBe(0);
    expect(listed.stdout.split("\n")[0]).toMatch(/^run\s+workload\s+client\s+status\s+started\s+finished\s+records\s+recommendation$/);
    expect(listed.stdout).toMatch(new RegExp(`${runId}\\s+support-agent\\s+web\\s+completed\\s+\\S+Z\\s+\\S+Z\\s+30\\s+meta/llama-3.2-1b-instruct \\(base-eval\\)`));
    expect((await runs("list", "--workload", "other")).stdout).toBe("no runs\n");
    expect((await runs("list", "--status", "running")).stdout).toBe("no runs\n");
    expect((await runs("list", "--status", "done")).stderr).toBe('flywheel: error: --status: expected one of pending, running, completed, failed, cancelled, got "done"\n');
  });

  it("shows a run's stages, candidates and its report as the job printed it", async () => {
    const shown = await runs("show", runId);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(`run ${runId}: workload "support-agent", client "web"`);
    expect(shown.stdout).toContain("status: completed");
    expect(shown.stdout).toContain(`dataset train: hf://datasets/dfwbp/flywheel-train-support-agent-${runId} (24 records)`);
    expect(shown.stdout).toMatch(/candidate meta\/llama-3\.2-1b-instruct: completed, deployment deleted, [\d.]+ s; fine-tuning completed → dfwbp\/flywheel-llama-3-2-1b-instruct-\w+@cust-cust-\d+/);
    expect(shown.stdout).toMatch(
      /\n {2}fine-tuning: completed \(job cust-\d+\)\n {2}base-eval: completed \(job eval-\d+\)\n {4}samples: 6 of 6 per-sample results kept\n {2}icl-eval: completed \(job eval-\d+\)\n {4}samples: 6 of 6 per-sample results kept\n {2}customized-eval: completed \(job eval-\d+\)\n {4}samples: 6 of 6 per-sample results kept\n/,
    );
    expect(shown.stdout).toContain("recommendation: review meta/llama-3.2-1b-instruct (base-eval) first");
    const missing = newRecordId();
    expect(await runs("show", missing)).toMatchObject({ code: 2, stderr: `flywheel: error: no run ${missing} in state directory ${fixture.stateDirectory}; "flywheel runs list" shows the runs\n` });
    expect((await runs("show")).stderr).toBe(`flywheel: error: missing required argument 'run-id'; see "flywheel runs show --help"\n`);
  });

  /** A record as `--json` prints it: `id` first, the other keys in alphabetical order, times as ISO strings. */
  const expectJsonRecord = (record: Record<string, unknown>) => {
    const [first, ...rest] = Object.keys(record);
    expect(first).toBe("id");
    expect(rest).toEqual([...rest].sort());
    for (const key of ["started_at", "finished_at"].filter((k) => typeof record[k] === "string")) {
      expect(new Date(record[key] as string).toISOString()).toBe(record[key]);
    }
  };

  it("lists runs as JSON, exactly as GET /api/jobs answers, a page at a time with --cursor", async () => {
    const listed = await runs("list", "--json");
    expect(listed).toMatchObject({ code: 0, stderr: "" });
    const page = JSON.parse(listed.stdout) as { jobs: Record<string, unknown>[]; next_cursor?: string };
    expect(page).toEqual({ jobs: [jobListItem((await store().getRun(runId))!)] });
    expect(page.jobs[0]).toMatchObject({ id: runId, workload_id: "support-agent", client_id: "web", status: "completed", error: null });
    expect(JSON.parse((await runs("list", "--json", "--status", "running")).stdout)).toEqual({ jobs: [] });

    const second = { ...(await store().getRun(runId))!, id: newRecordId(), started_at: new Date(0) };
    await store().insertRun(second);
    const first = JSON.parse((await runs("list", "--json", "--limit", "1")).stdout) as { jobs: { id: string }[]; next_cursor: string };
    expect(first.jobs.map((j) => j.id)).toEqual([runId]);
    const next = JSON.parse((await runs("list", "--json", "--limit", "1", "--cursor", first.next_cursor)).stdout) as { jobs: { id: string }[]; next_cursor?: string };
    expect(next).toEqual({ jobs: [expect.objectContaining({ id: second.id })] });
    expect((await runs("list", "--limit", "1")).stderr).toBe(`more runs follow: add --cursor ${first.next_cursor}\n`);
    expect((await runs("list", "--cursor", "nope")).stderr).toBe('flywheel: error: --cursor: "nope" is not a cursor a list printed (its next_cursor)\n');
    await store().deleteRun((await store().details(second.id))!);
  });

  it("shows a run as JSON: the run and its parts' records, by collection", async () => {
    const shown = await runs("show", runId, "--json");
    expect(shown).toMatchObject({ code: 0, stderr: "" });
    const details = JSON.parse(shown.stdout) as Record<string, Record<string, unknown>[]> & { run: Record<string, unknown> };
    expect(Object.keys(details)).toEqual(["run", "nims", "evaluations", "customizations", "llm_judge_runs"]);
    expect(details.run).toMatchObject({ id: runId, status: "completed" });
    expect(details.nims).toEqual([expect.objectContaining({ flywheel_run_id: runId, model_name: "meta/llama-3.2-1b-instruct", deployment_status: "deleted" })]);
    expect(details.evaluations.map((e) => e.eval_type).sort()).toEqual(["base-eval", "customized-eval", "icl-eval"]);
    expect(details.customizations).toEqual([expect.objectContaining({ nim_id: details.nims[0].id, status: "completed" })]);
    expect(details.llm_judge_runs).toEqual([expect.objectContaining({ flywheel_run_id: runId })]);
    for (const record of [details.run, ...details.nims, ...details.evaluations, ...details.customizations, ...details.llm_judge_runs]) {
      expectJsonRecord(record);
    }
  });

  it("refuses to cancel a finished run", async () => {
    expect(await runs("cancel", runId)).toMatchObject({ code: 2, stderr: `flywheel: error: run ${runId} has already finished (completed); nothing to cancel\n` });
  });

  it("refuses to delete a run that has not finished", async () => {
    const store = new RunStore(new JsonFileRecordStore(fixture.stateDirectory));
    const active = { ...(await store.getRun(runId))!, id: newRecordId(), status: "running" as const, finished_at: null };
    await store.insertRun(active);
    const refused = await runs("delete", active.id);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`run ${active.id} is running and has not finished; cancel it`);
    await store.deleteRun((await store.details(active.id))!);
  });

  it("deletes a finished run's datasets and fine-tuned model in NeMo, then its records", async () => {
    expect(fixture.nemo.repos.size).toBe(3);
    expect(fixture.nemo.models.size).toBe(1);
    const deleted = await runs("delete", runId);
    expect(deleted.code).toBe(0);
    expect(deleted.stdout).toContain(`dataset dfwbp/flywheel-eval-support-agent-${runId}: deleted`);
    expect(deleted.stdout).toContain(`run ${runId}: records deleted`);
    expect(fixture.nemo.repos.size).toBe(0);
    expect(fixture.nemo.datasets.size).toBe(0);
    expect(fixture.nemo.models.size).toBe(0);
    expect((await runs("list")).stdout).toBe("no runs\n");
  });

  it("needs a run store", async () => {
    expect(await fixture.cli(["runs", "list"])).toMatchObject({ code: 2, stderr: "flywheel: error: no run store: set MONGODB_URL, or pass --state-dir DIR to keep the run records as JSON files\n" });
  });
});
