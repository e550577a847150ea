import { ObjectId } from "mongodb";
import { runIndexes, runQuery, runsByPairNewest, runsByStatusNewest, runsByWorkloadNewest, runsNewest } from "../src/store/mongo-run-queries";

const cursorId = "65a1b2c3d4e5f60718293a4b";
const cursorTime = new Date("2025-06-05T00:00:00Z");

describe("runQuery (the MongoDB query of a list or page of runs)", () => {
  it("pages a pair's runs newest first after a cursor, through the pair's index", () => {
    const query = runQuery({ workload_id: "w", client_id: "c", status: ["completed", "failed"] }, { newestFirst: true, limit: 51, after: { startedAt: cursorTime, id: cursorId } });
    expect(query).toEqual({
      filter: {
        workload_id: "w",
        client_id: "c",
        status: { $in: ["completed", "failed"] },
        started_at: { $lte: cursorTime },
        $or: [{ started_at: { $lt: cursorTime } }, { _id: { $lt: new ObjectId(cursorId) } }],
      },
      sort: { started_at: -1, _id: -1 },
      limit: 51,
      hint: "runs_by_pair_newest",
    });
  });

  it("picks the index that matches the filter, each ending in the sort's order", () => {
    expect(runQuery({ workload_id: "w" }, { newestFirst: true }).hint).toBe(runsByWorkloadNewest.name);
    expect(runQuery({ workload_id: "w", status: "running" }, { newestFirst: true }).hint).toBe(runsByWorkloadNewest.name);
    expect(runQuery({ status: ["pending"] }, { newestFirst: true }).hint).toBe(runsByStatusNewest.name);
    expect(runQuery({ client_id: "c", status: ["pending"] }, { newestFirst: true }).hint).toBe(runsByStatusNewest.name);
    expect(runQuery({ client_id: "c" }, { newestFirst: true }).hint).toBe(runsNewest.name);
    expect(runQuery({}, { newestFirst: true, limit: 1001 })).toEqual({ filter: {}, sort: { started_at: -1, _id: -1 }, limit: 1001, hint: runsNewest.name });
    for (const index of runIndexes) {
      expect(Object.entries(index.key).slice(-2)).toEqual([
        ["started_at", -1],
        ["_id", -1],
      ]);
    }
    expect(runsByPairNewest.key).toEqual({ workload_id: 1, client_id: 1, started_at: -1, _id: -1 });
    expect(new Set(runIndexes.map((index) => index.name)).size).toBe(runIndexes.length);
  });

  it("leaves out what was not asked for: undefined filters, the sort and the limit", () => {
    expect(runQuery({ workload_id: undefined, client_id: undefined, status: undefined }, {})).toEqual({ filter: {}, hint: runsNewest.name });
    expect(runQuery({ status: "running" }, { limit: 5 })).toEqual({ filter: { status: "running" }, limit: 5, hint: runsByStatusNewest.name });
  });
});
