import { apportion } from "../src/curation/apportion";
import { curate } from "../src/curation/curate";
import { stratify } from "../src/curation/labels";
import type { SampledRecord } from "../src/curation/records";
import { splitRecords, validationSize } from "../src/curation/split";
import { defaultLimits, logDocument, pulled, stream, toolLogs } from "./support/logs";

async function records(documents: ReturnType<typeof logDocument>[]): Promise<SampledRecord[]> {
  const result = await curate(stream(documents.map((d, i) => pulled(d, 2_000_000_000_000 - i))), { limit: 100_000, seed: 1, limits: defaultLimits });
  return [...result.sample];
}

/** Tool names with the given counts, e.g. {a: 50, b: 3}. */
function toolMix(counts: Record<string, number>): ReturnType<typeof logDocument>[] {
  let n = 0;
  return Object.entries(counts).flatMap(([tool, count]) => Array.from({ length: count }, () => logDocument({ user: `q${n++}`, tool })));
}

const labelCounts = (split: ReturnType<typeof splitRecords>, records: readonly SampledRecord[]) => {
  const counts: Record<string, number> = {};
  records.forEach((r) => (counts[split.labelOf.get(r)!] = (counts[split.labelOf.get(r)!] ?? 0) + 1));
  return counts;
};

describe("splitRecords", () => {
  it("makes eval, train and validation of the expected sizes with no key in two splits", async () => {
    const all = await records(toolMix({ a: 120, b: 50, c: 20, d: 10 }));
    const split = splitRecords(all, { evalSize: 20, valRatio: 0.1, seed: 3 });
    expect(split.eval).toHaveLength(20);
    expect(split.validation).toHaveLength(validationSize(180, 0.1));
    expect(split.train).toHaveLength(200 - 20 - split.validation.length);
    const keys = [...split.eval, ...split.train, ...split.validation].map((r) => r.dedupKey);
    expect(new Set(keys).size).toBe(200);
  });

  it("stratifies proportionally and gives every label at least one evaluation record", async () => {
    const all = await records(toolMix({ a: 120, b: 50, c: 20, d: 10 }));
    const split = splitRecords(all, { evalSize: 20, valRatio: 0.1, seed: 3 });
    expect(labelCounts(split, split.eval)).toEqual({ a: 12, b: 5, c: 2, d: 1 });
    const validation = labelCounts(split, split.validation);
    expect(Object.keys(validation).sort()).toEqual(["a", "b", "c", "d"]);
  });

  it("merges single-record labels into others instead of failing on them", async () => {
    const all = await records(toolMix({ a: 30, b: 10, once1: 1, once2: 1 }));
    const split = splitRecords(all, { evalSize: 5, valRatio: 0.2, seed: 1 });
    expect(split.merged).toEqual(["once1", "once2"]);
    expect(new Set(split.labelOf.values())).toEqual(new Set(["a", "b", "others"]));
    expect(labelCounts(split, split.eval).others).toBe(1);
  });

  it("puts a lone merged record into the largest label", async () => {
    const strata = stratify(await records(toolMix({ a: 30, b: 10, once: 1 })));
    expect([...strata.byLabel.keys()]).toEqual(["a", "b"]);
    expect(strata.byLabel.get("a")).toHaveLength(31);
    expect(strata.merged).toEqual(["once"]);
  });

  it("labels text answers no_tool", async () => {
    const all = await records(Array.from({ length: 10 }, (_, i) => logDocument({ user: `q${i}` })));
    expect(new Set(splitRecords(all, { evalSize: 2, valRatio: 0.1, seed: 1 }).labelOf.values())).toEqual(new Set(["no_tool"]));
  });

  it("chooses at random when evalSize is smaller than the number of labels", async () => {
    const all = await records(toolMix({ a: 4, b: 4, c: 4, d: 4, e: 4 }));
    const split = splitRecords(all, { evalSize: 3, valRatio: 0, seed: 5 });
    expect(split.eval).toHaveLength(3);
    expect(split.validation).toHaveLength(0);
    expect(split.train).toHaveLength(17);
  });

  it("gives the same split for the same seed whatever the input order, and another for another seed", async () => {
    const all = await records(toolLogs(200, ["a", "b", "c", "d"]));
    const keys = (s: ReturnType<typeof splitRecords>) => [s.eval, s.train, s.validation].map((part) => part.map((r) => r.dedupKey));
    const first = splitRecords(all, { evalSize: 20, valRatio: 0.1, seed: 11 });
    expect(keys(splitRecords([...all].reverse(), { evalSize: 20, valRatio: 0.1, seed: 11 }))).toEqual(keys(first));
    expect(keys(splitRecords(all, { evalSize: 20, valRatio: 0.1, seed: 12 }))[0]).not.toEqual(keys(first)[0]);
  });

  it("lists each split newest first", async () => {
    const split = splitRecords(await records(toolLogs(60, ["a", "b"])), { evalSize: 10, valRatio: 0.2, seed: 1 });
    for (const part of [split.eval, split.train, split.validation]) {
      expect(part.map((r) => r.timestamp)).toEqual([...part.map((r) => r.timestamp)].sort((x, y) => y - x));
    }
  });
});

describe("validationSize", () => {
  it("rounds the ratio, keeps at least one for validation and one for training", () => {
    expect(validationSize(100, 0.1)).toBe(10);
    expect(validationSize(3, 0.1)).toBe(1);
    expect(validationSize(2, 0.5)).toBe(1);
    expect(validationSize(1, 0.5)).toBe(0);
    expect(validationSize(100, 0)).toBe(0);
  });
});

describe("apportion", () => {
  it("splits proportionally by largest remainder within the bounds", () => {
    expect(apportion(10, [{ size: 50, min: 1, max: 49 }, { size: 30, min: 1, max: 29 }, { size: 20, min: 1, max: 19 }])).toEqual([5, 3, 2]);
    expect(apportion(4, [{ size: 97, min: 1, max: 96 }, { size: 2, min: 1, max: 1 }, { size: 1, min: 0, max: 0 }])).toEqual([3, 1, 0]);
  });

  it("refuses totals the bounds cannot hold", () => {
    expect(() => apportion(5, [{ size: 2, min: 0, max: 1 }, { size: 2, min: 0, max: 1 }])).toThrow(RangeError);
  });
});
