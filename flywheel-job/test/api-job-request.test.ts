import { parseJobRequest } from "../src/api/job-request";

describe("a POST /api/jobs body, in the job's words", () => {
  it("maps data_split_config's snake_case keys to the job's, keeping only the keys sent", () => {
    expect(parseJobRequest({ workload_id: "w", client_id: "c", data_split_config: { eval_size: 5, val_ratio: 0.2, min_total_records: 10, random_seed: 3, limit: 100 } })).toEqual({
      request: { workloadId: "w", clientId: "c", overrides: { limit: 100, evalSize: 5, valRatio: 0.2, minTotalRecords: 10, seed: 3 } },
    });
    // Left out, or a null seed: the workload's values, not the blueprint's code defaults.
    expect(parseJobRequest({ workload_id: "w", client_id: "c", data_split_config: { random_seed: null } })).toEqual({ request: { workloadId: "w", clientId: "c", overrides: {} } });
    expect(parseJobRequest({ workload_id: "w", client_id: "c", data_split_config: null })).toEqual({ request: { workloadId: "w", clientId: "c", overrides: {} } });
  });

  it("validates the overrides by the job's own schema, naming the blueprint's key", () => {
    // The blueprint allows a val_ratio below 1; the job's data.valRatio stops at 0.5.
    expect(parseJobRequest({ workload_id: "w", client_id: "c", data_split_config: { val_ratio: 0.6, random_seed: -1 } })).toEqual({
      issues: [
        { loc: ["body", "data_split_config", "val_ratio"], msg: expect.any(String), type: "value_error" },
        { loc: ["body", "data_split_config", "random_seed"], msg: expect.any(String), type: "value_error" },
      ],
    });
    expect(parseJobRequest({ workload_id: "w", client_id: "c", data_split_config: { limit: 1.5 } })).toMatchObject({ issues: [{ loc: ["body", "data_split_config", "limit"] }] });
  });

  it("names a key it does not support, bounded, and names at most 20 problems", () => {
    const long = "k".repeat(5000);
    const parsed = parseJobRequest({ workload_id: "w", client_id: "c", data_split_config: { [long]: 1 } });
    expect(parsed).toMatchObject({ issues: [{ loc: ["body", "data_split_config", `${"k".repeat(100)}…`], type: "not_supported" }] });
    const many = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`field${i}`, i]));
    expect((parseJobRequest({ ...many, workload_id: "w", client_id: "c" }) as { issues: unknown[] }).issues).toHaveLength(20);
  });
});
