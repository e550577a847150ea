import { z } from "zod";
import { pinnedTag } from "./common";

/**
 * `data-flywheel:models`: the candidate models the flywheel may try (one NIMCache each, kept across
 * runs), and the judge and embedding models it uses.
 */

/** The size of a model's NIMCache volume when the stack file names none. */
export const defaultCacheSizeGiB = 50;

/** A NIM image; the tag names one build. */
export const nimImage = z.strictObject({
  /** Image repository, e.g. nvcr.io/nim/meta/llama-3.2-1b-instruct. */
  repository: z.string().regex(/^[a-z0-9.-]+(:\d+)?\/[a-z0-9._/-]+$/, "expected an image repository such as nvcr.io/nim/meta/llama-3.2-1b-instruct"),
  tag: pinnedTag,
});

const remoteModel = z.strictObject({
  type: z.literal("remote"),
  /** OpenAI-compatible base URL, e.g. https://integrate.api.nvidia.com/v1. */
  url: z.url({ protocol: /^https?$/ }),
  /** Model id the endpoint serves. */
  model: z.string().min(1),
});

const localModel = z.strictObject({
  type: z.literal("local"),
  /** Model id the NIM serves. */
  model: z.string().min(1),
  image: nimImage,
  gpus: z.int().min(1).max(8).default(1),
  /** Model cache size. */
  cacheSizeGiB: z.int().min(1).default(defaultCacheSizeGiB),
  /** NIM engine profiles to cache; derived from the inference pool's GPU when unset. */
  profiles: z.array(z.string().min(1)).optional(),
});

/** A model served either by an external endpoint (no GPU) or by a NIM this stack deploys. */
const servedModel = z.discriminatedUnion("type", [remoteModel, localModel]);

const customization = z.strictObject({
  /** Customizer target, `namespace/name@version`, e.g. meta/llama-3.2-1b-instruct@2.0. */
  target: z.string().regex(/^[a-z0-9._-]+\/[a-z0-9._-]+@[a-z0-9._+-]+$/i, "expected a target such as meta/llama-3.2-1b-instruct@2.0"),
  /** Where Customizer downloads the base weights, e.g. ngc://nvidia/nemo/llama-3_2-1b-instruct:2.0. */
  modelUri: z.string().regex(/^(ngc|hf):\/\/.+/, "expected an ngc:// or hf:// URI"),
  /** Parameter count, for Customizer's resource planning. */
  numParameters: z.int().min(1),
  precision: z.enum(["bf16-mixed", "bf16", "fp16", "fp32"]).default("bf16-mixed"),
  /** GPUs a LoRA training job uses. */
  gpus: z.int().min(1).max(8).default(1),
  /** Longest training sequence, tokens. @default the smaller of 8192 and the model's contextLength (the job's rule) */
  maxSeqLength: z.int().min(512).optional(),
});

/** A model id as a NIM serves it, `namespace/name`. */
export const nimModelId = z.string().regex(/^[a-z0-9._-]+\/[a-z0-9._-]+$/i, "expected a model id such as meta/llama-3.2-1b-instruct");

const candidateModel = z.strictObject({
  /** Model id as the NIM serves it and as workloads refer to it, e.g. meta/llama-3.2-1b-instruct. */
  name: nimModelId,
  image: nimImage,
  gpus: z.int().min(1).max(8).default(1),
  /** Context window the NIM serves, tokens: bounds the in-context examples. */
  contextLength: z.int().min(512),
  cacheSizeGiB: z.int().min(1).default(defaultCacheSizeGiB),
  /** NIM engine profiles to cache; derived from the inference pool's GPU when unset. */
  profiles: z.array(z.string().min(1)).optional(),
  /**
   * The NIM's guided-decoding backend (`NIM_GUIDED_DECODING_BACKEND`) in the flywheel's runs; null
   * sets none. @default "outlines" for NIM LLM 1.x images, none for 2.x (the job's rule)
   */
  guidedDecodingBackend: z.string().min(1).nullable().optional(),
  /** How to LoRA-fine-tune it; absent when the model is only evaluated as it is. */
  customization: customization.optional(),
});

export const modelsSchema = z
  .strictObject({
    judge: servedModel,
    embedding: servedModel,
    candidates: z.array(candidateModel).min(1),
  })
  .superRefine((models, ctx) => {
    models.candidates.forEach((c, i) => {
      if (models.candidates.findIndex((d) => d.name === c.name) !== i) {
        ctx.addIssue({ code: "custom", path: ["candidates", i, "name"], input: c.name, message: "is listed twice" });
      }
    });
  });

export type ModelsSettings = z.infer<typeof modelsSchema>;
