import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { generateLogLines } from "../scripts/generate-sample-logs";
import { parseJobConfig } from "../src/config/job-config";
import { planDefaultConfig } from "../src/config/plan-defaults";
import { runPlan } from "../src/plan/run-plan";
import { writeLines } from "../scripts/generate-sample-logs";
import { temporaryDirectory } from "./support/logs";
import { strictRequestProblems } from "./support/openai-chat-request";

const samplePath = join(__dirname, "..", "samples", "customer-support.jsonl");

describe("the committed sample", () => {
  it("is exactly what the seeded generator produces (npm run generate:sample)", () => {
    const committed = readFileSync(samplePath);
    const generated = createHash("sha256");
    for (const line of generateLogLines({ records: 2000, seed: 7 })) {
      generated.update(`${line}\n`);
    }
    expect(generated.digest("hex")).toBe(createHash("sha256").update(committed).digest("hex"));
  });

  it("plans despite its hostile records: each dropped under its reason, the harmless ones in the datasets", async () => {
    const out = temporaryDirectory();
    // limit 2000 samples every usable record, so each kept one must be in a dataset.
    const config = parseJobConfig({ ...planDefaultConfig, workloadId: "customer-support", clientId: "support-web", data: { limit: 2000 } }, "the test config");
    const { report } = await runPlan({ logs: samplePath, out, config });
    expect(report.json.drop_counts).toMatchObject({ too_large: 5, too_deep: 2, invalid_text: 1, invalid_number: 1 });
    expect(report.json.source).toMatchObject({ oversized_lines: 1, malformed_lines: 6 });

    const written = readdirSync(out, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile() && entry.name.endsWith(".jsonl"))
      .map((entry) => readFileSync(join(entry.parentPath, entry.name), "utf8"))
      .join("");
    const dropped = ["deep_arguments", "deep_content_parts", "oversized_line", "too_many_tools", "too_many_tool_calls", "too_many_messages", "too_many_schema_properties", "lone_surrogate", "infinite_number", "infinite_timestamp"];
    expect(dropped.filter((defect) => written.includes(`[${defect}]`))).toEqual([]);
    expect(["nul_in_text", "duplicate_keys", "byte_order_mark"].filter((defect) => !written.includes(`[${defect}]`))).toEqual([]);
    // Records without a user message (scheduled follow-ups) are keyed by their conversations: the 19
    // distinct ones are all in a dataset; only the exact repeat was dropped as a duplicate.
    const splits = ["eval/eval_data.jsonl", "train/training/train_data.jsonl", "train/validation/val_data.jsonl"].map((file) => readFileSync(join(out, file), "utf8")).join("");
    const followUps = splits.match(/Scheduled follow-up: order A-\d+/g) ?? [];
    expect([followUps.length, new Set(followUps).size]).toEqual([19, 19]);
  });
});

type Line = { request: { messages: { role: string; content?: unknown; tool_calls?: { function: { arguments: unknown } }[] }[]; tools?: unknown }; response: { choices: { message: { tool_calls?: { function: { arguments: unknown } }[] } }[] } };

/** The lines of a dataset file `plan` wrote. */
function lines(file: string): Line[] {
  return readFileSync(file, "utf8").trim().split("\n").map((line) => JSON.parse(line) as Line);
}

describe("the datasets a model reads", () => {
  const plans = [
    ["the committed sample", () => samplePath, "customer-support", "support-web"],
    ["a generated multi-turn export", () => generatedExport(), "customer-support", "support-web"],
    ["the committed sample's generic workload", () => samplePath, "ticket-summary", "support-web"],
  ] as const;

  it.each(plans)("%s: every evaluation and ICL request passes a strict OpenAI request check; ground truth keeps objects", async (_, logs, workloadId, clientId) => {
    const out = temporaryDirectory();
    const config = parseJobConfig({ ...planDefaultConfig, workloadId, clientId, data: { limit: 2000, evalSize: 100 } }, "the test config");
    await runPlan({ logs: await logs(), out, config });
    const earlierCalls = { strings: 0 };
    for (const file of ["eval/eval_data.jsonl", "icl/eval_data.jsonl"]) {
      for (const line of lines(join(out, file))) {
        // As the Evaluator's template sends it: the messages and, for tool calling, the tools with tool_choice required.
        const request = { model: "candidate", messages: line.request.messages, ...(line.request.tools ? { tools: line.request.tools, tool_choice: "required" } : {}) };
        expect(strictRequestProblems(request)).toEqual([]);
        earlierCalls.strings += line.request.messages.filter((m) => m.tool_calls?.length).length;
        for (const call of line.response.choices[0].message.tool_calls ?? []) {
          expect(typeof call.function.arguments).toBe("object");
        }
      }
    }
    if (workloadId === "customer-support") {
      // The check has something to catch: multi-turn records with earlier tool calls are in the datasets.
      expect(earlierCalls.strings).toBeGreaterThan(50);
    }
  });
});

let generated: string | undefined;

/** An export from the sample generator with another seed: different multi-turn conversations. */
async function generatedExport(): Promise<string> {
  if (!generated) {
    generated = join(temporaryDirectory(), "generated.jsonl");
    await writeLines(generated, generateLogLines({ records: 3000, seed: 11 }));
  }
  return generated;
}
