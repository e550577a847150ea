import { parseJobConfig } from "../src/config/job-config";
import { cutUtf8, type EvaluatedRow, LowestScoring, sampleRankMetric } from "../src/evaluation/evaluation-samples";

const bounds = { perEvaluation: 3, maxTextBytes: 16, maxMessages: 3 };

function row(score: number | undefined, text = "x"): EvaluatedRow {
  return { conversation: [{ role: "user", content: text }], reference: "ref", response: text, scores: score === undefined ? {} : { similarity: score } };
}

describe("cutUtf8", () => {
  it("keeps a text within the bound as it is", () => {
    expect(cutUtf8("héllo", 6)).toBe("héllo");
  });

  it("cuts on a code point: never half of a multi-byte character or a surrogate pair", () => {
    expect(cutUtf8("aé", 2)).toBe("a");
    expect(cutUtf8("ab😀c", 5)).toBe("ab");
    expect(cutUtf8("ab😀c", 6)).toBe("ab😀");
    expect(Buffer.byteLength(cutUtf8("€".repeat(5000), 8192))).toBeLessThanOrEqual(8192);
  });
});

describe("LowestScoring", () => {
  it("keeps the lowest-scoring rows, lowest first, a row without a score before any scored one, ties in the order given", () => {
    const sampler = new LowestScoring("generic", bounds);
    [0.9, 0.2, undefined, 0.2, 0.5, 1].forEach((score, index) => sampler.offer(row(score, `row ${index}`)));
    const { samples, total, problem } = sampler.results(null);
    expect(total).toBe(6);
    expect(problem).toBeNull();
    expect(samples.map((s) => [s.rank, s.response, s.score])).toEqual([
      [1, "row 2", null],
      [2, "row 1", 0.2],
      [3, "row 3", 0.2],
    ]);
    expect(samples[0].metric).toBe("similarity");
  });

  it("cuts every text to the bound and names what it cut; keeps the first and the latest messages", () => {
    const sampler = new LowestScoring("generic", bounds);
    const long = "y".repeat(100);
    sampler.offer({
      conversation: ["system", "one", "two", "three", long].map((content, index) => ({ role: index === 0 ? "system" : "user", content })),
      reference: long,
      response: "short",
      scores: { similarity: 0 },
    });
    const [sample] = sampler.results(null).samples;
    expect(sample.conversation.map((m) => m.content)).toEqual(["system", "three", "y".repeat(16)]);
    expect(sample.reference).toBe("y".repeat(16));
    expect(sample.response).toBe("short");
    expect(sample.truncated).toEqual(["conversation", "conversation[4]", "reference"]);
  });

  it("ranks tool calling by name-and-arguments accuracy", () => {
    expect(sampleRankMetric("tool_calling")).toBe("function_name_and_args_accuracy");
    expect(sampleRankMetric("generic")).toBe("similarity");
  });
});

describe("the bound's defaults", () => {
  it("are the 20 lowest-scoring records per evaluation, each text cut to 8 KiB", () => {
    const config = parseJobConfig(
      { workloadId: "w", clientId: "c", candidates: [{ model: "m", image: { repository: "r", tag: "1" } }], judge: { url: "http://judge/v1/chat/completions", modelId: "j" }, nemo: {} },
      "test config",
    );
    expect(config.evaluationSamples).toEqual({ perEvaluation: 20, maxTextBytes: 8192, maxMessages: 16 });
  });
});
