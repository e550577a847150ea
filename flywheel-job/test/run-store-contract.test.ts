import { randomBytes } from "node:crypto";
import { MongoClient } from "mongodb";
import { JsonFileRecordStore } from "../src/store/json-file-record-store";
import { newRecordId } from "../src/store/ids";
import { MongoRecordStore } from "../src/store/mongo-record-store";
import type { RecordStore } from "../src/store/record-store";
import { type EvaluationRecord, type EvaluationSampleRecord, type IclExamplePoolRecord, type NimRecord, pendingEvaluation, pendingNim, pendingRun, type RunRecord } from "../src/store/records";
import { RunStore } from "../src/store/run-store";
import { temporaryDirectory } from "./support/logs";
import { skippedTitle } from "../../test/support/skipped-suites-reporter";

function run(overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    ...pendingRun({ workload_id: "w", client_id: "c", started_at: new Date("2025-06-01T10:00:00.000Z"), seed: 42, targets: { similarity: 0.9 }, gpu_hourly_cost: null, job: null }),
    status: "running",
    ...overrides,
  };
}

function nim(runId: string, model: string): NimRecord {
  return pendingNim({ flywheel_run_id: runId, model_name: model, gpus: 1 });
}

function evaluation(nimId: string): EvaluationRecord {
  return { ...pendingEvaluation({ nim_id: nimId, eval_type: "base-eval" }), scores: { similarity: 0.5 } };
}

function sample(runId: string, evaluationId: string, rank: number): EvaluationSampleRecord {
  return {
    id: newRecordId(),
    flywheel_run_id: runId,
    evaluation_id: evaluationId,
    rank,
    metric: "similarity",
    score: rank / 10,
    scores: { similarity: rank / 10 },
    conversation: [{ role: "user", content: `question ${rank}` }],
    reference: "production",
    response: "<script>candidate</script>",
    truncated: rank === 1 ? ["response"] : [],
  };
}

function iclPool(runId: string): IclExamplePoolRecord {
  // A tool schema's `$ref` and a dotted key: the example is kept as text, so either store holds them.
  const example = { request: { messages: [{ role: "user", content: "where is order 7?" }], tools: [{ type: "function", function: { name: "lookup", parameters: { $ref: "#/$defs/order", "a.b": 1 } } }] }, response: { choices: [] } };
  return {
    id: newRecordId(),
    flywheel_run_id: runId,
    selection: "uniform",
    max_examples_per_record: 3,
    examples_per_record: [0, 1, 4],
    instruction: "Here are examples",
    distinct_examples: 3,
    examples: [{ uses: 5, example_json: JSON.stringify(example) }],
    omitted: { over_count: 1, over_bytes: 1 },
    bounds: { max_examples: 64, max_example_bytes: 65536 },
  };
}

/** The behaviour every RecordStore must have: the run pipeline and `flywheel runs` rely on nothing else. */
function recordStoreContract(name: string, open: () => Promise<RecordStore>): void {
  describe(`${name} (RecordStore contract)`, () => {
    let records: RecordStore;
    let store: RunStore;

    beforeEach(async () => {
      records = await open();
      store = new RunStore(records);
    });

    afterEach(async () => {
      await records.close();
    });

    it("returns what was inserted, with times as Dates and nested values intact", async () => {
      const original = run({ datasets: [{ kind: "eval", name: "d", num_records: 3, nmp_uri: "hf://datasets/ns/d" }], drop_counts: { duplicate: 2 } });
      await store.insertRun(original);
      expect(await store.getRun(original.id)).toEqual(original);
      expect(await store.getRun(newRecordId())).toBeUndefined();
      expect(await store.getRun("not-an-id")).toBeUndefined();
      await expect(records.insert("flywheel_runs", original)).rejects.toThrow();
    });

    it("merges updates, and applies a conditional one only to a record in one of the given statuses", async () => {
      const original = run();
      await store.insertRun(original);
      expect(await records.update("flywheel_runs", original.id, { num_records: 10 })).toBe(true);
      expect(await records.update("flywheel_runs", original.id, { status: "completed" }, ["pending"])).toBe(false);
      expect(await records.update("flywheel_runs", original.id, { status: "completed" }, ["running"])).toBe(true);
      expect(await records.update("flywheel_runs", newRecordId(), { num_records: 1 })).toBe(false);
      expect(await store.getRun(original.id)).toEqual({ ...original, num_records: 10, status: "completed" });
    });

    it("finds by field, by a list of values and by reference, newest first, up to a limit", async () => {
      const older = run({ started_at: new Date("2025-06-01T00:00:00Z"), status: "completed" });
      const newer = run({ started_at: new Date("2025-06-02T00:00:00Z") });
      const other = run({ workload_id: "other", started_at: new Date("2025-06-03T00:00:00Z") });
      for (const r of [older, newer, other]) {
        await store.insertRun(r);
      }
      expect((await store.listRuns({ workloadId: "w" })).map((r) => r.id)).toEqual([newer.id, older.id]);
      expect((await store.listRuns({ statuses: ["running"] })).map((r) => r.id)).toEqual([other.id, newer.id]);
      expect((await store.listRuns({ limit: 1 })).map((r) => r.id)).toEqual([other.id]);
      const nims = [nim(newer.id, "a"), nim(newer.id, "b"), nim(older.id, "c")];
      for (const n of nims) {
        await store.insertNim(n);
      }
      await store.insertEvaluation(evaluation(nims[0].id));
      await store.insertEvaluation(evaluation(nims[2].id));
      const details = (await store.details(newer.id))!;
      expect(details.nims.map((n) => n.model_name).sort()).toEqual(["a", "b"]);
      expect(details.evaluations.map((e) => e.nim_id)).toEqual([nims[0].id]);
    });

    it("keeps a cancel that arrived before the run closed itself", async () => {
      const cancelled = run();
      await store.insertRun(cancelled);
      expect(await store.requestCancel(cancelled.id)).toMatchObject({ changed: true, run: { status: "cancelled" } });
      expect(await store.updateActiveRun(cancelled.id, { num_records: 5 })).toBe(false);
      expect(await store.finishRun(cancelled.id, { status: "completed", finished_at: new Date("2025-06-01T11:00:00Z") })).toBe("cancelled");
      expect(await store.getRun(cancelled.id)).toMatchObject({ status: "cancelled", finished_at: new Date("2025-06-01T11:00:00Z"), num_records: null });
      expect(await store.requestCancel(cancelled.id)).toMatchObject({ changed: false });
      expect(await store.requestCancel(newRecordId())).toBeUndefined();
    });

    it("closes a pending run at once when it is cancelled, and leaves closing a running run to the run", async () => {
      const pending = run({ status: "pending" });
      const running = run();
      await store.insertRun(pending);
      await store.insertRun(running);
      const at = new Date("2025-06-01T10:30:00.000Z");

      expect(await store.requestCancel(pending.id, at)).toMatchObject({ changed: true, run: { status: "cancelled", finished_at: at, error: "cancelled before its Job started it" } });
      expect(await store.requestCancel(running.id, at)).toMatchObject({ changed: true, run: { status: "cancelled", finished_at: null, error: null } });
      expect(await store.getRun(pending.id)).toEqual({ ...pending, status: "cancelled", finished_at: at, error: "cancelled before its Job started it" });
      expect(await store.getRun(running.id)).toEqual({ ...running, status: "cancelled" });
    });

    it("closes the runs of a pair whose process died, and deletes a run with all its records", async () => {
      const dead = run();
      const mine = run();
      await store.insertRun(dead);
      await store.insertRun(mine);
      const n = nim(dead.id, "m");
      await store.insertNim(n);
      await store.insertEvaluation(evaluation(n.id));
      expect(await store.closeAbandonedRuns("w", "c", mine.id, "its process ended", new Date("2025-06-01T12:00:00Z"))).toEqual([dead.id]);
      expect(await store.getRun(dead.id)).toMatchObject({ status: "failed", error: "its process ended" });
      await store.deleteRun((await store.details(dead.id))!);
      expect(await store.details(dead.id)).toBeUndefined();
      expect(await records.find("nims", { flywheel_run_id: dead.id })).toEqual([]);
      expect(await records.find("evaluations", { nim_id: n.id })).toEqual([]);
    });

    it("keeps an evaluation's samples in their own collection: listed by run in rank order per evaluation, deleted with the run", async () => {
      const mine = run();
      const other = run();
      await store.insertRun(mine);
      await store.insertRun(other);
      const n = nim(mine.id, "m");
      await store.insertNim(n);
      const first = evaluation(n.id);
      const second = evaluation(n.id);
      await store.insertEvaluation(first);
      await store.insertEvaluation(second);
      const [a, b] = [first.id, second.id].sort();
      await store.insertEvaluationSamples([sample(mine.id, b, 2), sample(mine.id, a, 2), sample(mine.id, b, 1), sample(other.id, a, 1), sample(mine.id, a, 1)]);
      await store.updateEvaluation(first.id, { samples: { stored: 2, total: 6, problem: null } });

      const listed = await store.evaluationSamples(mine.id);
      expect(listed.map((s) => [s.evaluation_id, s.rank])).toEqual([
        [a, 1],
        [a, 2],
        [b, 1],
        [b, 2],
      ]);
      expect(listed[0]).toEqual(expect.objectContaining({ conversation: [{ role: "user", content: "question 1" }], response: "<script>candidate</script>", truncated: ["response"] }));
      expect((await store.details(mine.id))!.evaluations.find((e) => e.id === first.id)!.samples).toEqual({ stored: 2, total: 6, problem: null });

      await store.deleteRun((await store.details(mine.id))!);
      expect(await store.evaluationSamples(mine.id)).toEqual([]);
      expect(await store.evaluationSamples(other.id)).toHaveLength(1);
    });

    it("keeps a run's in-context example pool in its own collection: found by run, its text intact, deleted with the run", async () => {
      const mine = run();
      const other = run();
      await store.insertRun(mine);
      await store.insertRun(other);
      const pool = iclPool(mine.id);
      await store.insertIclExamplePool(pool);
      await store.insertIclExamplePool(iclPool(other.id));

      expect(await store.iclExamplePool(mine.id)).toEqual(pool);
      expect(JSON.parse((await store.iclExamplePool(mine.id))!.examples[0].example_json)).toMatchObject({ request: { tools: [{ function: { parameters: { $ref: "#/$defs/order", "a.b": 1 } } }] } });
      expect(await store.iclExamplePool(newRecordId())).toBeUndefined();

      await store.deleteRun((await store.details(mine.id))!);
      expect(await store.iclExamplePool(mine.id)).toBeUndefined();
      expect(await store.iclExamplePool(other.id)).toMatchObject({ flywheel_run_id: other.id });
    });

    describe("pages of runs", () => {
      /** Seven runs of two pairs; three share a start time, so their order is by id. */
      async function seedPages(): Promise<RunRecord[]> {
        const tie = new Date("2025-06-05T00:00:00Z");
        const runs = [
          run({ started_at: new Date("2025-06-01T00:00:00Z"), status: "completed" }),
          run({ started_at: new Date("2025-06-02T00:00:00Z"), client_id: "d" }),
          run({ started_at: tie, status: "failed" }),
          run({ started_at: tie, client_id: "d" }),
          run({ started_at: tie, status: "completed" }),
          run({ started_at: new Date("2025-06-06T00:00:00Z"), workload_id: "other" }),
          run({ started_at: new Date("2025-06-07T00:00:00Z"), status: "completed" }),
        ];
        for (const r of runs) {
          await store.insertRun(r);
        }
        return [...runs].sort((a, b) => b.started_at.getTime() - a.started_at.getTime() || (a.id < b.id ? 1 : -1));
      }

      async function allPages(filter: Parameters<RunStore["listRunsPage"]>[0]): Promise<string[][]> {
        const pages: string[][] = [];
        let page = await store.listRunsPage(filter);
        pages.push(page.runs.map((r) => r.id));
        while (page.next !== undefined) {
          page = await store.listRunsPage({ ...filter, after: page.next });
          pages.push(page.runs.map((r) => r.id));
        }
        return pages;
      }

      it("walks every run once, newest first, ties broken by the larger id, with no next after the last page", async () => {
        const newestFirst = await seedPages();
        const pages = await allPages({ limit: 3 });
        expect(pages).toEqual([newestFirst.slice(0, 3), newestFirst.slice(3, 6), newestFirst.slice(6)].map((p) => p.map((r) => r.id)));
        const tied = newestFirst.filter((r) => r.started_at.getTime() === new Date("2025-06-05T00:00:00Z").getTime()).map((r) => r.id);
        expect(tied).toEqual([...tied].sort().reverse());
        expect((await store.listRunsPage({ limit: 7 })).next).toBeUndefined();
        expect((await store.listRunsPage({ limit: 6 })).next).toEqual({ startedAt: newestFirst[5].started_at, id: newestFirst[5].id });
        await expect(store.listRunsPage({ limit: 0 })).rejects.toThrow(RangeError);
      });

      it("combines filters with the cursor", async () => {
        const newestFirst = await seedPages();
        const matching = newestFirst.filter((r) => r.workload_id === "w" && r.client_id === "c" && r.status !== "running").map((r) => r.id);
        expect(matching).toHaveLength(4);
        expect(await allPages({ workloadId: "w", clientId: "c", statuses: ["completed", "failed"], limit: 2 })).toEqual([matching.slice(0, 2), matching.slice(2)]);
        const ofClient = newestFirst.filter((r) => r.client_id === "d").map((r) => r.id);
        expect(await allPages({ clientId: "d", limit: 1 })).toEqual([[ofClient[0]], [ofClient[1]]]);
        expect(await store.listRunsPage({ workloadId: "nobody", limit: 5 })).toEqual({ runs: [] });
      });

      it("finds runs by their new status after an update, and no longer after a delete", async () => {
        const [first, second] = [run(), run({ started_at: new Date("2025-06-02T00:00:00Z") })];
        await store.insertRun(first);
        await store.insertRun(second);
        expect((await store.listRuns({ statuses: ["running"] })).map((r) => r.id)).toEqual([second.id, first.id]);
        await store.finishRun(first.id, { status: "completed", finished_at: new Date("2025-06-01T11:00:00Z") });
        expect((await store.listRuns({ statuses: ["running"] })).map((r) => r.id)).toEqual([second.id]);
        expect(await store.listRuns({ statuses: ["completed"] })).toEqual([{ ...first, status: "completed", finished_at: new Date("2025-06-01T11:00:00Z") }]);
        await store.deleteRun((await store.details(second.id))!);
        expect((await store.listRunsPage({ limit: 10 })).runs.map((r) => r.id)).toEqual([first.id]);
        const n = nim(first.id, "m");
        await store.insertNim(n);
        await store.updateNim(n.id, { status: "completed" });
        expect((await store.details(first.id))?.nims).toEqual([{ ...n, status: "completed" }]);
      });
    });

    describe("on-demand runs", () => {
      const pair = { workloadId: "w", clientId: "c" };
      const job = { name: "flywheel-w-manual", uid: "u-1", namespace: "flywheel" };

      it("adopts a pending run of the pair once, and refuses an unknown id, another pair, a run that is not pending and a second adopter", async () => {
        const pending = run({ status: "pending" });
        const running = run();
        await store.insertRun(pending);
        await store.insertRun(running);
        const [first, second] = await Promise.all([store.adoptPendingRun(pending.id, pair, { job }), store.adoptPendingRun(pending.id, pair, { job: { ...job, uid: "u-2" } })]);
        const outcomes = [first, second];
        expect(outcomes.filter((o) => "adopted" in o)).toHaveLength(1);
        expect(outcomes.find((o) => "refused" in o)).toMatchObject({ refused: expect.stringContaining(pending.id) });
        const adopted = outcomes.find((o): o is { adopted: RunRecord } => "adopted" in o)!.adopted;
        expect(adopted).toMatchObject({ id: pending.id, status: "running" });
        expect(await store.getRun(pending.id)).toEqual(adopted);
        expect(await store.adoptPendingRun(pending.id, pair, { job })).toEqual({ refused: expect.stringContaining("running, not pending") });
        expect(await store.adoptPendingRun(newRecordId(), pair, { job })).toEqual({ refused: expect.stringContaining("there is no run") });
        const other = run({ status: "pending", workload_id: "other" });
        await store.insertRun(other);
        expect(await store.adoptPendingRun(other.id, pair, { job })).toEqual({ refused: expect.stringContaining('belongs to workload "other"') });
        expect(await store.getRun(other.id)).toEqual(other);
        expect(await store.adoptPendingRun(running.id, pair, { job })).toEqual({ refused: expect.stringContaining("not pending") });
      });

      it("closes only the pending runs recorded before the cutoff, and leaves an adopted one", async () => {
        const cutoff = new Date("2025-06-01T10:00:00Z");
        const stale = run({ status: "pending", started_at: new Date("2025-06-01T09:00:00Z") });
        const young = run({ status: "pending", started_at: new Date("2025-06-01T10:30:00Z") });
        const adopted = run({ status: "pending", started_at: new Date("2025-06-01T09:10:00Z") });
        const oldRunning = run({ started_at: new Date("2025-06-01T08:00:00Z") });
        for (const r of [stale, young, adopted, oldRunning]) {
          await store.insertRun(r);
        }
        expect(await store.adoptPendingRun(adopted.id, pair, { job })).toHaveProperty("adopted");
        const now = new Date("2025-06-01T10:40:00Z");
        expect(await store.closeStalePendingRuns(cutoff, "its Job never started", now)).toEqual([stale.id]);
        expect(await store.getRun(stale.id)).toEqual({ ...stale, status: "failed", error: "its Job never started", finished_at: now });
        expect(await store.getRun(young.id)).toEqual(young);
        expect(await store.getRun(adopted.id)).toMatchObject({ status: "running", job });
        expect(await store.getRun(oldRunning.id)).toEqual(oldRunning);
        expect((await store.listRuns({ statuses: ["pending"] })).map((r) => r.id)).toEqual([young.id]);
        expect(await store.closeStalePendingRuns(cutoff, "again", now)).toEqual([]);
      });
    });
  });
}

recordStoreContract("JsonFileRecordStore", () => Promise.resolve(new JsonFileRecordStore(temporaryDirectory())));

const mongoUrl = process.env.MONGODB_URL;
if (mongoUrl) {
  // Each test gets its own database, dropped afterwards.
  const databases: string[] = [];
  afterAll(async () => {
    const client = await MongoClient.connect(mongoUrl);
    for (const name of databases) {
      await client.db(name).dropDatabase();
    }
    await client.close();
  });
  recordStoreContract("MongoRecordStore", async () => {
    const name = `flywheel_test_${randomBytes(4).toString("hex")}`;
    databases.push(name);
    return MongoRecordStore.open(mongoUrl, name, 5000);
  });
} else {
  // No MongoDB here: the contract's tests are listed as skipped, with one line saying how to run them.
  describe.skip(skippedTitle("MongoRecordStore", "MONGODB_URL is not set; point it at a MongoDB to run the record store contract against a real server"), () => {
    recordStoreContract("MongoRecordStore", () => Promise.reject(new Error("MONGODB_URL is not set")));
  });
}
