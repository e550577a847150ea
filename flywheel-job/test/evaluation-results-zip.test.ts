import { strToU8, zipSync } from "fflate";
import { resultsZipLimits, sampleResultsZip } from "../src/backends/nemo-25/evaluation-results-zip";
import { SamplesUnavailable } from "../src/evaluation/evaluation-samples";

const bounds = { perEvaluation: 20, maxTextBytes: 8192, maxMessages: 16 };

function nestedRow(index: number, similarity: number | null): Record<string, unknown> {
  return {
    id: index,
    item: {
      request: { messages: [{ role: "system", content: "Be brief." }, { role: "user", content: `Question ${index}` }] },
      response: { choices: [{ message: { role: "assistant", content: `Production answer ${index}` } }] },
    },
    sample: { output_text: `Candidate answer ${index}`, response: { choices: [{ message: { role: "assistant", content: `Candidate answer ${index}` } }] } },
    metrics: { "llm-judge": { scores: { similarity: { value: similarity } } } },
  };
}

const jsonl = (rows: readonly unknown[]): Uint8Array => strToU8(rows.map((row) => JSON.stringify(row)).join("\n") + "\n");

function unavailable(zip: Uint8Array, workloadType: "generic" | "tool_calling" = "generic"): string {
  try {
    sampleResultsZip(zip, workloadType, bounds);
  } catch (error) {
    expect(error).toBeInstanceOf(SamplesUnavailable);
    return (error as Error).message;
  }
  throw new Error("expected the results to be unavailable");
}

describe("sampleResultsZip", () => {
  it("keeps the 20 lowest-scoring rows of the per-sample file, with the conversation, production's and the candidate's answers", () => {
    const rows = Array.from({ length: 30 }, (_, i) => nestedRow(i, 10 - (i % 10)));
    const zip = zipSync({
      "custom/llm-as-judge/config.json": strToU8("{}"),
      "custom/llm-as-judge/results/results.json": strToU8(JSON.stringify({ tasks: { "llm-as-judge": { metrics: {} } } })),
      "custom/llm-as-judge/results/outputs.jsonl": jsonl(rows),
    });
    const { samples, total, problem } = sampleResultsZip(zip, "generic", bounds);
    expect(total).toBe(30);
    expect(problem).toBeNull();
    expect(samples).toHaveLength(20);
    // Ratings 1 (rows 9, 19, 29) first, normalised to 0-1.
    expect(samples.slice(0, 3).map((s) => [s.rank, s.response, s.score])).toEqual([
      [1, "Candidate answer 9", 0],
      [2, "Candidate answer 19", 0],
      [3, "Candidate answer 29", 0],
    ]);
    expect(samples[0]).toMatchObject({
      metric: "similarity",
      scores: { similarity: 0 },
      conversation: [{ role: "system", content: "Be brief." }, { role: "user", content: "Question 9" }],
      reference: "Production answer 9",
      truncated: [],
    });
  });

  it("reads tool calls as JSON and the tool-calling metrics, ranked by name-and-arguments accuracy", () => {
    const call = (name: string) => [{ type: "function", function: { name, arguments: "{\"id\": 1}" } }];
    const row = (index: number, accuracy: number) => ({
      item: { request: { messages: [{ role: "user", content: "refund" }] }, response: { choices: [{ message: { role: "assistant", content: null, tool_calls: call("issue_refund") } }] } },
      sample: { output_text: "", response: { choices: [{ message: { role: "assistant", content: null, tool_calls: call(index === 1 ? "lookup_order" : "issue_refund") } }] } },
      metrics: {
        "tool-calling-accuracy": { scores: { function_name_accuracy: { value: accuracy }, function_name_and_args_accuracy: { value: accuracy } } },
        correctness: { scores: { rating: { value: accuracy } } },
      },
    });
    const { samples } = sampleResultsZip(zipSync({ "results/outputs.jsonl": jsonl([row(0, 1), row(1, 0)]) }), "tool_calling", bounds);
    expect(samples[0]).toMatchObject({
      metric: "function_name_and_args_accuracy",
      score: 0,
      scores: { function_name_accuracy: 0, function_name_and_args_accuracy: 0, tool_calling_correctness: 0 },
      reference: JSON.stringify(call("issue_refund")),
      response: JSON.stringify(call("lookup_order")),
    });
  });

  it("reads flat rows (the dataset's columns beside output_text and metric columns) and a JSON array, preferring outputs.jsonl", () => {
    const flat = { request: { messages: [{ role: "user", content: "hi" }] }, response: { choices: [{ message: { content: "hello" } }] }, output_text: "hey", "llm-judge.similarity": 4 };
    const fromArray = sampleResultsZip(zipSync({ "out/results.json": strToU8(JSON.stringify([flat])) }), "generic", bounds);
    expect(fromArray.samples[0]).toMatchObject({ reference: "hello", response: "hey", score: 3 / 9 });
    const preferred = sampleResultsZip(zipSync({ "a/other.jsonl": jsonl([flat, flat]), "b/outputs.jsonl": jsonl([nestedRow(0, 5)]) }), "generic", bounds);
    expect(preferred.total).toBe(1);
  });

  it("skips unreadable rows and says how many: not JSON, too deep, a line past the bound", () => {
    let deep: unknown = 1;
    for (let i = 0; i < resultsZipLimits.depth + 5; i += 1) {
      deep = [deep];
    }
    const long = JSON.stringify({ ...nestedRow(1, 1), padding: "z".repeat(resultsZipLimits.lineBytes) });
    const file = strToU8([JSON.stringify(nestedRow(0, 2)), "{not json", JSON.stringify({ ...nestedRow(2, 3), deep }), long, ""].join("\n"));
    const { samples, total, problem } = sampleResultsZip(zipSync({ "results/outputs.jsonl": file }), "generic", bounds);
    expect(total).toBe(1);
    expect(samples.map((s) => s.response)).toEqual(["Candidate answer 0"]);
    expect(problem).toBe('3 rows of "results/outputs.jsonl" could not be read and were skipped');
  });

  it("says so when the ZIP has no per-sample file, or a file without rows", () => {
    expect(unavailable(zipSync({ "custom/config.yaml": strToU8("a: 1"), "custom/logs/run.log": strToU8("done") }))).toBe(
      "the results ZIP has no per-sample file: none of its 2 entries is a .jsonl or .json file",
    );
    expect(unavailable(zipSync({ "results/results.json": strToU8(JSON.stringify({ tasks: {} })) }))).toBe(
      'the results ZIP has no per-sample rows: "results/results.json" held no record with a conversation, a response or a score',
    );
  });

  it("refuses what is not a ZIP, and a corrupt one", () => {
    expect(unavailable(strToU8("<html>Bad gateway</html>"))).toBe('the download is not a ZIP archive (24 bytes, not starting with "PK")');
    const zip = zipSync({ "results/outputs.jsonl": jsonl(Array.from({ length: 50 }, (_, i) => nestedRow(i, 5))) });
    const garbled = zip.map((byte, index) => (index > 60 && index < zip.length - 120 ? byte ^ 0x5a : byte));
    expect(unavailable(garbled)).toMatch(/^the results ZIP('s entry "results\/outputs.jsonl" cannot be inflated| is corrupt)/);
    expect(unavailable(zip.subarray(0, Math.floor(zip.length / 2)))).toMatch(/^the results ZIP is corrupt/);
  });

  it("refuses an entry declaring more than the bound unread, and stops one that lies about its size at the bound", () => {
    const bomb = zipSync({ "results/outputs.jsonl": new Uint8Array(resultsZipLimits.entryBytes + 1024 * 1024).fill(0x20) }, { level: 9 });
    expect(bomb.length).toBeLessThan(1024 * 1024);
    expect(unavailable(bomb)).toBe(`the results ZIP's entry "results/outputs.jsonl" declares ${resultsZipLimits.entryBytes + 1024 * 1024} bytes, more than the ${resultsZipLimits.entryBytes} read`);
    // The same entry declaring 1 KiB, in its local header and in the central directory.
    const lying = Buffer.from(bomb);
    lying.writeUInt32LE(1024, 22);
    lying.writeUInt32LE(1024, lying.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])) + 24);
    expect(unavailable(lying)).toBe(`the results ZIP's entry "results/outputs.jsonl" inflates to more than the ${resultsZipLimits.entryBytes} bytes read of one entry`);
  });

  it("refuses an archive with more entries than the bound", () => {
    const files = Object.fromEntries(Array.from({ length: resultsZipLimits.entries + 1 }, (_, i) => [`logs/${i}.log`, strToU8("x")]));
    expect(unavailable(zipSync(files))).toBe(`the results ZIP has more than ${resultsZipLimits.entries} entries`);
  });

  it("escapes control and bidi characters of an entry's name in its messages", () => {
    const message = unavailable(zipSync({ "results/\u202Eevil.json": strToU8("{}") }));
    expect(message).toContain('"results/\\u202eevil.json"');
    expect(message).not.toContain("\u202E");
  });
});
