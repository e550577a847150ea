import type { ContainerImage } from "../common/images";

const registry = "nvcr.io/nvidia/nemo-microservices";

/**
 * The NeMo microservice images the constructs default to, in one place: the set the NIM operator
 * v3.1.2 ships in its `config/samples/nemo/latest` samples. That set is 25.08 except for the
 * Evaluator (25.06, with the evaluation tool images of its release) and Guardrails (25.10).
 * Bumping one is a reviewed change to this object; each construct also takes its image as a prop.
 */
export const nemoImageDefaults = {
  datastore: { repository: `${registry}/datastore`, tag: "25.08" },
  entitystore: { repository: `${registry}/entity-store`, tag: "25.08" },
  /** The Customizer API; its model download jobs run the same image. */
  customizer: { repository: `${registry}/customizer-api`, tag: "25.08" },
  /** The image of Customizer's training jobs. */
  customizerTraining: { repository: `${registry}/customizer`, tag: "25.08" },
  /** Hugging Face CLI that Customizer's jobs use to move files to and from Data Store. */
  datastoreTools: { repository: `${registry}/nds-v2-huggingface-cli`, tag: "25.08" },
  evaluator: { repository: `${registry}/evaluator`, tag: "25.06" },
  /** Images the Evaluator launches per evaluation type (full references). */
  evaluationImages: {
    bigcodeEvalHarness: `${registry}/eval-tool-benchmark-bigcode:0.12.21`,
    lmEvalHarness: `${registry}/eval-tool-benchmark-lm-eval-harness:0.12.21`,
    similarityMetrics: `${registry}/eval-tool-benchmark-custom-eval:0.12.21`,
    llmAsJudge: `${registry}/eval-tool-benchmark-llm-as-a-judge:0.12.21`,
    mtBench: `${registry}/eval-tool-benchmark-llm-as-a-judge:0.12.21`,
    retriever: `${registry}/eval-tool-benchmark-retriever:0.12.21`,
    rag: `${registry}/eval-tool-benchmark-rag:0.12.21`,
    bfcl: `${registry}/eval-factory-benchmark-bfcl:25.6.1`,
    agenticEval: `${registry}/eval-factory-benchmark-agentic-eval:25.6.1`,
  },
  guardrail: { repository: `${registry}/guardrails`, tag: "25.10" },
} as const satisfies Record<string, ContainerImage | Record<string, string>>;

/** The Evaluator's evaluation images, by evaluation type. */
export type EvaluationImages = { readonly [K in keyof typeof nemoImageDefaults.evaluationImages]: string };
