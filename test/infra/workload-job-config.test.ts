import { parseJobConfig } from "../../flywheel-job/src/contract";
import { jobPlatformOf, stackKeyOf, workloadJobConfig } from "../../infra/platform/workload-job-config";
import type { StackSettings } from "../../stacks/config/schema";
import { monitoringSchema } from "../../stacks/config/schema/monitoring";

const models: StackSettings["models"]["candidates"] = [
  { name: "meta/small", image: { repository: "nvcr.io/nim/meta/small", tag: "1.0" }, gpus: 1, contextLength: 8192, cacheSizeGiB: 50 },
  {
    name: "meta/large",
    image: { repository: "nvcr.io/nim/meta/large", tag: "2.0" },
    gpus: 2,
    contextLength: 16384,
    cacheSizeGiB: 50,
    guidedDecodingBackend: null,
    customization: { target: "meta/large@2.0", modelUri: "ngc://nvidia/nemo/large:2.0", numParameters: 8_000_000_000, precision: "bf16-mixed", gpus: 4, maxSeqLength: 4096 },
  },
];

const workload: StackSettings["workloads"][number] = {
  workloadId: "support",
  clientId: "web",
  schedule: "0 3 * * 1",
  candidates: [
    { model: "meta/small", customize: false },
    { model: "meta/large", customize: true },
  ],
  targets: { function_name_and_args_accuracy: 0.95 },
  data: { limit: 500 },
};

const platform = jobPlatformOf({
  models: {
    candidates: models,
    judge: { type: "remote", url: "https://judge.example/v1/", model: "judge-model" },
    embedding: { type: "local", model: "embed-model", image: { repository: "nvcr.io/nim/nvidia/embed", tag: "1.9.0" }, gpus: 1, cacheSizeGiB: 10 },
  },
  flywheel: { gpuBudget: 4, gpuHourlyCost: 1.5, maxRunHours: 12, startTimeoutMinutes: 15, api: { enabled: true, replicas: 1, clientNamespaces: [] } },
  platform: {
    elasticsearch: { nodes: 1, storageGiB: 50, logRetentionDays: 30, snapshots: false, snapshotRetentionDays: 30, logWriterNamespaces: ["shop", "support"] },
    monitoring: monitoringSchema.parse({ enabled: false }),
  },
});

describe("a workload's job configuration", () => {
  const config = parseJobConfig(workloadJobConfig(workload, models, platform), "the mapped config");

  it("is a configuration the job accepts, for the workload's pair, with only what the stack file set", () => {
    expect([config.workloadId, config.clientId]).toEqual(["support", "web"]);
    expect(workloadJobConfig(workload, models, platform).data).toEqual({ limit: 500 });
  });

  it("points the job at the stack's caches, and fine-tunes only the candidates that ask for it", () => {
    expect(config.candidates.map((c) => [c.model, c.nimCache, c.customize, c.guidedDecodingBackend])).toEqual([
      ["meta/small", "small-1-0", false, "outlines"],
      ["meta/large", "large-2-0", true, null],
    ]);
    expect(config.candidates[1]).toMatchObject({ customizationTarget: "meta/large@2.0", trainingGpus: 4, maxSeqLength: 4096 });
  });

  it("reads only what the workload's writer namespaces wrote, by their writer users; every writer namespace's when it names none", () => {
    expect(config.logs).toMatchObject({ index: "flywheel", writers: ["log-writer-shop", "log-writer-support"] });
    const trusting = parseJobConfig(workloadJobConfig({ ...workload, logWriters: ["support"] }, models, platform), "the mapped config");
    expect(trusting.logs.writers).toEqual(["log-writer-support"]);
  });

  it("calls the remote judge through the judge proxy, the in-cluster embedding NIM and NeMo services, Customizer because a model can be fine-tuned", () => {
    expect(config.judge).toMatchObject({ url: "http://judge-proxy.flywheel.svc.cluster.local:8080/v1/chat/completions", modelId: "judge-model" });
    expect(config.embedding).toMatchObject({ url: "http://flywheel-embedding.nemo.svc.cluster.local:8000/v1/embeddings" });
    expect(config.nemo).toMatchObject({
      evaluatorUrl: "http://nemo-evaluator.nemo.svc.cluster.local:8000",
      dataStoreUrl: "http://nemo-datastore.nemo.svc.cluster.local:8000",
      customizerUrl: "http://nemo-customizer.nemo.svc.cluster.local:8000",
    });
    expect([config.gpuBudget.gpus, config.gpuHourlyCost]).toEqual([4, 1.5]);
  });
});

describe("the stack key of a job configuration's key", () => {
  const keyOf = (path: PropertyKey[]) => stackKeyOf(path, 3, workload, models);

  it.each([
    [["data", "evalSize"], ["workloads", 3, "data", "evalSize"]],
    [["icl", "maxExamples"], ["workloads", 3, "icl", "maxExamples"]],
    [["targets", "similarity"], ["workloads", 3, "targets", "similarity"]],
    [["candidates", 1, "contextLength"], ["models", "candidates", 1, "contextLength"]],
    [["candidates", 0, "model"], ["models", "candidates", 0, "name"]],
    [["candidates", 1, "image", "tag"], ["models", "candidates", 1, "image", "tag"]],
    [["candidates", 1, "customizationTarget"], ["models", "candidates", 1, "customization", "target"]],
    [["candidates", 1, "trainingGpus"], ["models", "candidates", 1, "customization", "gpus"]],
    [["candidates", 1, "maxSeqLength"], ["models", "candidates", 1, "customization", "maxSeqLength"]],
    [["candidates", 1, "gpus"], ["models", "candidates", 1, "gpus"]],
    [["candidates", 1, "customize"], ["workloads", 3, "candidates", 1, "customize"]],
    [["judge", "url"], ["models", "judge", "url"]],
    [["embedding", "modelId"], ["models", "embedding", "model"]],
    [["gpuBudget", "gpus"], ["flywheel", "gpuBudget"]],
    [["gpuHourlyCost"], ["flywheel", "gpuHourlyCost"]],
    [["logs", "writers", 1], ["workloads", 3, "logWriters", 1]],
    [["logs", "index"], ["workloads", 3]],
    [["nemo", "evaluatorUrl"], ["workloads", 3]],
  ] as const)("%j is %j", (jobPath, stackPath) => {
    expect(keyOf([...jobPath])).toEqual(stackPath);
  });
});
