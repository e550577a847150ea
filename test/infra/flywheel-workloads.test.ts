import { workloadJobConfig } from "../../infra/platform/flywheel-workloads";
import { parseJobConfig } from "../../flywheel-job/src/config/job-config";

const platform = {
  logIndex: "flywheel",
  gpuBudget: 4,
  gpuHourlyCost: 1.5,
  judge: { baseUrl: "https://judge.example/v1", model: "judge-model", needsApiKey: true },
  embedding: { baseUrl: "http://flywheel-embedding.nemo.svc.cluster.local:8000/v1", model: "embed-model", needsApiKey: false },
  nemo: {
    datastore: "http://nemo-datastore.nemo.svc.cluster.local:8000",
    entitystore: "http://nemo-entitystore.nemo.svc.cluster.local:8000",
    evaluator: "http://nemo-evaluator.nemo.svc.cluster.local:8000",
  },
};

const workload = {
  workloadId: "support",
  clientId: "web",
  schedule: "0 3 * * 1",
  candidates: [
    { name: "meta/small", image: { repository: "nvcr.io/nim/meta/small", tag: "1.0" }, gpus: 1, contextLength: 8192, nimCache: "small-1-0" },
    { name: "meta/large", image: { repository: "nvcr.io/nim/meta/large", tag: "2.0" }, gpus: 2, contextLength: 8192, nimCache: "large-2-0", customization: { target: "meta/large@2.0", gpus: 4 } },
  ],
  targets: { function_name_and_args_accuracy: 0.95 },
};

describe("workloadJobConfig", () => {
  const config = parseJobConfig(workloadJobConfig(workload, platform), "the mapped config");

  it("is a configuration the job accepts, for the workload's pair", () => {
    expect([config.workloadId, config.clientId]).toEqual(["support", "web"]);
  });

  it("points the job at the stack's caches, and fine-tunes only the candidates that ask for it", () => {
    expect(config.candidates.map((c) => [c.model, c.nimCache, c.customize])).toEqual([
      ["meta/small", "small-1-0", false],
      ["meta/large", "large-2-0", true],
    ]);
    expect(config.candidates[1]).toMatchObject({ customizationTarget: "meta/large@2.0", trainingGpus: 4 });
  });

  it("calls the judge's chat completions and the embedding endpoint, and the in-cluster NeMo services", () => {
    expect(config.judge).toMatchObject({ url: "https://judge.example/v1/chat/completions", modelId: "judge-model" });
    expect(config.embedding).toMatchObject({ url: "http://flywheel-embedding.nemo.svc.cluster.local:8000/v1/embeddings" });
    expect(config.nemo).toMatchObject({ evaluatorUrl: platform.nemo.evaluator, dataStoreUrl: platform.nemo.datastore });
  });
});
