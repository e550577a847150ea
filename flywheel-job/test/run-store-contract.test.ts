import { randomBytes } from "node:crypto";
import { MongoClient } from "mongodb";
import { JsonFileRecordStore } from "../src/store/json-file-record-store";
import { newRecordId } from "../src/store/ids";
import { MongoRecordStore } from "../src/store/mongo-record-store";
import type { RecordStore } from "../src/store/record-store";
import { type EvaluationRecord, type NimRecord, pendingEvaluation, pendingNim, pendingRun, type RunRecord } from "../src/store/records";
import { RunStore } from "../src/store/run-store";
import { temporaryDirectory } from "./support/logs";

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
  it.todo("MongoRecordStore passes the same contract (set MONGODB_URL to run it against a MongoDB)");
}
