import type { FlywheelJobConfigInput } from "./job-config";

/**
 * The configuration `flywheel plan` uses without `--config`: the dev stack's example workload
 * (stacks/Pulumi.dev.yaml) as the stack writes it into the workload's CronJob — its candidate, its
 * remote judge and embedding endpoints, its target, the GPU budget and price — without what only the
 * cluster has (the NeMo URLs, the deployment's names) and with every curation default, so a plan
 * shows what a dev run would start. A test holds it equal to dev's rendered job configuration.
 */
export const planDefaultConfig: FlywheelJobConfigInput = {
  candidates: [
    {
      model: "meta/llama-3.2-1b-instruct",
      image: { repository: "nvcr.io/nim/meta/llama-3.2-1b-instruct", tag: "1.12.0" },
      gpus: 1,
      contextLength: 8192,
      // Dev has no training pool.
      customize: false,
    },
  ],
  judge: { url: "https://integrate.api.nvidia.com/v1/chat/completions", modelId: "meta/llama-3.3-70b-instruct" },
  embedding: { url: "https://integrate.api.nvidia.com/v1/embeddings", modelId: "nvidia/llama-3.2-nv-embedqa-1b-v2" },
  targets: { function_name_and_args_accuracy: 0.95 },
  gpuBudget: { gpus: 2 },
  gpuHourlyCost: 0.98,
};
