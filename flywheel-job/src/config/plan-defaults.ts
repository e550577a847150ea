import type { FlywheelJobConfigInput } from "./job-config";

/**
 * The configuration `flywheel plan` uses without `--config`: the dev stack's example workload
 * (stacks/Pulumi.dev.yaml) — its candidate, its remote judge and its target — with every curation
 * default, so a plan shows what a dev run would start.
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
  targets: { function_name_and_args_accuracy: 0.95 },
};
