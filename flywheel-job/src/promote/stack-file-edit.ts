import { isDeepStrictEqual } from "node:util";
import type { Document, ToStringOptions, YAMLMap, YAMLSeq } from "yaml";
import { loadYaml } from "../config/load-config-file";
import { UsageError } from "../errors";

/** One key of a path into a YAML document: a mapping key, or an index into a sequence. */
export type YamlPathKey = string | number;

/** An edit of one entry of a sequence of mappings in a YAML file, identified by one of its keys. */
export interface SequenceEntryUpsert {
  /** The file's name as the user knows it, for messages and the diff's header. */
  readonly file: string;
  /** The file's text. */
  readonly source: string;
  /** The keys from the document's root to the sequence, e.g. `["config", "data-flywheel:serving"]`. */
  readonly path: readonly YamlPathKey[];
  /** The key that names an entry and the name of the one to replace, e.g. `{ key: "name", value: "support" }`. */
  readonly match: { readonly key: string; readonly value: string };
  /** The new entry; its `match.key` holds `match.value`. */
  readonly entry: Readonly<Record<string, unknown>>;
}

/** The edited file: its text, and a unified diff from the original ("" when nothing changed). */
export interface StackFileEdit {
  readonly text: string;
  readonly diff: string;
  /** Whether an entry of that name was replaced, or the entry was appended. */
  readonly action: "replaced" | "appended";
}

/**
 * Stringifying options that write back the shipped stack files unchanged (`[a, b]`, not `[ a, b ]`;
 * no folding of long lines), so that new text looks like what is around it.
 */
const style: ToStringOptions = { flowCollectionPadding: false, lineWidth: 0 };

/**
 * Replaces the entry of the sequence at `path` whose `match.key` is `match.value`, or appends the
 * entry (creating the sequence's key, and missing mappings on the way, when absent). Re-stringifying
 * a whole document would rewrite what the user wrote (spacing in flow collections, quoting, blank
 * lines), so the new entry's text is spliced into the source at the changed node's range and every
 * other byte is kept. Throws UsageError, naming the file and the key, for a YAML syntax error, a
 * path through something other than mappings, a sequence that is not of mappings, or two entries of
 * that name.
 */
export function upsertSequenceEntry(edit: SequenceEntryUpsert): StackFileEdit {
  // A file written with CRLF throughout is edited as LF and written back with CRLF.
  const crlf = edit.source.includes("\r\n") && !/(^|[^\r])\n/.test(edit.source);
  if (!crlf) return upsertInLfText(edit);
  const result = upsertInLfText({ ...edit, source: edit.source.replace(/\r\n/g, "\n") });
  return { ...result, text: result.text.replace(/\n/g, "\r\n") };
}

function upsertInLfText(edit: SequenceEntryUpsert): StackFileEdit {
  const { isSeq, parse, stringify } = loadYaml();
  const { file, source, path, match, entry } = edit;
  if (entry[match.key] !== match.value) throw new Error(`the new entry's ${match.key} is not ${match.value}`);
  if (typeof path[path.length - 1] !== "string") throw new Error("the path must end at a mapping key");
  const document = parseStackFile(file, source);
  const where = (depth: number): string => (depth === 0 ? "the document" : path.slice(0, depth).join("."));

  // Walk the mappings down to the sequence; stop at the first missing key.
  let parent: unknown = document.contents;
  let depth = 0;
  for (; depth < path.length - 1; depth++) {
    const next = childOf(parent, path[depth], file, where(depth));
    if (next === undefined) break;
    parent = next;
  }
  const node = depth === path.length - 1 ? childOf(parent, path[depth], file, where(depth)) : undefined;

  const renderedEntry = stringify(entry, style);
  let text: string;
  let action: StackFileEdit["action"] = "appended";
  if (node === undefined) {
    text = insertKey(source, parent, path.slice(depth), entry, file, where(depth));
  } else if (isSeq(node)) {
    const index = entryIndex(node, match, file, where(path.length));
    if (node.flow && node.items.length === 0) text = replaceEmptyFlowSequence(source, parent as YAMLMap, node, entry);
    else if (node.flow) text = spliceFlowEntry(source, node, index, entry);
    else text = spliceBlockEntry(source, node, index, renderedEntry);
    if (index !== undefined) action = "replaced";
  } else {
    throw new UsageError(`${file}: ${where(path.length)} holds ${describeNode(node)}, not a list`);
  }

  verifyEdit(document, text, path, match, parse(renderedEntry) as unknown, file);
  return { text, diff: unifiedDiff(source, text, { from: `a/${file}`, to: `b/${file}` }), action };
}

/** A stack file parsed with its source tokens; a UsageError naming the file, line and column for a YAML error, or for a document that is not a block mapping. */
export function parseStackFile(file: string, source: string): Document.Parsed {
  const { isMap, parseDocument } = loadYaml();
  const document = parseDocument(source, { prettyErrors: true, uniqueKeys: true, keepSourceTokens: true });
  const [error] = document.errors;
  if (error !== undefined) {
    const line = error.linePos?.[0];
    const at = line ? ` at line ${line.line}, column ${line.col}` : "";
    throw new UsageError(`${file} is not valid YAML${at}: ${error.message.split("\n")[0]}`);
  }
  if (!isMap(document.contents) || document.contents.flow) throw new UsageError(`${file} is not a block mapping of keys to values`);
  return document;
}

/** The node at `key` of a block mapping or a sequence, or undefined when a mapping lacks the key. */
function childOf(node: unknown, key: YamlPathKey, file: string, where: string): unknown {
  const { isMap, isSeq } = loadYaml();
  if (typeof key === "number") {
    if (!isSeq(node) || key >= node.items.length) throw new UsageError(`${file}: ${where} has no item ${key}`);
    return node.items[key];
  }
  if (!isMap(node) || node.flow) throw new UsageError(`${file}: ${where} holds ${describeNode(node)}, not a block mapping`);
  return node.get(key, true);
}

function describeNode(node: unknown): string {
  const { isMap, isScalar, isSeq } = loadYaml();
  if (isSeq(node)) return "a list";
  if (isMap(node)) return node.flow ? "a flow mapping ({…})" : "a mapping";
  if (isScalar(node)) return node.value === null ? "null" : `the value ${JSON.stringify(node.value)}`;
  return "an alias or another node";
}

/** The index of the entry named `match.value`, or undefined; refuses items that are not mappings, and duplicates. */
function entryIndex(sequence: YAMLSeq, match: SequenceEntryUpsert["match"], file: string, where: string): number | undefined {
  const { isMap } = loadYaml();
  const found: number[] = [];
  sequence.items.forEach((item, index) => {
    if (!isMap(item)) throw new UsageError(`${file}: item ${index + 1} of ${where} is ${describeNode(item)}, not a mapping`);
    if (item.get(match.key) === match.value) found.push(index);
  });
  if (found.length > 1) throw new UsageError(`${file}: ${where} has ${found.length} entries whose ${match.key} is ${match.value} (items ${found.map((i) => i + 1).join(", ")}); keep one`);
  return found[0];
}

/** The column of a source offset. */
function columnOf(source: string, offset: number): number {
  return offset - (source.lastIndexOf("\n", offset - 1) + 1);
}

/** The offset just past the line holding `offset - 1`: a block node's range ends at a line's start, or at the end of the file. */
function lineEndAfter(source: string, offset: number): number {
  if (offset === 0 || source[offset - 1] === "\n") return offset;
  const newline = source.indexOf("\n", offset);
  return newline === -1 ? source.length : newline + 1;
}

/** Text with every line but the first indented by `columns` spaces, and no trailing newline. */
function indentTail(text: string, columns: number): string {
  return text
    .replace(/\n$/, "")
    .split("\n")
    .map((line, i) => (i === 0 || line === "" ? line : " ".repeat(columns) + line))
    .join("\n");
}

/** How a block sequence's item writes its `- `: the indicator's column and the content's. */
function itemIndicator(source: string, sequence: YAMLSeq, index: number): { dash: number; content: number } {
  const token = sequence.srcToken;
  const indicator = token?.type === "block-seq" ? token.items[index].start.find((t) => t.type === "seq-item-ind") : undefined;
  const content = columnOf(source, (sequence.items[index] as YAMLMap).range![0]);
  return { dash: indicator === undefined ? content - 2 : columnOf(source, indicator.offset), content };
}

/** The entry in place of the old one, in its style; or after the last item, in the last item's style. */
function spliceBlockEntry(source: string, sequence: YAMLSeq, index: number | undefined, renderedEntry: string): string {
  const { dash, content } = itemIndicator(source, sequence, index ?? sequence.items.length - 1);
  const body = indentTail(renderedEntry, content);
  if (index !== undefined) {
    const range = (sequence.items[index] as YAMLMap).range!;
    const end = lineEndAfter(source, range[1]);
    const newline = source.slice(end - 1, end) === "\n" ? "\n" : "";
    return source.slice(0, range[0]) + body + newline + source.slice(end);
  }
  const last = sequence.items[sequence.items.length - 1] as YAMLMap;
  const at = lineEndAfter(source, last.range![1]);
  const lead = at > 0 && source[at - 1] !== "\n" ? "\n" : "";
  const item = `${" ".repeat(dash)}-${" ".repeat(content - dash - 1)}${body}\n`;
  return source.slice(0, at) + lead + item + source.slice(at);
}

/** `key: []` becomes `key:` and a block sequence of the entry below it; a comment after `[]` stays on the key's line. */
function replaceEmptyFlowSequence(source: string, parent: YAMLMap, sequence: YAMLSeq, entry: Readonly<Record<string, unknown>>): string {
  const { stringify } = loadYaml();
  const pair = parent.items.find((p) => p.value === sequence)!;
  const keyNode = pair.key as { range: [number, number, number] };
  const keyColumn = columnOf(source, keyNode.range[0]);
  const colon = source.indexOf(":", keyNode.range[1]);
  const end = sequence.range![1];
  const lineEnd = lineEndAfter(source, end);
  const tail = source.slice(end, lineEnd).replace(/\n$/, "").trimEnd();
  const block = indentLines(stringify([entry], style), keyColumn + 2);
  return `${source.slice(0, colon + 1)}${tail}\n${block}${source.slice(lineEnd)}`;
}

/** Every non-empty line of `text` indented by `columns` spaces; ends with a newline. */
function indentLines(text: string, columns: number): string {
  return text
    .replace(/\n$/, "")
    .split("\n")
    .map((line) => (line === "" ? line : " ".repeat(columns) + line))
    .join("\n")
    .concat("\n");
}

/** A non-empty flow sequence gets the entry in flow style, in place of the old one or after the last. */
function spliceFlowEntry(source: string, sequence: YAMLSeq, index: number | undefined, entry: Readonly<Record<string, unknown>>): string {
  const { stringify } = loadYaml();
  const flow = stringify(entry, { ...style, collectionStyle: "flow" }).replace(/\n$/, "");
  if (index !== undefined) {
    const [start, end] = (sequence.items[index] as YAMLMap).range!;
    return source.slice(0, start) + flow + source.slice(end);
  }
  const end = (sequence.items[sequence.items.length - 1] as YAMLMap).range![1];
  return `${source.slice(0, end)}, ${flow}${source.slice(end)}`;
}

/** Adds the missing keys `keys` (the last one the sequence's) to the end of the block mapping `parent`. */
function insertKey(source: string, parent: unknown, keys: readonly YamlPathKey[], entry: Readonly<Record<string, unknown>>, file: string, where: string): string {
  const { isMap, stringify } = loadYaml();
  if (!isMap(parent) || parent.flow || parent.items.length === 0) throw new UsageError(`${file}: ${where} holds ${describeNode(parent)}, not a block mapping with keys`);
  if (keys.some((k) => typeof k === "number")) throw new UsageError(`${file}: ${where} has no ${keys.join(".")}`);
  const value = keys.reduceRight<unknown>((inner, k) => ({ [k]: inner }), [entry]);
  const first = parent.items[0].key as { range: [number, number, number] };
  const last = parent.items[parent.items.length - 1];
  const lastEnd = (last.value as { range?: [number, number, number] } | null)?.range?.[1] ?? (last.key as { range: [number, number, number] }).range[1];
  const at = lineEndAfter(source, lastEnd);
  const lead = at > 0 && source[at - 1] !== "\n" ? "\n" : "";
  return source.slice(0, at) + lead + indentLines(stringify(value, style), columnOf(source, first.range[0])) + source.slice(at);
}

/**
 * Parses the edited text and checks that it holds the original data with exactly the entry
 * replaced or appended: a splice that broke the structure is a bug, never a file to write.
 */
function verifyEdit(original: Document.Parsed, text: string, path: readonly YamlPathKey[], match: SequenceEntryUpsert["match"], entry: unknown, file: string): void {
  const { parseDocument } = loadYaml();
  const expected = original.toJS() as Record<string, unknown>;
  let holder: Record<YamlPathKey, unknown> = expected;
  for (const k of path.slice(0, -1)) {
    holder[k] ??= {};
    holder = holder[k] as Record<YamlPathKey, unknown>;
  }
  const last = path[path.length - 1];
  const list = (holder[last] as Record<string, unknown>[] | undefined) ?? [];
  const index = list.findIndex((item) => item[match.key] === match.value);
  holder[last] = index === -1 ? [...list, entry] : list.map((item, i) => (i === index ? entry : item));
  const edited = parseDocument(text, { uniqueKeys: true });
  if (edited.errors.length > 0 || !isDeepStrictEqual(edited.toJS(), expected)) {
    throw new Error(`editing ${path.join(".")} in ${file} produced a file that does not hold the intended data; nothing was written`);
  }
}

/**
 * A unified diff of two texts as one hunk: the lines between their common first and last lines,
 * with `context` lines around. A splice changes one stretch of a file, so one hunk is the whole
 * change.
 */
export function unifiedDiff(before: string, after: string, names: { from: string; to: string }, context = 3): string {
  if (before === after) return "";
  const a = splitLines(before);
  const b = splitLines(after);
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const start = Math.max(0, head - context);
  const aEnd = Math.min(a.length, a.length - tail + context);
  const bEnd = Math.min(b.length, b.length - tail + context);
  const lines = [
    ...a.slice(start, head).map((l) => ` ${l}`),
    ...a.slice(head, a.length - tail).map((l) => `-${l}`),
    ...b.slice(head, b.length - tail).map((l) => `+${l}`),
    ...a.slice(a.length - tail, aEnd).map((l) => ` ${l}`),
  ];
  const range = (from: number, count: number): string => `${count === 0 ? from : from + 1},${count}`;
  const header = `@@ -${range(start, aEnd - start)} +${range(start, bEnd - start)} @@`;
  return [`--- ${names.from}`, `+++ ${names.to}`, header, ...lines].map((l) => l.replace(/\n$/, "")).join("\n").concat("\n");
}

/** A text's lines, each with its newline; a last line without one is marked the way `diff -u` marks it. */
function splitLines(text: string): string[] {
  const lines = text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
  return lines.map((line) => (line.endsWith("\n") ? line : `${line}\n\\ No newline at end of file\n`));
}
