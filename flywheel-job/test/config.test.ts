import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { describeIssues } from "../src/config/describe-issues";
import { loadEnvironment, requireSetting, resolveNemoServiceUrls } from "../src/config/environment";
import { type FlywheelJobConfigInput, parseJobConfig } from "../src/config/job-config";
import { nimCacheName } from "../src/kubernetes/labels";
import { readConfigFile } from "../src/config/load-config-file";
import { UsageError } from "../src/errors";
import { temporaryDirectory } from "./support/logs";

const minimal: FlywheelJobConfigInput = {
  workloadId: "customer-support",
  clientId: "support-web",
  candidates: [{ model: "meta/llama-3.2-1b-instruct", image: { repository: "nvcr.io/nim/meta/llama-3.2-1b-instruct", tag: "1.8.3" }, customizationTarget: "meta/llama-3.2-1b-instruct@2.0" }],
  judge: { url: "https://integrate.api.nvidia.com/v1/chat/completions", modelId: "meta/llama-3.3-70b-instruct" },
};

function problems(raw: unknown, overrides?: Map<string, string>): string[] {
  try {
    parseJobConfig(raw, "test config", { overrides });
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return [...(error as UsageError).details];
  }
  throw new Error("expected the configuration to be rejected");
}

describe("parseJobConfig", () => {
  it("fills in every default", () => {
    const config = parseJobConfig(minimal, "test config");
    // data.limits' defaults are data-limits-config.test.ts's.
    expect(config.data).toEqual({ limit: 1000, evalSize: 20, valRatio: 0.1, minTotalRecords: 50, seed: 42, limits: expect.any(Object) });
    expect(config.icl).toMatchObject({ selection: "uniform", maxExamples: 3, reservedTokens: 4096, relevanceRatio: 0.7 });
    expect(config.candidates[0]).toMatchObject({ gpus: 1, contextLength: 32768, customize: false, trainingGpus: 1, nimCache: "llama-3-2-1b-instruct-1-8-3" });
    expect(config.logs).toEqual({ index: "flywheel", pageSize: 1000, keepAlive: "2m" });
    expect(config.targets).toEqual({});
    expect(config.gpuBudget).toEqual({ gpus: 1, leaseSeconds: 30, waitMinutes: 240 });
    expect(config.deployment).toMatchObject({ authSecret: "ngc-api", pullSecrets: ["nvcr-pull"], loraRefreshSeconds: 60 });
  });

  it("refuses a candidate that needs more GPUs than the budget holds, and polling bounds the wrong way round", () => {
    expect(problems({ ...minimal, candidates: [{ ...minimal.candidates[0], gpus: 2 }], polling: { minSeconds: 10, maxSeconds: 5 } })).toEqual([
      "polling.maxSeconds: must not be smaller than polling.minSeconds (10), got 5",
      "candidates[0].gpus: needs more GPUs than gpuBudget.gpus (1) allows, so it could never be deployed, got 2",
    ]);
  });

  it("rejects an unknown key and suggests the intended one", () => {
    expect(problems({ ...minimal, data: { evalSise: 10 } })).toEqual(['data.evalSise: unknown key (did you mean "evalSize"?)']);
  });

  it("names the key path, what was expected and the value", () => {
    expect(problems({ ...minimal, data: { evalSize: 0 }, icl: { selection: "nearest" } })).toEqual([
      "data.evalSize: expected a value >= 1, got 0",
      'icl.selection: expected one of "uniform", "semantic", got "nearest"',
    ]);
    expect(problems({ ...minimal, candidates: [{ ...minimal.candidates[0], image: { repository: "r", tag: "latest" } }] })).toEqual([
      'candidates[0].image.tag: expected a pinned tag, not "latest", got "latest"',
    ]);
    expect(problems({ ...minimal, judge: { type: "remote", url: "https://integrate.api.nvidia.com/v1/chat/completions", modelId: "m" } })).toEqual([
      "judge.type: unknown key (known keys: url, modelId)",
    ]);
    expect(problems({ ...minimal, judge: { url: "https://integrate.api.nvidia.com/v1", modelId: "m" } })).toEqual([
      'judge.url: expected the full /chat/completions URL, e.g. https://host/v1/chat/completions, got "https://integrate.api.nvidia.com/v1"',
    ]);
  });

  it("names a value that is not a URL by its key, wherever it is", () => {
    expect(
      problems({ ...minimal, judge: { url: "not a url", modelId: "m" }, icl: { selection: "semantic" }, embedding: { url: "ftp://e/v1/embeddings", modelId: "e" }, nemo: { customizerUrl: "customizer:8000" } }),
    ).toEqual([
      'judge.url: expected an http:// or https:// URL, got "not a url"',
      'embedding.url: expected an http:// or https:// URL, got "ftp://e/v1/embeddings"',
      'nemo.customizerUrl: expected an http:// or https:// URL, got "customizer:8000"',
    ]);
  });

  it("requires what a full run cannot do without", () => {
    expect(problems({ workloadId: "w" })).toEqual(["candidates: is required (expected array)", "judge: is required (expected object)"]);
    expect(problems({ ...minimal, candidates: [{ model: "m", image: { repository: "r", tag: "1" }, customize: true }] })).toEqual([
      'candidates[0].customizationTarget: is required when customize is true (e.g. "meta/llama-3.2-1b-instruct@2.0"); set customize: false to skip fine-tuning, got nothing',
    ]);
    expect(problems({ ...minimal, icl: { selection: "semantic" } })).toEqual(['embedding: is required when icl.selection is "semantic", got nothing']);
  });

  it("checks that minTotalRecords can be reached with the records a run pulls", () => {
    expect(problems({ ...minimal, data: { limit: 20, evalSize: 5, minTotalRecords: 41 } })).toEqual([
      "data.minTotalRecords: must not exceed twice data.limit (40), the most records a run pulls, got 41",
    ]);
  });

  it("checks that evalSize leaves records to train on, naming the flag that set it", () => {
    expect(problems({ ...minimal, data: { limit: 10, evalSize: 10, minTotalRecords: 5 } }, new Map([["data.evalSize", "--eval-size"]]))).toEqual([
      "data.evalSize (from --eval-size): must be smaller than data.limit (10), or nothing is left to train on, got 10",
    ]);
  });
});

describe("the README's configuration reference", () => {
  it("is a valid configuration that shows every key that has a default", () => {
    const readme = readFileSync(join(__dirname, "..", "README.md"), "utf8");
    const block = /## Configuration[\s\S]*?```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
    const raw = parseYaml(block ?? "") as Record<string, unknown>;
    expect(() => parseJobConfig(raw, "README")).not.toThrow();
    const keys = (value: unknown, prefix = ""): string[] =>
      typeof value === "object" && value !== null && !Array.isArray(value)
        ? Object.entries(value).flatMap(([k, v]) => [`${prefix}${k}`, ...keys(v, `${prefix}${k}.`)])
        : Array.isArray(value)
          ? keys(value[0], prefix)
          : [];
    const documented = new Set(keys(raw));
    const parsed = keys(parseJobConfig(raw, "README"));
    expect(parsed.filter((key) => !documented.has(key))).toEqual([]);
  });
});

describe("nimCacheName", () => {
  it("derives a Kubernetes name from the model id and the NIM's tag", () => {
    expect(nimCacheName("meta/llama-3.1-8b-instruct", "1.8.6")).toBe("llama-3-1-8b-instruct-1-8-6");
    expect(nimCacheName("nvidia/Mistral_NeMo.Minitron 8B", "1.0")).toBe("mistral-nemo-minitron-8b-1-0");
  });

  it("is the name a candidate's cache defaults to", () => {
    const config = parseJobConfig(
      { candidates: [{ model: "meta/llama-3.2-1b-instruct", image: { repository: "nvcr.io/nim/meta/llama-3.2-1b-instruct", tag: "1.12.0" }, customize: false }], judge: { url: "https://j/v1/chat/completions", modelId: "m" } },
      "test",
    );
    expect(config.candidates[0].nimCache).toBe("llama-3-2-1b-instruct-1-12-0");
  });
});

describe("readConfigFile", () => {
  it("reads YAML and JSON, and names the line of a syntax error", () => {
    const dir = temporaryDirectory();
    writeFileSync(join(dir, "ok.yaml"), "workloadId: w\ndata:\n  seed: 7\n");
    writeFileSync(join(dir, "ok.json"), '{"workloadId": "w"}');
    writeFileSync(join(dir, "bad.yaml"), "workloadId: w\ndata:\n  seed: [1\n");
    expect(readConfigFile(join(dir, "ok.yaml")).value).toEqual({ workloadId: "w", data: { seed: 7 } });
    expect(readConfigFile(join(dir, "ok.json")).value).toEqual({ workloadId: "w" });
    expect(() => readConfigFile(join(dir, "bad.yaml"))).toThrow(/bad\.yaml is not valid YAML or JSON at line \d+, column \d+/);
    expect(() => readConfigFile(join(dir, "none.yaml"))).toThrow(`cannot read the config file ${join(dir, "none.yaml")}: no such file or directory`);
  });

  it("keeps the text each value was written as, which YAML's numbers lose", () => {
    const dir = temporaryDirectory();
    writeFileSync(join(dir, "job.yaml"), "candidates:\n  - image: { tag: 1.10 }\n  - image:\n      tag: 1.0e1\n");
    const file = readConfigFile(join(dir, "job.yaml"));
    expect(file.value).toEqual({ candidates: [{ image: { tag: 1.1 } }, { image: { tag: 10 } }] });
    expect(file.sourceText(["candidates", 0, "image", "tag"])).toBe("1.10");
    expect(file.sourceText(["candidates", 1, "image", "tag"])).toBe("1.0e1");
    expect(file.sourceText(["candidates", 0, "image"])).toBeUndefined();
    expect(file.sourceText(["nothing", "here"])).toBeUndefined();
  });
});

describe("describeIssues", () => {
  const tag = z.strictObject({ tag: z.string() });
  const issuesOf = (schema: z.ZodType, value: unknown) => schema.safeParse(value, { reportInput: true }).error?.issues ?? [];

  it("says how to quote a number YAML read where a string belongs, as written when the file is known", () => {
    expect(describeIssues(issuesOf(tag, { tag: 1.1 }), tag, { sourceText: () => "1.10" })).toEqual(['tag: expected a string, got the number 1.1 (write "1.10" in quotes in YAML)']);
    expect(describeIssues(issuesOf(tag, { tag: 1.1 }), tag)).toEqual([
      'tag: expected a string, got the number 1.1 (YAML reads an unquoted 1.1 or 1.10 as a number: write it in quotes, e.g. "1.10")',
    ]);
  });

  it("finds the allowed string an unquoted version was meant to be, trailing zero and all", () => {
    const version = z.strictObject({ version: z.enum(["1.29", "1.30"]) });
    expect(describeIssues(issuesOf(version, { version: 1.3 }), version)).toEqual(['version: expected the string "1.30", got the number 1.3 (quote it in YAML)']);
  });

  it("names the flag that can set a key, unless a flag set it", () => {
    const limits = z.strictObject({ size: z.int().max(5) });
    const issues = issuesOf(limits, { size: 9 });
    expect(describeIssues(issues, limits, { flags: new Map([["size", "--size"]]) })).toEqual(["size: expected a value <= 5, got 9; set it with --size"]);
    expect(describeIssues(issues, limits, { flags: new Map([["size", "--size"]]), overrides: new Map([["size", "--size"]]) })).toEqual([
      "size (from --size): expected a value <= 5, got 9",
    ]);
  });
});

describe("loadEnvironment", () => {
  it("reads the variables it knows and ignores the rest", () => {
    expect(loadEnvironment({ ELASTICSEARCH_URL: "http://es:9200", HOME: "/root", PATH: "/usr/bin", REDIS_URL: "redis://redis:6379" })).toEqual({
      ELASTICSEARCH_URL: "http://es:9200",
      HOME: "/root",
      REDIS_URL: "redis://redis:6379",
    });
  });

  it("names a bad variable without printing a value that may hold a secret", () => {
    try {
      loadEnvironment({ MONGODB_URL: "http://user:hunter2@mongo", NEMO_BASE_URL: "nemo.local", ELASTICSEARCH_USERNAME: "elastic" });
      throw new Error("expected a failure");
    } catch (error) {
      const details = (error as UsageError).details.join("\n");
      expect(details).toContain("MONGODB_URL: expected a connection string such as mongodb://host:27017, got a value that is not shown");
      expect(details).toContain('NEMO_BASE_URL: expected a URL such as http://host:port, got "nemo.local"');
      expect(details).toContain("ELASTICSEARCH_PASSWORD: is required when the other half of the Elasticsearch basic-auth pair is set");
      expect(details).not.toContain("hunter2");
    }
  });

  it("accepts a replica set's connection string, which lists its members", () => {
    const members = "mongodb://flywheel:pw@mongodb-0.mongodb-svc:27017,mongodb-1.mongodb-svc:27017/flywheel?replicaSet=mongodb&authSource=admin";
    expect(loadEnvironment({ MONGODB_URL: members })).toEqual({ MONGODB_URL: members });
    expect(loadEnvironment({ MONGODB_URL: "mongodb+srv://cluster.example.com/flywheel" })).toEqual({ MONGODB_URL: "mongodb+srv://cluster.example.com/flywheel" });
    expect(() => loadEnvironment({ MONGODB_URL: "mongodb://" })).toThrow(UsageError);
  });

  it("says what a missing variable is needed for", () => {
    expect(() => requireSetting({}, "ELASTICSEARCH_URL", "to read logs from Elasticsearch")).toThrow("ELASTICSEARCH_URL is not set; it is needed to read logs from Elasticsearch");
  });
});

describe("resolveNemoServiceUrls", () => {
  it("prefers a service's own variable, then its config key, then the shared base URL", () => {
    const nemo = parseJobConfig({ ...minimal, nemo: { baseUrl: "http://config-base", evaluatorUrl: "http://config-evaluator/" } }, "test").nemo;
    expect(resolveNemoServiceUrls(nemo, { NEMO_CUSTOMIZER_URL: "http://env-customizer" })).toEqual({
      entityStore: "http://config-base",
      dataStore: "http://config-base",
      customizer: "http://env-customizer",
      evaluator: "http://config-evaluator",
    });
    expect(resolveNemoServiceUrls(nemo, { NEMO_BASE_URL: "http://env-base" }).dataStore).toBe("http://env-base");
  });
});
