import { recordJson, runDetailsJson } from "../src/store/run-json";
import type { RunDetails } from "../src/store/run-store";

describe("the run records' JSON", () => {
  it("writes times as ISO-8601 strings and numbers that are not finite as null", () => {
    expect(recordJson({ id: "a", started_at: new Date(Date.UTC(2025, 5, 1, 12)), finished_at: null, scores: { similarity: Number.NaN, accuracy: 0.5 } })).toEqual({
      id: "a",
      finished_at: null,
      scores: { accuracy: 0.5, similarity: null },
      started_at: "2025-06-01T12:00:00.000Z",
    });
  });

  it("prints the same text whatever order the store kept the fields in", () => {
    const asStored = { status: "completed", id: "a", datasets: [{ nmp_uri: "hf://x", kind: "eval" }], client_id: "c" };
    const reordered = { client_id: "c", datasets: [{ kind: "eval", nmp_uri: "hf://x" }], id: "a", status: "completed" };
    expect(JSON.stringify(recordJson(asStored))).toBe(JSON.stringify(recordJson(reordered)));
    expect(Object.keys(recordJson(asStored))).toEqual(["id", "client_id", "datasets", "status"]);
  });

  it("leaves out fields that are not set, and keeps null ones", () => {
    expect(recordJson({ id: "a", error: null, job: undefined })).toEqual({ id: "a", error: null });
  });

  it("groups a run's details by collection", () => {
    const details = { run: { id: "r" }, nims: [{ id: "n" }], evaluations: [{ id: "e" }], customizations: [], judgeRuns: [{ id: "j" }] } as unknown as RunDetails;
    expect(runDetailsJson(details)).toEqual({ run: { id: "r" }, nims: [{ id: "n" }], evaluations: [{ id: "e" }], customizations: [], llm_judge_runs: [{ id: "j" }] });
  });
});
