import { parseJobConfig } from "../src/config/job-config";
import { planDefaultConfig } from "../src/config/plan-defaults";
import { UsageError } from "../src/errors";

const withData = (data: unknown) => ({ ...planDefaultConfig, data });

function problems(raw: unknown): readonly string[] {
  try {
    parseJobConfig(raw, "job.yaml");
  } catch (error) {
    if (error instanceof UsageError) {
      return error.details;
    }
    throw error;
  }
  throw new Error("expected the configuration to be rejected");
}

describe("data.limits", () => {
  it("bounds every record by default as the README says: depth 64, 1 MiB, 1,000 messages, 128 tools, 256 schema properties, 64 tool calls", () => {
    expect(parseJobConfig(planDefaultConfig, "defaults").data.limits).toEqual({
      maxDepth: 64,
      maxRecordBytes: 1024 * 1024,
      maxMessages: 1000,
      maxTools: 128,
      maxSchemaProperties: 256,
      maxToolCalls: 64,
    });
  });

  it("takes each bound on its own, keeping the defaults of the others and the maxToolProperties filter apart", () => {
    const data = parseJobConfig(withData({ maxToolProperties: 8, limits: { maxSchemaProperties: 64 } }), "job.yaml").data;
    expect(data.maxToolProperties).toBe(8);
    expect(data.limits).toMatchObject({ maxSchemaProperties: 64, maxDepth: 64 });
  });

  it("names the key of a bound out of range or misspelt", () => {
    expect(problems(withData({ limits: { maxRecordBytes: 128 * 1024 * 1024, maxDepth: 2.5, maxTool: 4 } }))).toEqual([
      "data.limits.maxDepth: expected int, got 2.5",
      "data.limits.maxRecordBytes: expected a value <= 67108864, got 134217728",
      'data.limits.maxTool: unknown key (did you mean "maxTools"?)',
    ]);
  });
});
