import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse, parseDocument } from "yaml";
import { UsageError } from "../src/errors";
import { type SequenceEntryUpsert, unifiedDiff, upsertSequenceEntry } from "../src/promote/stack-file-edit";

const stacksDirectory = join(__dirname, "..", "..", "stacks");
const shippedStacks = readdirSync(stacksDirectory).filter((name) => /^Pulumi\.[^.]+\.yaml$/.test(name));

/** Where two texts differ: the one stretch of `before` that was replaced, and what replaced it. */
function changedStretch(before: string, after: string): { start: number; removed: string; inserted: string } {
  let start = 0;
  while (start < before.length && start < after.length && before[start] === after[start]) start++;
  let tail = 0;
  while (tail < before.length - start && tail < after.length - start && before[before.length - 1 - tail] === after[after.length - 1 - tail]) tail++;
  return { start, removed: before.slice(start, before.length - tail), inserted: after.slice(start, after.length - tail) };
}

/** The data at a path of a parsed file. */
function dataAt(text: string, path: readonly (string | number)[]): unknown {
  return path.reduce<unknown>((value, key) => (value as Record<string | number, unknown>)[key], parse(text));
}

function edit(source: string, path: readonly (string | number)[], entry: Record<string, unknown>, key = "name"): ReturnType<typeof upsertSequenceEntry> {
  return upsertSequenceEntry({ file: "Pulumi.test.yaml", source, path, match: { key, value: entry[key] as string }, entry });
}

function refusal(upsert: Partial<SequenceEntryUpsert> & Pick<SequenceEntryUpsert, "source">): string {
  try {
    upsertSequenceEntry({ file: "Pulumi.test.yaml", path: ["config", "data-flywheel:serving"], match: { key: "name", value: "support" }, entry: { name: "support" }, ...upsert });
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error("expected the edit to be refused");
}

const servingEntry = { name: "promote-test", image: { repository: "nvcr.io/nim/meta/llama-3.2-1b-instruct", tag: "1.12.0" }, gpus: 1, replicas: { min: 0, max: 0 }, namespaces: ["support-web"] };

describe("upsertSequenceEntry on the shipped stack files", () => {
  it("finds the shipped stacks", () => {
    expect(shippedStacks).toEqual(expect.arrayContaining(["Pulumi.dev.yaml", "Pulumi.prod.yaml", "Pulumi.local.yaml"]));
  });

  describe.each(shippedStacks)("%s", (file) => {
    const source = readFileSync(join(stacksDirectory, file), "utf8");
    const original = parse(source) as { config: Record<string, unknown> };

    it("appends an entry, inserting text and changing no byte of the original", () => {
      const path = ["config", "data-flywheel:serving"];
      const before = (original.config["data-flywheel:serving"] as unknown[] | undefined) ?? [];
      const { text, action, diff } = upsertSequenceEntry({ file, source, path, match: { key: "name", value: "promote-test" }, entry: servingEntry });
      expect(action).toBe("appended");
      const { removed, inserted } = changedStretch(source, text);
      expect(removed).toBe("");
      expect(inserted).toContain("- name: promote-test\n");
      expect(parse(text)).toEqual({ ...original, config: { ...original.config, "data-flywheel:serving": [...before, servingEntry] } });
      expect(diff).toContain(`--- a/${file}\n+++ b/${file}\n`);
      expect(diff).toContain("+    - name: promote-test\n");
    });

    it("replaces an entry, changing only the bytes of that entry", () => {
      const path = ["config", "data-flywheel:models", "candidates"];
      const candidates = original.config["data-flywheel:models"] as { candidates: Record<string, unknown>[] };
      const old = candidates.candidates.find((c) => c.name === "meta/llama-3.2-1b-instruct")!;
      const replacement = { ...old, contextLength: 4096 };
      const { text, action, diff } = upsertSequenceEntry({ file, source, path, match: { key: "name", value: "meta/llama-3.2-1b-instruct" }, entry: replacement });
      expect(action).toBe("replaced");
      const entryNode = parseDocument(source).getIn(path, true) as { items: { range: [number, number, number] }[] };
      const index = candidates.candidates.indexOf(old);
      const [entryStart, entryEnd] = entryNode.items[index].range;
      const { start, removed } = changedStretch(source, text);
      expect(start).toBeGreaterThanOrEqual(entryStart);
      expect(start + removed.length).toBeLessThanOrEqual(entryEnd);
      expect(dataAt(text, path)).toEqual(candidates.candidates.map((c) => (c === old ? replacement : c)));
      expect(parse(text)).toEqual({ ...original, config: { ...original.config, "data-flywheel:models": { ...candidates, candidates: candidates.candidates.map((c) => (c === old ? replacement : c)) } } });
      expect(diff).toMatch(/^-\s+contextLength: 8192$/m);
      expect(diff).toMatch(/^\+\s+contextLength: 4096$/m);
    });

    it("appends then replaces its own entry, leaving the rest as appending left it", () => {
      const path = ["config", "data-flywheel:serving"];
      const appended = upsertSequenceEntry({ file, source, path, match: { key: "name", value: "promote-test" }, entry: servingEntry }).text;
      const replaced = upsertSequenceEntry({ file, source: appended, path, match: { key: "name", value: "promote-test" }, entry: { ...servingEntry, gpus: 2 } });
      expect(replaced.action).toBe("replaced");
      expect(changedStretch(appended, replaced.text)).toMatchObject({ removed: "1", inserted: "2" });
    });
  });
});

describe("upsertSequenceEntry on hand-written files", () => {
  const commented = [
    "# header",
    "config:",
    "  data-flywheel:serving:",
    "    # the first model",
    "    - name: a   # trailing comment",
    "      gpus: 1",
    "",
    "    # the second model, after a blank line",
    "    -   name: b",
    "        gpus: 1",
    "    # after the last entry",
    "  data-flywheel:other: {x: 1}  # flow map kept as written",
    "",
  ].join("\n");
  const path = ["config", "data-flywheel:serving"];

  it("replaces an entry between comments, keeping every comment and blank line", () => {
    const { text } = edit(commented, path, { name: "a", gpus: 2 });
    expect(text).toBe(commented.replace("name: a   # trailing comment\n      gpus: 1", "name: a\n      gpus: 2"));
  });

  it("replaces an entry written with a wider `-   ` in that style", () => {
    const { text } = edit(commented, path, { name: "b", gpus: 3 });
    expect(text).toBe(commented.replace("name: b\n        gpus: 1", "name: b\n        gpus: 3"));
  });

  it("appends after the last entry, before the comments that follow it", () => {
    const { text } = edit(commented, path, { name: "c", gpus: 1 });
    expect(text).toBe(commented.replace("        gpus: 1\n", "        gpus: 1\n    -   name: c\n        gpus: 1\n"));
  });

  it("creates the sequence's key at the end of its mapping", () => {
    const { text } = edit(commented, ["config", "data-flywheel:serving2"], { name: "c" });
    expect(text).toBe(`${commented}  data-flywheel:serving2:\n    - name: c\n`);
  });

  it("creates missing mappings on the way", () => {
    const source = "config:\n  a: 1\n";
    expect(edit(source, ["config", "b", "list"], { name: "c" }).text).toBe("config:\n  a: 1\n  b:\n    list:\n      - name: c\n");
  });

  it("adds a line break to a file without a final one", () => {
    const source = "config:\n  serving:\n    - name: a";
    expect(edit(source, ["config", "serving"], { name: "b" }).text).toBe("config:\n  serving:\n    - name: a\n    - name: b\n");
    expect(edit(source, ["config", "serving"], { name: "a", gpus: 1 }).text).toBe("config:\n  serving:\n    - name: a\n      gpus: 1");
  });

  it("keeps a file's CRLF line breaks", () => {
    const source = "config:\r\n  serving:\r\n    - name: a\r\n";
    expect(edit(source, ["config", "serving"], { name: "b" }).text).toBe("config:\r\n  serving:\r\n    - name: a\r\n    - name: b\r\n");
  });

  it("turns an empty flow sequence into a block one, the comment after it staying on the key's line", () => {
    const source = "config:\n  serving: []  # none yet\n  other: 1\n";
    const { text, action } = edit(source, ["config", "serving"], { name: "a", replicas: { min: 0 } });
    expect(action).toBe("appended");
    expect(text).toBe("config:\n  serving:  # none yet\n    - name: a\n      replicas:\n        min: 0\n  other: 1\n");
  });

  it("writes into a non-empty flow sequence in flow style", () => {
    const source = "config:\n  serving: [{name: a, gpus: 1}, {name: b}]  # flow\n";
    expect(edit(source, ["config", "serving"], { name: "a", gpus: 2 }).text).toBe("config:\n  serving: [{name: a, gpus: 2}, {name: b}]  # flow\n");
    expect(edit(source, ["config", "serving"], { name: "c", l: [1] }).text).toBe("config:\n  serving: [{name: a, gpus: 1}, {name: b}, {name: c, l: [1]}]  # flow\n");
  });

  it("quotes what YAML would otherwise read as another type", () => {
    const { text } = edit("config:\n  serving: []\n", ["config", "serving"], { name: "a", tag: "1.10", on: "true" });
    expect(parse(text)).toEqual({ config: { serving: [{ name: "a", tag: "1.10", on: "true" }] } });
  });
});

describe("upsertSequenceEntry refuses", () => {
  it("a YAML syntax error, naming the file, line and column", () => {
    expect(refusal({ source: "config:\n  serving: [\n  a: b: c\n" })).toMatch(/^Pulumi\.test\.yaml is not valid YAML at line \d+, column \d+: /);
  });

  it("a duplicate key", () => {
    expect(refusal({ source: "config:\n  a: 1\n  a: 2\n" })).toMatch(/^Pulumi\.test\.yaml is not valid YAML at line 3, column 3: .*unique/);
  });

  it("a document that is not a mapping", () => {
    expect(refusal({ source: "- a\n" })).toBe("Pulumi.test.yaml is not a block mapping of keys to values");
  });

  it("a path through a value that is not a mapping", () => {
    expect(refusal({ source: "config: 3\n" })).toBe("Pulumi.test.yaml: config holds the value 3, not a block mapping");
    expect(refusal({ source: "config:\n  data-flywheel:serving:\n    - name: a\n", path: ["config", "data-flywheel:serving", "x"] })).toBe(
      "Pulumi.test.yaml: config.data-flywheel:serving holds a list, not a block mapping",
    );
  });

  it("a path through a flow mapping, which a block key cannot be added to", () => {
    expect(refusal({ source: "config: {a: 1}\n" })).toBe("Pulumi.test.yaml: config holds a flow mapping ({…}), not a block mapping");
  });

  it("a key holding something other than a list", () => {
    expect(refusal({ source: "config:\n  data-flywheel:serving:\n    name: support\n" })).toBe("Pulumi.test.yaml: config.data-flywheel:serving holds a mapping, not a list");
    expect(refusal({ source: "config:\n  data-flywheel:serving:\n" })).toBe("Pulumi.test.yaml: config.data-flywheel:serving holds null, not a list");
  });

  it("a list with an item that is not a mapping", () => {
    expect(refusal({ source: "config:\n  data-flywheel:serving:\n    - name: a\n    - b\n" })).toBe('Pulumi.test.yaml: item 2 of config.data-flywheel:serving is the value "b", not a mapping');
  });

  it("two entries of the name, naming them", () => {
    expect(refusal({ source: "config:\n  data-flywheel:serving:\n    - name: support\n    - name: other\n    - name: support\n" })).toBe(
      "Pulumi.test.yaml: config.data-flywheel:serving has 2 entries whose name is support (items 1, 3); keep one",
    );
  });
});

describe("unifiedDiff", () => {
  it("is empty for equal texts", () => {
    expect(unifiedDiff("a\n", "a\n", { from: "a", to: "b" })).toBe("");
  });

  it("prints one hunk with three lines of context", () => {
    const before = "1\n2\n3\n4\n5\n6\n7\n8\n";
    const after = "1\n2\n3\n4\nfive\n6\n7\n8\n";
    expect(unifiedDiff(before, after, { from: "a/f", to: "b/f" })).toBe("--- a/f\n+++ b/f\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n");
  });

  it("marks a last line without a line break", () => {
    expect(unifiedDiff("a\nb", "a\nb\nc\n", { from: "x", to: "y" })).toBe("--- x\n+++ y\n@@ -1,2 +1,3 @@\n a\n-b\n\\ No newline at end of file\n+b\n+c\n");
  });

  it("counts an insertion into an empty file from line 0", () => {
    expect(unifiedDiff("", "a\n", { from: "x", to: "y" })).toBe("--- x\n+++ y\n@@ -0,0 +1,1 @@\n+a\n");
  });
});
