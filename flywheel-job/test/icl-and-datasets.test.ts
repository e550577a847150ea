import { curate } from "../src/curation/curate";
import { buildIclRecords, type IclRecord, withExamples } from "../src/curation/icl/build-icl-records";
import { UniformExampleSelector } from "../src/curation/icl/example-selector";
import { examplesInstruction } from "../src/curation/icl/example-text";
import { countTokens } from "../src/curation/icl/tokenizer";
import type { SampledRecord } from "../src/curation/records";
import { evalLine, iclLine, trainingLine } from "../src/datasets/layouts";
import { defaultLimits, logDocument, pulled, stream } from "./support/logs";

async function records(documents: ReturnType<typeof logDocument>[]): Promise<SampledRecord[]> {
  const result = await curate(stream(documents.map((d, i) => pulled(d, 2_000_000_000_000 - i * 1000))), { limit: 1000, seed: 1, limits: defaultLimits });
  return [...result.sample].sort((a, b) => b.timestamp - a.timestamp);
}

/** The ICL record's messages as the dataset writer lays them out. */
const messagesOf = (icl: IclRecord) => withExamples(icl.record.load(), icl.examples.map((example) => example.load()));

const settings = { maxExamples: 3, maxContextLength: 32768, reservedTokens: 4096, tokenSafetyMargin: 0.15 };

describe("countTokens", () => {
  it("counts with cl100k_base and treats special-token text in user input as plain text", () => {
    expect(countTokens("hello world")).toBe(2);
    expect(countTokens("ignore <|endoftext|> this")).toBeGreaterThan(3);
  });

  it("counts exactly what js-tiktoken's cl100k_base encoder does", () => {
    /* eslint-disable @typescript-eslint/no-require-imports -- js-tiktoken has only ESM type declarations (see tokenizer.ts) */
    const { Tiktoken } = require("js-tiktoken/lite") as { Tiktoken: new (ranks: unknown) => { encode(text: string, allowed: string[], disallowed: string[]): number[] } };
    const reference = new Tiktoken(require("js-tiktoken/ranks/cl100k_base"));
    /* eslint-enable @typescript-eslint/no-require-imports */
    const texts = [
      "hello world",
      "Wo ist meine Bestellung? Füße 東京 👟 محمد علي 😀",
      "我们的订单还没有到达请帮我查一下物流信息",
      "  \n\n\t x = 1234567; // comment\r\n  ",
      "'s 're 'VE I'll 3.14159 ...!!!??? <|endoftext|>",
      JSON.stringify(logDocument({ user: "Where is order A-123456?", tool: "track_shipment", args: '{"order_id":"A-123456"}' })),
    ];
    expect(texts.map(countTokens)).toEqual(texts.map((text) => reference.encode(text, [], []).length));
  });

  it("counts long runs without spaces (CJK text, blobs) in slices instead of hanging on them", () => {
    const blob = countTokens("a".repeat(40_000));
    expect(blob).toBeGreaterThanOrEqual(5000);
    expect(blob).toBeLessThan(5100);
    const chinese = "我们的订单还没有到达请帮我查一下物流信息".repeat(100);
    expect(countTokens(chinese)).toBeGreaterThan(chinese.length / 2);
    expect(countTokens(`${"=".repeat(5000)} ok ${" ".repeat(5000)}`)).toBeGreaterThan(2);
  });
});

describe("uniform ICL examples", () => {
  it("shows every tool once before any tool twice, most frequent tools first, shortest examples first", async () => {
    const train = await records([
      ...Array.from({ length: 6 }, (_, i) => logDocument({ user: `track ${"x".repeat(i * 10)}`, tool: "track" })),
      ...Array.from({ length: 4 }, (_, i) => logDocument({ user: `refund ${"y".repeat(i * 10)}`, tool: "refund" })),
      logDocument({ user: "cancel it", tool: "cancel" }),
    ]);
    const [evalRecord] = await records([logDocument({ user: "where is it", tool: "track" })]);
    const [candidates] = await new UniformExampleSelector(4).candidates([evalRecord], train);
    expect(candidates.map((r) => r.toolLabel)).toEqual(["track", "refund", "cancel", "track", "refund", "track", "refund", "track", "refund"]);
    expect(candidates[0].load().request.messages[1].content).toBe("track ");

    const { records: icl, stats } = await buildIclRecords([evalRecord], train, new UniformExampleSelector(3), settings);
    expect(icl[0].examples).toHaveLength(3);
    expect(stats.examplesPerRecord).toEqual([0, 0, 0, 1]);
    const messages = messagesOf(icl[0]);
    const system = messages[0];
    expect(system.role).toBe("system");
    expect(system.content).toMatch(new RegExp(`^${examplesInstruction.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\n\\nExample 1:\\nuser: track \\nExpected tool calls: \\[\\{"name":"track","arguments":\\{"order_id":"A-1"\\}\\}\\]`));
    expect(system.content).toMatch(/\n\nYou are a support agent\.$/);
    expect(messages.slice(1)).toEqual(evalRecord.load().request.messages.slice(1));
  });

  it("skips examples that do not fit the token budget and uses smaller ones", async () => {
    const train = await records([logDocument({ user: `long ${"word ".repeat(400)}`, tool: "a" }), logDocument({ user: "short", tool: "b" })]);
    const [evalRecord] = await records([logDocument({ user: "question", tool: "a" })]);
    const tight = { ...settings, maxContextLength: 600, reservedTokens: 100 };
    const { records: icl } = await buildIclRecords([evalRecord], train, new UniformExampleSelector(3), tight);
    expect(icl[0].examples).toHaveLength(1);
    expect(messagesOf(icl[0])[0].content).toContain("user: short");
    const none = await buildIclRecords([evalRecord], train, new UniformExampleSelector(3), { ...tight, maxContextLength: 200 });
    expect(none.records[0].examples).toHaveLength(0);
    expect(messagesOf(none.records[0])).toEqual(evalRecord.load().request.messages);
  });

  it("keeps a 1 MB record: it gets no examples when it leaves no room, and is never used as one", async () => {
    const huge = "the parcel never arrived and nobody answers my emails ".repeat(19_000);
    const [hugeRecord, smallRecord] = await records([logDocument({ user: huge, tool: "a" }), logDocument({ user: "small question", tool: "a" })]);
    const train = await records([logDocument({ user: `${huge} again`, tool: "a" }), logDocument({ user: "short", tool: "b" })]);
    const { records: icl } = await buildIclRecords([hugeRecord, smallRecord], train, new UniformExampleSelector(3), settings);
    expect(icl.map((r) => r.examples.length)).toEqual([0, 1]);
    expect(messagesOf(icl[0])).toEqual(hugeRecord.load().request.messages);
    expect(JSON.stringify(evalLine(hugeRecord.load())).length).toBeGreaterThan(1_000_000);
  });

  it("inserts a system message when the conversation has none", async () => {
    const document = logDocument({ user: "question", tool: "a" });
    (document.request as { messages: unknown[] }).messages.shift();
    const [evalRecord] = await records([document]);
    const train = await records([logDocument({ user: "other", tool: "a" })]);
    const { records: icl } = await buildIclRecords([evalRecord], train, new UniformExampleSelector(1), settings);
    expect(messagesOf(icl[0]).map((m) => m.role)).toEqual(["system", "user"]);
  });

  it("puts the examples into a system prompt of content parts as its first part, not in a second system message", async () => {
    const document = logDocument({ user: "question", tool: "a" });
    (document.request as { messages: { content: unknown }[] }).messages[0].content = [{ type: "text", text: "You are a support agent." }];
    const [evalRecord] = await records([document]);
    const train = await records([logDocument({ user: "other", tool: "a" })]);
    const { records: icl } = await buildIclRecords([evalRecord], train, new UniformExampleSelector(1), settings);
    const [system, ...rest] = messagesOf(icl[0]);
    expect([system.role, ...rest.map((m) => m.role)]).toEqual(["system", "user"]);
    expect(system.content).toEqual([{ type: "text", text: expect.stringContaining("other") }, { type: "text", text: "You are a support agent." }]);
  });
});

describe("dataset layouts", () => {
  it("writes evaluation lines as logged, with ids and an ISO timestamp", async () => {
    const [record] = (await records([logDocument({ user: "q", tool: "track", args: '{"a":1}' })])).map((r) => r.load());
    const line = evalLine(record);
    expect(Object.keys(line)).toEqual(["workload_id", "client_id", "timestamp", "request", "response"]);
    expect(line).toMatchObject({ workload_id: "w", client_id: "c", timestamp: "2033-05-18T03:33:20.000Z" });
    expect(line.response).toMatchObject({ choices: [{ message: { tool_calls: [{ function: { arguments: { a: 1 } } }] } }] });
    const icl = iclLine(record, [record]);
    expect(icl.request).toMatchObject({ model: "m" });
    expect((icl.request as { messages: Array<{ content: string }> }).messages[0].content).toMatch(/^Here are examples [\s\S]*\n\nExample 1:\nuser: q\n/);
  });

  it("writes training lines as one conversation with null content as empty text, tools only for tool calling", async () => {
    const [toolRecord] = (await records([logDocument({ user: "q", tool: "track", content: null })])).map((r) => r.load());
    const line = trainingLine(toolRecord, "tool_calling");
    expect(line.messages).toEqual([
      { role: "system", content: "You are a support agent." },
      { role: "user", content: "q" },
      { role: "assistant", content: "", tool_calls: [{ id: "call_1", type: "function", function: { name: "track", arguments: { order_id: "A-1" } } }] },
    ]);
    expect(line.tools).toEqual(toolRecord.request.tools);
    const [textRecord] = (await records([logDocument({ user: "q2", content: "answer" })])).map((r) => r.load());
    expect(trainingLine(textRecord, "generic")).toEqual({
      messages: [
        { role: "system", content: "You are a support agent." },
        { role: "user", content: "q2" },
        { role: "assistant", content: "answer" },
      ],
    });
  });
});
