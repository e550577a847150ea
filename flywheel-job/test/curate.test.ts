import { curate } from "../src/curation/curate";
import { checkMinimums } from "../src/curation/minimums";
import { InsufficientDataError } from "../src/errors";
import type { PulledRecord } from "../src/logs/log-source";
import { defaultLimits, logDocument, pulled, stream, toolLogs } from "./support/logs";

const newestFirst = (documents: ReturnType<typeof logDocument>[]): PulledRecord[] =>
  documents.map((document, i) => pulled(document, 2_000_000_000_000 - i * 1000));

describe("curate", () => {
  it("keeps the newest record of each set of user messages", async () => {
    const records = newestFirst([
      logDocument({ user: "where is  my order", tool: "track", args: '{"v":"newest"}' }),
      logDocument({ user: "other question", tool: "track" }),
      logDocument({ user: " where is my order ", tool: "track", args: '{"v":"older"}' }),
    ]);
    const result = await curate(stream(records), { limit: 10, seed: 1, limits: defaultLimits });
    expect(result.counts).toMatchObject({ pulled: 3, valid: 3, unique: 2, sampled: 2 });
    expect(result.dropCounts.duplicate).toBe(1);
    const kept = result.sample.map((r) => r.load()).find((r) => r.request.messages[1].content === "where is  my order");
    expect(kept?.toolCalls[0].function.arguments).toEqual({ v: "newest" });
  });

  it("treats the workload as tool-calling once any record calls a tool, and drops text answers", async () => {
    const records = newestFirst([
      logDocument({ user: "hello" }),
      logDocument({ user: "same question" }),
      logDocument({ user: "track it", tool: "track" }),
      logDocument({ user: "same question", tool: "lookup" }),
    ]);
    const result = await curate(stream(records), { limit: 10, seed: 1, limits: defaultLimits });
    expect(result.workloadType).toBe("tool_calling");
    expect(result.dropCounts.no_tool_calls).toBe(2);
    expect(result.dropCounts.duplicate).toBe(0);
    // The newest record of "same question" had no tool call; the newest one that has is kept.
    expect(result.sample.map((r) => r.toolLabel).sort()).toEqual(["lookup", "track"]);
    expect(result.counts).toMatchObject({ valid: 4, ofWorkloadType: 2, unique: 2 });
  });

  it("treats a workload without tool calls as generic and keeps every valid record", async () => {
    const records = newestFirst(Array.from({ length: 5 }, (_, i) => logDocument({ user: `q${i}`, content: `a${i}` })));
    const result = await curate(stream(records), { limit: 10, seed: 1, limits: defaultLimits });
    expect(result.workloadType).toBe("generic");
    expect(result.counts.sampled).toBe(5);
  });

  it("samples at most limit records, and the same ones whatever order they arrive in", async () => {
    const records = newestFirst(toolLogs(300, ["a", "b", "c"]));
    const forward = await curate(stream(records), { limit: 50, seed: 9, limits: defaultLimits });
    const backward = await curate(stream([...records].reverse()), { limit: 50, seed: 9, limits: defaultLimits });
    const keys = (r: typeof forward) => r.sample.map((x) => x.dedupKey);
    expect(forward.sample).toHaveLength(50);
    expect(keys(backward)).toEqual(keys(forward));
    const otherSeed = await curate(stream(records), { limit: 50, seed: 10, limits: defaultLimits });
    expect(keys(otherSeed)).not.toEqual(keys(forward));
  });

  it("samples uniformly: every record is about equally likely to be chosen", async () => {
    const records = newestFirst(toolLogs(40, ["a"]));
    const hits = new Map<string, number>();
    for (let seed = 0; seed < 400; seed++) {
      const { sample } = await curate(stream(records), { limit: 10, seed, limits: defaultLimits });
      sample.forEach((r) => hits.set(r.dedupKey, (hits.get(r.dedupKey) ?? 0) + 1));
    }
    // Each record is expected 100 times (400 draws × 10/40); a binomial with σ ≈ 8.7.
    expect(hits.size).toBe(40);
    for (const count of hits.values()) {
      expect(count).toBeGreaterThan(60);
      expect(count).toBeLessThan(140);
    }
  });

  it("fails clearly when every record is a duplicate of one", async () => {
    const records = newestFirst(Array.from({ length: 80 }, () => logDocument({ user: "same", tool: "track" })));
    const result = await curate(stream(records), { limit: 100, seed: 1, limits: defaultLimits });
    expect(result.counts.unique).toBe(1);
    expect(() => checkMinimums(result, { minTotalRecords: 50, evalSize: 5 }, { source: "logs.jsonl", workloadId: "w", clientId: "c" })).toThrow(
      /only 1 usable records for workload "w", client "c" \(minTotalRecords is 50; pulled 80, dropped: duplicate 79\)/,
    );
  });

  it("fails clearly when there are fewer records than evalSize needs", async () => {
    const result = await curate(stream(newestFirst(toolLogs(8, ["a", "b"]))), { limit: 100, seed: 1, limits: defaultLimits });
    const check = () => checkMinimums(result, { minTotalRecords: 1, evalSize: 8 }, { source: "logs.jsonl", workloadId: "w", clientId: "c" });
    expect(check).toThrow(InsufficientDataError);
    expect(check).toThrow(/evalSize 8 needs at least 9 records .* only 8 are usable/);
  });

  it("fails clearly when there are no records at all", async () => {
    const result = await curate(stream([]), { limit: 100, seed: 1, limits: defaultLimits });
    expect(() => checkMinimums(result, { minTotalRecords: 1, evalSize: 1 }, { source: "logs.jsonl", workloadId: "w", clientId: "c" })).toThrow(
      'no log records for workload "w", client "c" in logs.jsonl',
    );
  });
});
