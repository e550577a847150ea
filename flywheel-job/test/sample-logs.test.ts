import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { generateLogLines } from "../scripts/generate-sample-logs";

describe("the committed sample", () => {
  it("is exactly what the seeded generator produces (npm run generate:sample)", () => {
    const committed = readFileSync(join(__dirname, "..", "samples", "customer-support.jsonl"));
    const generated = createHash("sha256");
    for (const line of generateLogLines({ records: 2000, seed: 7 })) {
      generated.update(`${line}\n`);
    }
    expect(generated.digest("hex")).toBe(createHash("sha256").update(committed).digest("hex"));
  });
});
