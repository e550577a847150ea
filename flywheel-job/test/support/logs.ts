import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dataLimitsSchema } from "../../src/config/job-config";
import { type CuratedRecord, type SampledRecord, toolLabel } from "../../src/curation/records";
import { type PulledDocument, storeAsBytes } from "../../src/logs/log-source";

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export interface LogOptions {
  readonly user?: string | string[];
  /** Tool to call in the response; omit for a text answer. */
  readonly tool?: string;
  readonly args?: Json;
  readonly content?: string | null;
  readonly timestamp?: Json;
  readonly workload?: string;
  readonly client?: string;
}

/** A log document like the logger writes, in the shape of docs/log-contract.md. */
export function logDocument(options: LogOptions = {}): { [key: string]: Json } {
  const users = Array.isArray(options.user) ? options.user : [options.user ?? "Where is my order?"];
  const messages: Json[] = [{ role: "system", content: "You are a support agent." }];
  users.forEach((text, i) => {
    if (i > 0) {
      messages.push({ role: "assistant", content: "Sure." });
    }
    messages.push({ role: "user", content: text });
  });
  const message: { [key: string]: Json } = options.tool
    ? {
        role: "assistant",
        content: options.content ?? null,
        tool_calls: [{ id: "call_1", type: "function", function: { name: options.tool, arguments: options.args ?? '{"order_id":"A-1"}' } }],
      }
    : { role: "assistant", content: options.content === undefined ? "Happy to help." : options.content };
  return {
    workload_id: options.workload ?? "w",
    client_id: options.client ?? "c",
    timestamp: options.timestamp ?? "2025-06-01T00:00:00Z",
    request: {
      model: "m",
      messages,
      tools: [{ type: "function", function: { name: options.tool ?? "lookup", parameters: { type: "object", properties: { order_id: { type: "string" } } } } }],
    },
    response: { id: "r", choices: [{ index: 0, message, finish_reason: "stop" }] },
  };
}

/**
 * The document with an earlier tool-calling turn before its answer — the assistant called
 * `lookup_order` and the tool answered — its `arguments` logged as a JSON string or as an object,
 * as loggers do either. Its user messages are unchanged, so deduplication sees the same record.
 */
export function withEarlierToolCall(document: { [key: string]: Json }, argumentsForm: "string" | "object"): { [key: string]: Json } {
  const request = document.request as { [key: string]: Json };
  const args = { order_id: "A-7", include: ["items", "shipping"] };
  const earlier: Json[] = [
    { role: "assistant", content: null, tool_calls: [{ id: "call_0", type: "function", function: { name: "lookup_order", arguments: argumentsForm === "string" ? JSON.stringify(args) : args } }] },
    { role: "tool", tool_call_id: "call_0", content: '{"status":"shipped"}' },
  ];
  return { ...document, request: { ...request, messages: [...(request.messages as Json[]), ...earlier] } };
}

/** The job's default `data.limits`. */
export const defaultLimits = dataLimitsSchema.parse({});

/** As a source would return it. */
export function pulled(document: { [key: string]: Json }, timestamp = 1_700_000_000_000): PulledDocument {
  return { kind: "document", timestamp, document, keep: () => storeAsBytes(document) };
}

/** A validated record as the sample would hold it, loading to itself. */
export function asSampled(record: CuratedRecord): SampledRecord {
  return { dedupKey: record.dedupKey, timestamp: record.timestamp, toolLabel: toolLabel(record), load: () => record };
}

/** The items one at a time, as a log source's pull yields them. */
export function stream<T>(items: Iterable<T>): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator]: () => {
      const iterator = items[Symbol.iterator]();
      return { next: () => Promise.resolve(iterator.next()) };
    },
  };
}

const temporaryDirectories: string[] = [];

// Tests leave nothing behind in the temporary directory.
afterAll(() => {
  for (const dir of temporaryDirectories.splice(0)) {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A fresh temporary directory, removed after the test file's tests. */
export function temporaryDirectory(): string {
  const dir = mkdtempSync(join(tmpdir(), "flywheel-test-"));
  temporaryDirectories.push(dir);
  return dir;
}

/** Writes lines (objects are JSON-encoded) to a new file and returns its path. */
export function writeLogFile(lines: ReadonlyArray<string | { [key: string]: Json }>, dir = temporaryDirectory()): string {
  const path = join(dir, "logs.jsonl");
  writeFileSync(path, lines.map((line) => (typeof line === "string" ? line : JSON.stringify(line))).join("\n") + "\n");
  return path;
}

/**
 * `count` tool-calling records of the given tools in turn (tool i % tools.length), each with distinct
 * user text and a timestamp one second apart, newest last.
 */
export function toolLogs(count: number, tools: readonly string[], extra: Partial<LogOptions> = {}): Array<{ [key: string]: Json }> {
  return Array.from({ length: count }, (_, i) =>
    logDocument({ user: `question ${i}`, tool: tools[i % tools.length], timestamp: 1_700_000_000_000 + i * 1000, ...extra }),
  );
}
