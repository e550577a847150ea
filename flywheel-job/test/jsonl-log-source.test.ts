import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { UsageError } from "../src/errors";
import { findLogPairs, JsonlLogSource } from "../src/logs/jsonl-log-source";
import type { PulledDocument, PulledRecord } from "../src/logs/log-source";
import { normaliseTimestamp } from "../src/logs/log-source";
import { defaultLimits, logDocument, temporaryDirectory, writeLogFile } from "./support/logs";

async function collect(records: AsyncIterable<PulledRecord>): Promise<PulledRecord[]> {
  const out: PulledRecord[] = [];
  for await (const record of records) {
    out.push(record);
  }
  return out;
}

const query = { workloadId: "w", clientId: "c", maxRecords: 100, maxRecordBytes: defaultLimits.maxRecordBytes };

/** The first user message of each document (records yielded as oversized have none). */
function userTexts(records: readonly PulledRecord[]): string[] {
  return records.filter((r): r is PulledDocument => r.kind === "document").map((r) => (r.document.request as { messages: Array<{ content: string }> }).messages[1].content);
}

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
    expect(userTexts(records)).toEqual(["newest", "middle", "old"]);
    expect(records.map((r) => r.timestamp)).toEqual([Date.parse("2025-01-01T00:00:00Z"), 1_710_000_000_000, 1_700_000_000_000]);
    expect(source.stats).toMatchObject({ matchingRecords: 4, otherRecords: 2 });
  });

  it("counts a later line as newer when timestamps tie", async () => {
    const lines = [logDocument({ user: "first", timestamp: 5_000_000_000_000 }), logDocument({ user: "second", timestamp: 5_000_000_000_000 })];
    const records = await collect(new JsonlLogSource(writeLogFile(lines)).pull(query));
    expect(userTexts(records)).toEqual(["second", "first"]);
  });

  it("reads CRLF line ends, a byte-order mark and a last line without a newline", async () => {
    const dir = temporaryDirectory();
    const path = join(dir, "crlf.jsonl");
    writeFileSync(path, `\ufeff${JSON.stringify(logDocument({ user: "é 東京" }))}\r\n${JSON.stringify(logDocument({ user: "two" }))}`);
    const source = new JsonlLogSource(path);
    expect(await collect(source.pull(query))).toHaveLength(2);
    expect(source.stats?.malformedLines).toBe(0);
  });

  it("reads a record of more than 1 MB that spans read chunks, when the bound allows it", async () => {
    const big = "ü".repeat(1_200_000);
    const path = writeLogFile([logDocument({ user: "small" }), logDocument({ user: big }), logDocument({ user: "after" })]);
    const records = await collect(new JsonlLogSource(path).pull({ ...query, maxRecordBytes: 4 * 1024 * 1024 }));
    const contents = userTexts(records);
    expect(contents.map((c) => c.length).sort((a, b) => a - b)).toEqual([5, 5, 1_200_000]);
    expect(contents).toContain(big);
  });

  it("reads a byte-order mark before any line, as concatenated exports have", async () => {
    const dir = temporaryDirectory();
    const path = join(dir, "concatenated.jsonl");
    writeFileSync(path, [logDocument({ user: "one" }), logDocument({ user: "two" }), logDocument({ user: "three" })].map((d) => `\ufeff${JSON.stringify(d)}\n`).join(""));
    const source = new JsonlLogSource(path);
    expect(userTexts(await collect(source.pull(query))).sort()).toEqual(["one", "three", "two"]);
    expect(source.stats?.malformedLines).toBe(0);
  });

  describe("a line longer than maxRecordBytes", () => {
    const bound = 64 * 1024;
    const padded = (user: string, bytes: number, extra: Partial<Parameters<typeof logDocument>[0]> = {}) => {
      const document = logDocument({ user, ...extra });
      return JSON.stringify({ ...document, padding: "q".repeat(bytes - JSON.stringify(document).length - ',"padding":""'.length) });
    };

    it("is kept up to the bound and dropped one byte over it", async () => {
      const path = writeLogFile([padded("at the bound", bound), padded("one byte over", bound + 1)]);
      const source = new JsonlLogSource(path);
      const records = await collect(source.pull({ ...query, maxRecordBytes: bound }));
      expect(records.map((r) => r.kind).sort()).toEqual(["document", "too_large"]);
      expect(userTexts(records)).toEqual(["at the bound"]);
      expect(source.stats).toMatchObject({ oversizedLines: 1, matchingRecords: 2, malformedLines: 0 });
    });

    it("is skipped without being assembled, even across many read chunks, and yielded as too large at its timestamp", async () => {
      const huge = padded("huge", 5 * 1024 * 1024, { timestamp: "2030-01-01T00:00:00Z" });
      const path = writeLogFile([logDocument({ user: "before" }), huge, padded("other pair", 3 * 1024 * 1024, { client: "x" }), logDocument({ user: "after" })]);
      const concat = jest.spyOn(Buffer, "concat");
      const source = new JsonlLogSource(path);
      try {
        const records = await collect(source.pull({ ...query, maxRecordBytes: bound }));
        expect(records[0]).toEqual({ kind: "too_large", timestamp: Date.parse("2030-01-01T00:00:00Z") });
        expect(userTexts(records).sort()).toEqual(["after", "before"]);
        expect(source.stats).toMatchObject({ lines: 4, oversizedLines: 2, matchingRecords: 3, otherRecords: 1, malformedLines: 0 });
        const assembled = concat.mock.results.map((result) => (result.value as Buffer).length);
        expect(Math.max(0, ...assembled)).toBeLessThanOrEqual(bound + 4);
      } finally {
        concat.mockRestore();
      }
    });

    it("counts for its pair when looking for pairs", async () => {
      const path = writeLogFile([padded("big", 2 * bound, { client: "d" }), logDocument()]);
      expect((await findLogPairs(path, { maxRecordBytes: bound })).pairs).toEqual([
        { workloadId: "w", clientId: "c", records: 1 },
        { workloadId: "w", clientId: "d", records: 1 },
      ]);
    });
  });

  it("attributes a line with duplicate keys by the last value, as JSON.parse does", async () => {
    const line = JSON.stringify(logDocument({ user: "duplicate" })).replace('"client_id":"c"', '"client_id":"c","client_id":"x"');
    const source = new JsonlLogSource(writeLogFile([line, logDocument({ user: "plain" })]));
    expect(userTexts(await collect(source.pull(query)))).toEqual(["plain"]);
    expect(source.stats).toMatchObject({ matchingRecords: 1, otherRecords: 1 });
  });

  it("reads a kept record again from its place in the file, and says so when the file changed", async () => {
    const path = writeLogFile([logDocument({ user: "kept" })]);
    const [record] = await collect(new JsonlLogSource(path).pull(query));
    const stored = record.kind === "document" ? record.keep() : undefined;
    expect(stored?.read()).toEqual(record.kind === "document" && record.document);
    writeFileSync(path, "{}\n");
    expect(() => stored?.read()).toThrow(new UsageError(`the log file ${path} changed while it was read: the record at byte 0 is no longer there; run again on a file that is not being rewritten`));
  });

  it("names the file when it cannot be read", async () => {
    const missing = join(temporaryDirectory(), "missing.jsonl");
    await expect(collect(new JsonlLogSource(missing).pull(query))).rejects.toThrow(new UsageError(`cannot read the log file ${missing}: no such file or directory`));
  });
});

describe("findLogPairs", () => {
  it("lists the (workload, client) pairs, most records first, and how many lines are JSON objects", async () => {
    const path = writeLogFile([logDocument(), logDocument({ client: "d" }), logDocument({ client: "d" }), logDocument({ workload: "v" }), "garbage", "[1, 2]"]);
    expect(await findLogPairs(path, { maxRecordBytes: defaultLimits.maxRecordBytes })).toEqual({
      pairs: [
        { workloadId: "w", clientId: "d", records: 2 },
        { workloadId: "v", clientId: "c", records: 1 },
        { workloadId: "w", clientId: "c", records: 1 },
      ],
      lines: 6,
      objectLines: 4,
      opensArray: false,
    });
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
