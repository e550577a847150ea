import { execFile } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { type FlywheelJobConfigInput, parseJobConfig } from "../src/config/job-config";
import { planDefaultConfig } from "../src/config/plan-defaults";
import { runPlan } from "../src/plan/run-plan";
import { logDocument, temporaryDirectory, toolLogs, writeLogFile } from "./support/logs";

type Document = ReturnType<typeof logDocument>;
type Json = Document[string];

/** A tool-calling record whose user message is `user`, so a dataset line can be traced back to its case. */
function record(user: string, edit: (document: Document, message: Record<string, Json>) => void = () => undefined): Document {
  const document = logDocument({ user, tool: "track" });
  edit(document, (document.request as { messages: Array<Record<string, Json>> }).messages[1]);
  return document;
}

const request = (document: Document) => document.request as Record<string, Json> & { messages: Json[]; tools: Array<Record<string, Json>> };
const responseCall = (document: Document) => (document.response as { choices: Array<{ message: { tool_calls: Array<{ function: Record<string, Json> }> } }> }).choices[0].message.tool_calls[0];

/** `[[[…"deep"…]]]`, `levels` lists deep, built without recursion. */
function nestedLists(levels: number): Json {
  let value: Json = "deep";
  for (let i = 0; i < levels; i++) {
    value = [value];
  }
  return value;
}

/** Each case's line and what the plan must do with it. */
const hostileCases: ReadonlyArray<{ readonly user: string; readonly line: string; readonly outcome: string }> = [
  {
    user: "arguments nested 5000 levels",
    // The record that stopped every scheduled run: JSON.stringify of its arguments overflowed the stack.
    line: JSON.stringify(record("arguments nested 5000 levels", (d) => (responseCall(d).function.arguments = `${'{"q":['.repeat(2500)}${"]}".repeat(2500)}`))),
    outcome: "too_deep",
  },
  {
    user: "earlier turn arguments nested",
    line: JSON.stringify(
      record("earlier turn arguments nested", (d) =>
        request(d).messages.splice(1, 0, { role: "assistant", content: null, tool_calls: [{ id: "c0", type: "function", function: { name: "lookup", arguments: JSON.stringify({ q: nestedLists(80) }) } }] }),
      ),
    ),
    outcome: "too_deep",
  },
  { user: "content parts nested", line: JSON.stringify(record("content parts nested", (_d, m) => (m.content = [{ type: "text", text: "content parts nested", extra: nestedLists(70) }]))), outcome: "too_deep" },
  { user: "message nested", line: JSON.stringify(record("message nested", (_d, m) => (m.metadata = nestedLists(70)))), outcome: "too_deep" },
  { user: "tool schema nested", line: JSON.stringify(record("tool schema nested", (d) => (request(d).tools[0].function = { name: "track", parameters: { type: "object", items: nestedLists(70) } }))), outcome: "too_deep" },
  { user: "line over the bound", line: JSON.stringify(record("line over the bound", (d) => (d.padding = "x".repeat(1024 * 1024)))), outcome: "too_large" },
  {
    user: "too many messages",
    line: JSON.stringify(record("too many messages", (d) => request(d).messages.push(...Array.from({ length: 1000 }, (_, i) => ({ role: "assistant", content: `turn ${i}` }))))),
    outcome: "too_large",
  },
  {
    user: "too many tools",
    line: JSON.stringify(record("too many tools", (d) => (request(d).tools = Array.from({ length: 129 }, (_, i) => ({ type: "function", function: { name: `tool_${i}` } }))))),
    outcome: "too_large",
  },
  {
    user: "too many tool calls",
    line: JSON.stringify(
      record("too many tool calls", (d) => {
        const message = (d.response as { choices: Array<{ message: { tool_calls: Json[] } }> }).choices[0].message;
        message.tool_calls = Array.from({ length: 65 }, (_, i) => ({ id: `c${i}`, type: "function", function: { name: "track", arguments: "{}" } }));
      }),
    ),
    outcome: "too_large",
  },
  {
    user: "too many schema properties",
    line: JSON.stringify(
      record("too many schema properties", (d) => {
        const nested = { type: "object", properties: Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`inner_${i}`, { type: "string" }])) };
        request(d).tools[0].function = { name: "track", parameters: { type: "object", properties: { ...Object.fromEntries(Array.from({ length: 56 }, (_, i) => [`p${i}`, { type: "string" }])), nested } } };
      }),
    ),
    outcome: "too_large",
  },
  { user: "lone surrogate in text", line: JSON.stringify(record("lone surrogate in text", (_d, m) => (m.content = "lone surrogate in text \ud800"))), outcome: "invalid_text" },
  { user: "lone surrogate in a key", line: JSON.stringify(record("lone surrogate in a key", (_d, m) => (m["note\udfff"] = "x"))), outcome: "invalid_text" },
  {
    user: "lone surrogate in arguments",
    line: JSON.stringify(record("lone surrogate in arguments", (d) => (responseCall(d).function.arguments = '{"city":"\\udc00"}'))),
    outcome: "invalid_text",
  },
  { user: "infinite number in a field", line: JSON.stringify(record("infinite number in a field", (d) => (request(d).temperature = 0))).replace('"temperature":0', '"temperature":1e400'), outcome: "invalid_number" },
  { user: "infinite number in arguments", line: JSON.stringify(record("infinite number in arguments", (d) => (responseCall(d).function.arguments = '{"amount":-1e400}'))), outcome: "invalid_number" },
  { user: "infinite timestamp", line: JSON.stringify(record("infinite timestamp")).replace('"timestamp":"2025-06-01T00:00:00Z"', '"timestamp":1e400'), outcome: "invalid_timestamp" },
  { user: "nul in text", line: JSON.stringify(record("nul in text", (_d, m) => (m.content = "nul in text \u0000 here"))), outcome: "kept" },
  { user: "duplicate keys", line: JSON.stringify(record("duplicate keys")).replace('"content":"duplicate keys"', '"content":"the first value","content":"duplicate keys"'), outcome: "kept" },
  { user: "byte order mark", line: `\ufeff${JSON.stringify(record("byte order mark"))}`, outcome: "kept" },
];

function planConfig(data: FlywheelJobConfigInput["data"]) {
  return parseJobConfig({ ...planDefaultConfig, workloadId: "w", clientId: "c", data }, "the test config");
}

/** Every dataset line the plan wrote, as text. */
function datasetLines(out: string): string[] {
  return readdirSync(out, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".jsonl"))
    .flatMap((entry) => readFileSync(join(entry.parentPath, entry.name), "utf8").trim().split("\n"));
}

describe("no record can stop a plan", () => {
  const logs = writeLogFile([...toolLogs(60, ["track", "refund", "cancel"]), ...hostileCases.map((c) => c.line)]);

  it("drops each hostile record under its reason, keeps the harmless ones, and completes", async () => {
    const out = temporaryDirectory();
    const { report } = await runPlan({ logs, out, config: planConfig({ limit: 1000, evalSize: 5, minTotalRecords: 10 }) });
    const expected: Record<string, number> = {};
    for (const { outcome } of hostileCases.filter((c) => c.outcome !== "kept")) {
      expected[outcome] = (expected[outcome] ?? 0) + 1;
    }
    const drops = Object.fromEntries(Object.entries(report.json.drop_counts as Record<string, number>).filter(([, n]) => n > 0));
    expect(drops).toEqual(expected);
    expect(report.json.source).toMatchObject({ malformed_lines: 0, oversized_lines: 1, records_of_this_pair: 60 + hostileCases.length });

    const lines = datasetLines(out);
    for (const { user, outcome } of hostileCases) {
      expect([user, lines.some((line) => line.includes(user))]).toEqual([user, outcome === "kept"]);
    }
    // NUL is written escaped; the last of duplicate keys won.
    expect(lines.filter((line) => line.includes("nul in text \\u0000 here")).length).toBeGreaterThan(0);
    expect(lines.join("\n")).not.toContain("\u0000");
    expect(lines.join("\n")).not.toContain("the first value");
  });

  it("finds the pair of an oversized line from its top-level fields, like every other line", async () => {
    const oversized = (client: string, at: string) => JSON.stringify({ ...logDocument({ user: `big ${client}`, tool: "track", client, timestamp: at }), padding: "y".repeat(40 * 1024) });
    const file = writeLogFile([...toolLogs(30, ["track", "refund"]), oversized("c", "2030-01-01T00:00:00Z"), oversized("other", "2030-01-01T00:00:00Z")]);
    const { report } = await runPlan({ logs: file, out: temporaryDirectory(), config: planConfig({ limit: 100, evalSize: 5, minTotalRecords: 10, limits: { maxRecordBytes: 32 * 1024 } }) });
    expect(report.json.source).toMatchObject({ oversized_lines: 2, records_of_this_pair: 31, records_of_other_pairs: 1 });
    expect(report.json.drop_counts).toMatchObject({ too_large: 1 });
  });
});

/**
 * Runs `plan` in a Node.js process of its own with a small old generation, as a scheduled Job with a
 * memory limit would, and returns its exit code and drop counts.
 */
async function planInSmallHeap(logs: string, data: FlywheelJobConfigInput["data"]): Promise<{ code: number; drops?: Record<string, number>; stderr: string }> {
  const src = join(__dirname, "..", "src");
  const script = `
    require("ts-node").register({ transpileOnly: true, swc: true, project: ${JSON.stringify(join(__dirname, "..", "tsconfig.build.json"))} });
    const { runPlan } = require(${JSON.stringify(join(src, "plan", "run-plan"))});
    const { parseJobConfig } = require(${JSON.stringify(join(src, "config", "job-config"))});
    const { planDefaultConfig } = require(${JSON.stringify(join(src, "config", "plan-defaults"))});
    const [logs, out, data] = process.argv.slice(1);
    const config = parseJobConfig({ ...planDefaultConfig, workloadId: "w", clientId: "c", data: JSON.parse(data) }, "the test config");
    runPlan({ logs, out, config }).then((outcome) => process.stdout.write(JSON.stringify(outcome.report.json.drop_counts)));`;
  const args = ["--max-old-space-size=128", "-e", script, logs, temporaryDirectory(), JSON.stringify(data)];
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, args, { maxBuffer: 1 << 24 });
    return { code: 0, drops: JSON.parse(stdout) as Record<string, number>, stderr };
  } catch (error) {
    const failure = error as { code?: number; signal?: string; stderr?: string };
    return { code: failure.code ?? (failure.signal ? 128 : 1), stderr: failure.stderr ?? "" };
  }
}

describe("the data stage's memory", () => {
  // 3,000 records of 64 KiB (192 MiB), more than a 128 MiB heap can hold parsed, and a few small ones.
  const logs = join(temporaryDirectory(), "large-records.jsonl");
  beforeAll(() => {
    const padding = "p".repeat(64 * 1024);
    const large = toolLogs(3000, ["track", "refund", "cancel"]).map((document) => JSON.stringify({ ...document, request: { ...(document.request as object), metadata: padding } }));
    const small = Array.from({ length: 100 }, (_, i) => JSON.stringify(logDocument({ user: `small ${i}`, tool: ["track", "refund"][i % 2], timestamp: 1_600_000_000_000 + i })));
    writeFileSync(logs, `${[...large, ...small].join("\n")}\n`);
  });

  it("skips records over maxRecordBytes unread: 3,000 of 64 KiB against a 32 KiB bound", async () => {
    const result = await planInSmallHeap(logs, { limit: 2000, evalSize: 10, minTotalRecords: 50, limits: { maxRecordBytes: 32 * 1024 } });
    expect(result).toMatchObject({ code: 0, drops: { too_large: 3000 } });
  });

  it("samples 2,000 records of 64 KiB in a 128 MiB heap: the sample holds where records are, not the records", async () => {
    const result = await planInSmallHeap(logs, { limit: 2000, evalSize: 10, minTotalRecords: 50, limits: { maxRecordBytes: 128 * 1024 } });
    expect(result).toMatchObject({ code: 0, drops: { too_large: 0, duplicate: 0 } });
  });
});
