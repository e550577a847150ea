import { NemoEvaluator, type NemoEvaluatorProps } from "../../../constructs/nemo/evaluator";
import { nemoImageDefaults } from "../../../constructs/nemo/images";
import { only, synth, typicalProps } from "../nim/fixtures";

const props = typicalProps.evaluator;

function evaluator(overrides: Partial<NemoEvaluatorProps> = {}) {
  let construct: NemoEvaluator | undefined;
  const manifest = only(synth((chart) => (construct = new NemoEvaluator(chart, "ev", { ...props, ...overrides }))), "NemoEvaluator");
  return { construct: construct as NemoEvaluator, spec: manifest.spec };
}

describe("NemoEvaluator", () => {
  it("exposes its in-cluster URL on port 8000", () => {
    const { construct, spec } = evaluator();
    expect(construct.url).toBe("http://nemo-evaluator.nemo.svc.cluster.local:8000");
    expect(spec.expose).toEqual({ service: { type: "ClusterIP", port: 8000 } });
  });

  it("reads datasets through Data Store's Hugging Face API and knows Entity Store's root", () => {
    const { spec } = evaluator();
    expect(spec.datastore).toEqual({ endpoint: "http://nemo-datastore.nemo.svc.cluster.local:8000/v1/hf" });
    expect(spec.entitystore).toEqual({ endpoint: "http://nemo-entitystore.nemo.svc.cluster.local:8000" });
  });

  it("runs evaluations through Argo Workflows with the executor account, and knows the vector database", () => {
    const { spec } = evaluator();
    expect(spec.argoWorkflows).toEqual({ endpoint: "https://argo-workflows-server.nemo.svc.cluster.local:2746", serviceAccount: "argo-workflows-executor" });
    expect(spec.vectorDB).toEqual({ endpoint: "http://milvus.nemo.svc.cluster.local:19530" });
    expect(spec.databaseConfig).toMatchObject({ databaseName: "evaluator" });
  });

  it("pins the Evaluator and every evaluation image", () => {
    const { spec } = evaluator();
    expect(spec.image).toMatchObject({ repository: "nvcr.io/nvidia/nemo-microservices/evaluator", tag: "25.06" });
    expect(spec.evaluationImages).toEqual(nemoImageDefaults.evaluationImages);
    expect(() => evaluator({ evaluationImages: { ...nemoImageDefaults.evaluationImages, llmAsJudge: "nvcr.io/nvidia/nemo-microservices/eval-tool-benchmark-llm-as-a-judge" } })).toThrow(
      "evaluationImages.llmAsJudge",
    );
  });

  it("refuses a Data Store URL that already carries the API path", () => {
    expect(() => evaluator({ datastoreUrl: "http://nemo-datastore.nemo.svc.cluster.local:8000/v1/hf" })).toThrow("datastoreUrl");
  });
});
