import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { UsageError } from "../src/errors";
import { findLogPairs, JsonlLogSource } from "../src/logs/jsonl-log-source";
import type { PulledRecord } from "../src/logs/log-source";
import { normaliseTimestamp } from "../src/logs/log-source";
import { logDocument, temporaryDirectory, writeLogFile } from "./support/logs";

async function collect(records: AsyncIterable<PulledRecord>): Promise<PulledRecord[]> {
  const out: PulledRecord[] = [];
  for await (const record of records) {
    out.push(record);
  }
  return out;
}

const query = { workloadId: "w", clientId: "c", maxRecords: 100 };

describe("JsonlLogSource", () => {
  it("skips and counts malformed and blank lines instead of failing", async () => {
    const path = writeLogFile([logDocument(), "{not json", "", "   ", "[1,2]", '"a string"', "null", logDocument({ user: "second" })]);
    const source = new JsonlLogSource(path);
    expect(await collect(source.pull(query))).toHaveLength(2);
    expect(source.stats).toMatchObject({ lines: 8, blankLines: 2, malformedLines: 4, firstMalformedLines: [2, 5, 6, 7], matchingRecords: 2, otherRecords: 0 });
  });

  it("returns only the queried workload and client, newest first, at most maxRecords", async () => {
    const lines = [
      logDocument({ user: "old", timestamp: 1_700_000_000 }),
      logDocument({ user: "other workload", workload: "x", timestamp: "2030-01-01T00:00:00Z" }),
      logDocument({ user: "newest", timestamp: "2025-01-01T00:00:00Z" }),
      logDocument({ user: "other client", client: "y" }),
      logDocument({ user: "middle", timestamp: 1_710_000_000_000 }),
      logDocument({ user: "no timestamp", timestamp: "yesterday" }),
    ];
    const source = new JsonlLogSource(writeLogFile(lines));
    const records = await collect(source.pull({ ...query, maxRecords: 3 }));
    const users = records.map((r) => ((r.document.request as { messages: Array<{ content: string }> }).messages[1].content));
    expect(users).toEqual(["newest", "middle", "old"]);
    expect(records.map((r) => r.timestamp)).toEqual([Date.parse("2025-01-01T00:00:00Z"), 1_710_000_000_000, 1_700_000_000_000]);
    expect(source.stats).toMatchObject({ matchingRecords: 4, otherRecords: 2 });
  });

  it("counts a later line as newer when timestamps tie", async () => {
    const lines = [logDocument({ user: "first", timestamp: 5_000_000_000_000 }), logDocument({ user: "second", timestamp: 5_000_000_000_000 })];
    const records = await collect(new JsonlLogSource(writeLogFile(lines)).pull(query));
    expect(records.map((r) => (r.document.request as { messages: Array<{ content: string }> }).messages[1].content)).toEqual(["second", "first"]);
  });

  it("reads CRLF line ends, a byte-order mark and a last line without a newline", async () => {
    const dir = temporaryDirectory();
    const path = join(dir, "crlf.jsonl");
    writeFileSync(path, `\ufeff${JSON.stringify(logDocument({ user: "é 東京" }))}\r\n${JSON.stringify(logDocument({ user: "two" }))}`);
    const source = new JsonlLogSource(path);
    expect(await collect(source.pull(query))).toHaveLength(2);
    expect(source.stats?.malformedLines).toBe(0);
  });

  it("reads a record of more than 1 MB that spans read chunks", async () => {
    const big = "ü".repeat(1_200_000);
    const path = writeLogFile([logDocument({ user: "small" }), logDocument({ user: big }), logDocument({ user: "after" })]);
    const records = await collect(new JsonlLogSource(path).pull(query));
    const contents = records.map((r) => (r.document.request as { messages: Array<{ content: string }> }).messages[1].content);
    expect(contents.map((c) => c.length).sort((a, b) => a - b)).toEqual([5, 5, 1_200_000]);
    expect(contents).toContain(big);
  });

  it("names the file when it cannot be read", async () => {
    const missing = join(temporaryDirectory(), "missing.jsonl");
    await expect(collect(new JsonlLogSource(missing).pull(query))).rejects.toThrow(new UsageError(`cannot read the log file ${missing}: no such file or directory`));
  });
});

describe("findLogPairs", () => {
  it("lists the (workload, client) pairs, most records first, filtered by what is given", async () => {
    const path = writeLogFile([logDocument(), logDocument({ client: "d" }), logDocument({ client: "d" }), logDocument({ workload: "v" }), "garbage"]);
    expect(await findLogPairs(path, {})).toEqual([
      { workloadId: "w", clientId: "d", records: 2 },
      { workloadId: "v", clientId: "c", records: 1 },
      { workloadId: "w", clientId: "c", records: 1 },
    ]);
    expect(await findLogPairs(path, { clientId: "c" })).toHaveLength(2);
  });
});

describe("normaliseTimestamp", () => {
  it("reads ISO-8601, epoch millis, and epoch seconds below 10^11", () => {
    expect(normaliseTimestamp("2025-06-01T12:00:00Z")).toBe(Date.UTC(2025, 5, 1, 12));
    expect(normaliseTimestamp(1_748_779_200_000)).toBe(1_748_779_200_000);
    expect(normaliseTimestamp(1_748_779_200)).toBe(1_748_779_200_000);
    expect(normaliseTimestamp(1_748_779_200.5)).toBe(1_748_779_200_500);
    expect(normaliseTimestamp("1748779200")).toBe(1_748_779_200_000);
    expect(normaliseTimestamp(99_999_999_999)).toBe(99_999_999_999_000);
    expect(normaliseTimestamp(100_000_000_000)).toBe(100_000_000_000);
  });

  it("rejects what is not a time", () => {
    for (const value of [undefined, null, "yesterday", "", -5, Number.NaN, {}, "2025-13-45T00:00:00Z"]) {
      expect(normaliseTimestamp(value)).toBeUndefined();
    }
  });
});
