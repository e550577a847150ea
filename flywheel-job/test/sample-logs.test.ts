import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { generateLogLines } from "../scripts/generate-sample-logs";
import { parseJobConfig } from "../src/config/job-config";
import { planDefaultConfig } from "../src/config/plan-defaults";
import { runPlan } from "../src/plan/run-plan";
import { temporaryDirectory } from "./support/logs";

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
  });
});
