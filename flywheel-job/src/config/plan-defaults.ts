import type { FlywheelJobConfigInput } from "./job-config";

/**
 * The configuration `flywheel plan` uses without `--config`: every curation default, one small
 * candidate (the blueprint's) and a remote judge, so a plan shows what a typical run would start.
 */
export const planDefaultConfig: FlywheelJobConfigInput = {
  candidates: [
    {
      model: "meta/llama-3.2-1b-instruct",
      image: { repository: "nvcr.io/nim/meta/llama-3.2-1b-instruct", tag: "1.8.3" },
      gpus: 1,
      customizationTarget: "meta/llama-3.2-1b-instruct@2.0",
    },
  ],
  judge: { url: "https://integrate.api.nvidia.com/v1/chat/completions", modelId: "meta/llama-3.3-70b-instruct" },
};
