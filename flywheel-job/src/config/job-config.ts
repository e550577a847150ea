import { z } from "zod";
import { UsageError } from "../errors";
import { nimCacheName } from "../kubernetes/labels";
import { ngcSecretNames } from "../kubernetes/ngc-secret-names";
import { gpuNodeSelector, gpuToleration } from "../scheduling";
import { type DescribeOptions, describeIssues } from "./describe-issues";

/**
 * The job configuration: what one workload's flywheel run does. In the cluster it is a ConfigMap the
 * `FlywheelSchedule` construct generates from the stack config and mounts into the Job; offline it is
 * a YAML or JSON file passed with `--config`. Connections and secrets are not here: they come from
 * environment variables (see `environment.ts`).
 *
 * Keys are camelCase like the stack config they come from. Every object is strict: an unknown key is
 * an error, because a misspelt key that is silently ignored is a default nobody chose (the blueprint's
 * per-job split settings silently fell back to code defaults).
 *
 * Use `FlywheelJobConfigInput` to write a config (defaults may be left out) and `FlywheelJobConfig`
 * for a parsed one (every default filled in).
 */

const nonEmpty = z.string().trim().min(1, "expected a non-empty string");
const positiveInt = z.int().min(1);
const fraction = z.number().min(0).max(1);

// `abort`: a value that is not a URL gets this one issue and no further checks, which parse it.
const httpUrl = z.url({ protocol: /^https?$/, error: "expected an http:// or https:// URL", abort: true });

/** A URL of one OpenAI-compatible route, e.g. `.../v1/chat/completions`: the request goes there as is. */
const endpointUrl = (route: string) =>
  httpUrl.refine((url) => new URL(url).pathname.replace(/\/+$/, "").endsWith(route), `expected the full ${route} URL, e.g. https://host/v1${route}`);

/** A container image reference pinned by tag; `latest` moves under you and is refused. */
const image = z.strictObject({
  /** Image repository, e.g. `nvcr.io/nim/meta/llama-3.2-1b-instruct`. */
  repository: nonEmpty,
  /** Pinned image tag, e.g. `1.8.3`. */
  tag: nonEmpty.refine((tag) => tag !== "latest", "expected a pinned tag, not \"latest\""),
});

const candidate = z
  .strictObject({
    /** Model id the NIM serves, e.g. `meta/llama-3.2-1b-instruct`. */
    model: nonEmpty,
    /** The NIM container image. */
    image,
    /** GPUs of the NIM deployment. @default 1 */
    gpus: z.int().min(1).max(16).default(1),
    /** Context length the NIM serves (tokens). @default 32768 */
    contextLength: z.int().min(512).default(32768),
    /** Fine-tune the model with LoRA and evaluate the result. @default false, as in the stack config: a config fine-tunes only when it says so */
    customize: z.boolean().default(false),
    /** Customizer target, e.g. `meta/llama-3.2-1b-instruct@2.0`; required when `customize` is true. */
    customizationTarget: nonEmpty.optional(),
    /** GPUs of the LoRA training job. @default 1 */
    trainingGpus: z.int().min(1).max(64).default(1),
    /** NIMCache with the model's weights. @default nimCacheName(model, image.tag), the name the stack gives it */
    nimCache: z
      .string()
      .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, "expected a Kubernetes object name (a-z, 0-9, '-')")
      .optional(),
    /**
     * Longest training sequence of its LoRA fine-tune, tokens (Customizer truncates longer ones).
     * @default the smaller of 8192 and contextLength (see defaultMaxSeqLength)
     */
    maxSeqLength: z.int().min(512).optional(),
    /**
     * The NIM's structured-output backend (`NIM_GUIDED_DECODING_BACKEND`), which `tool_choice:
     * "required"` runs on; null sets none. @default "outlines" for NIM LLM 1.x images, none for 2.x
     * (see defaultGuidedDecodingBackend)
     */
    guidedDecodingBackend: nonEmpty.nullable().optional(),
  })
  .superRefine((value, ctx) => {
    if (value.customize && value.customizationTarget === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["customizationTarget"],
        input: value.customizationTarget,
        message: "is required when customize is true (e.g. \"meta/llama-3.2-1b-instruct@2.0\"); set customize: false to skip fine-tuning",
      });
    }
  })
  .transform((value) => ({
    ...value,
    nimCache: value.nimCache ?? nimCacheName(value.model, value.image.tag),
    maxSeqLength: value.maxSeqLength ?? defaultMaxSeqLength(value.contextLength),
    guidedDecodingBackend: value.guidedDecodingBackend === undefined ? defaultGuidedDecodingBackend(value.image.tag) : value.guidedDecodingBackend,
  }));

/**
 * A fine-tune's sequence length when none is set: 8192 (NVIDIA's blueprint trains with it; multi-turn
 * tool-calling conversations with their tool schemas often pass 4096 and were cut off), but never
 * longer than the candidate serves.
 */
export function defaultMaxSeqLength(contextLength: number): number {
  return Math.min(8192, contextLength);
}

/**
 * Whether a NIM for LLMs image tag is of the 1.x generation. 2.x is a new architecture (vLLM or
 * SGLang) that removed many 1.x variables and loads LoRA adapters from a mounted directory instead
 * of polling Entity Store; the tag's major version tells them apart.
 */
export function isNimLlm1Tag(imageTag: string): boolean {
  return /^1\./.test(imageTag);
}

/**
 * The guided-decoding backend a candidate NIM gets when none is set. NIM LLM 1.x images read
 * `NIM_GUIDED_DECODING_BACKEND`, and NVIDIA's blueprint sets `outlines` on every NIM it deploys for
 * its structured (tool-call) answers. NIM LLM 2.x no longer has the variable (its vLLM engine is
 * configured through its own arguments), so nothing is set there.
 */
export function defaultGuidedDecodingBackend(imageTag: string): string | null {
  return isNimLlm1Tag(imageTag) ? "outlines" : null;
}

/**
 * An OpenAI-compatible model endpoint the run calls: the LLM judge or the embedding model. The
 * stack deploys a local one as a NIM and passes its in-cluster URL, so the job never deploys either.
 */
const modelEndpoint = (route: string) =>
  z.strictObject({
    /** Full URL of the route, e.g. `https://integrate.api.nvidia.com/v1/chat/completions`. */
    url: endpointUrl(route),
    /** Model id at that endpoint. */
    modelId: nonEmpty,
  });

/** The LLM judge; its API key, when it needs one, comes from `JUDGE_API_KEY`. */
const judge = modelEndpoint("/chat/completions");

/** A label key or value as Kubernetes accepts them (a prefix/name key, a value of at most 63 characters). */
const labelKey = z.string().regex(/^([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/, "expected a Kubernetes label key");
const labelValue = z.string().regex(/^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/, "expected a Kubernetes label value");
const objectName = z.string().regex(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, "expected a Kubernetes object name (a-z, 0-9, '-', '.')");
const quantity = z.string().regex(/^\d+(\.\d+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/, "expected a Kubernetes quantity such as 500m, 2 or 16Gi");

const toleration = z.strictObject({
  key: nonEmpty,
  operator: z.enum(["Exists", "Equal"]),
  value: z.string().optional(),
  effect: z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"]),
});

/**
 * How candidate NIMs are deployed. The defaults are the names the stack creates: the NGC Secrets
 * (`ngcSecretNames`) and the inference pool's label and taint (`scheduling.ts`), both part of the
 * contract the stack imports.
 */
const deployment = z
  .strictObject({
    /** Secret with the NGC API key (key `NGC_API_KEY`) the NIM authenticates with. @default ngcSecretNames.apiKey ("ngc-api") */
    authSecret: objectName.default(ngcSecretNames.apiKey),
    /** Pull secrets for the NIM images. @default [ngcSecretNames.pullSecret] (["nvcr-pull"]) */
    pullSecrets: z.array(objectName).default([ngcSecretNames.pullSecret]),
    /** Node labels a candidate NIM must run on: the inference GPU pool. @default gpuNodeSelector("inference") */
    nodeSelector: z.record(labelKey, labelValue).default(gpuNodeSelector("inference")),
    /** Tolerations of the GPU nodes' taint. @default [gpuToleration()], the `nvidia.com/gpu` NoSchedule taint */
    tolerations: z.array(toleration).default([{ ...gpuToleration() }]),
    /** CPU and memory of each candidate NIM (GPUs come from the candidate). @default requests 2 CPU / 16Gi, limits 8 CPU / 32Gi */
    resources: z
      .strictObject({
        cpuRequest: quantity.default("2"),
        memoryRequest: quantity.default("16Gi"),
        cpuLimit: quantity.default("8"),
        memoryLimit: quantity.default("32Gi"),
      })
      .prefault({}),
    /** How often a NIM looks for new LoRA adapters in Entity Store (`NIM_PEFT_REFRESH_INTERVAL`). @default 60 */
    loraRefreshSeconds: z.int().min(5).max(3600).default(60),
    /**
     * The labels the cluster's Prometheus selects ServiceMonitors by: with them, each candidate NIM
     * has its metrics on, and the NIM operator makes its ServiceMonitor carrying them
     * (`spec.metrics.serviceMonitor.additionalLabels`). @default none: no metrics, no ServiceMonitor
     */
    monitorLabels: z.record(labelKey, labelValue).refine((labels) => Object.keys(labels).length > 0, "name at least one label, or leave monitorLabels out").optional(),
  })
  .prefault({});

/** Metrics a run reports; a target names the minimum a promotable candidate must reach (0–1). */
export const metricNames = ["function_name_accuracy", "function_name_and_args_accuracy", "tool_calling_correctness", "similarity"] as const;
export type MetricName = (typeof metricNames)[number];

/** Minimum scores (0–1) per metric; the stack config's `workloads[].targets` is this schema too. */
export const targetsSchema = z.strictObject(Object.fromEntries(metricNames.map((name) => [name, fraction.optional()])) as Record<MetricName, z.ZodOptional<typeof fraction>>);

/**
 * Bounds every log record must stay within before anything recursive or quadratic (serialisation,
 * the tokenizer, deduplication keys) touches it; a record outside them is dropped and counted
 * (`too_large`, `too_deep`). The stack config's `workloads[].data.limits` is this schema too.
 */
export const dataLimitsSchema = z
  .strictObject({
    /** Deepest nesting of objects and lists in a record, tool-call arguments logged as JSON strings counted where they sit. @default 64 */
    maxDepth: z.int().min(16).max(512).default(64),
    /**
     * Bytes of one record: a JSONL line, or an Elasticsearch document as compact JSON. The readers skip
     * a longer one without holding it. @default 1048576 (1 MiB)
     */
    maxRecordBytes: z
      .int()
      .min(1024)
      .max(64 * 1024 * 1024)
      .default(1024 * 1024),
    /** Messages in `request.messages`. @default 1000 */
    maxMessages: z.int().min(1).max(100_000).default(1000),
    /** Tool definitions in `request.tools`. @default 128 */
    maxTools: z.int().min(1).max(10_000).default(128),
    /** Properties in one tool's parameter schema, nested ones included. @default 256 */
    maxSchemaProperties: z.int().min(1).max(100_000).default(256),
    /** Tool calls in one message (the response or an earlier assistant turn). @default 64 */
    maxToolCalls: z.int().min(1).max(10_000).default(64),
  });

export type DataLimits = z.output<typeof dataLimitsSchema>;

/** Curation: how many records, how they are split, the seed. The stack config exposes part of it (`workloads[].data`). */
export const dataSettingsSchema = z
  .strictObject({
    /** Records sampled for a run; up to twice as many are pulled to allow for drops. @default 1000 */
    limit: positiveInt.max(1_000_000).default(1000),
    /** Records in the evaluation set. @default 20 */
    evalSize: positiveInt.default(20),
    /** Share of the non-evaluation records that becomes the validation set. @default 0.1 */
    valRatio: z.number().min(0).max(0.5).default(0.1),
    /** A run fails when fewer records remain after validation and deduplication. @default 50 */
    minTotalRecords: positiveInt.default(50),
    /** Seed of the sample and the split; the same seed and logs give the same datasets. @default 42 */
    seed: z.int().min(0).max(0xffffffff).default(42),
    /**
     * Drop records whose request offers a tool with more than this many parameter properties
     * (small models struggle with large tool schemas). Off when absent.
     */
    maxToolProperties: positiveInt.optional(),
    /** Bounds on one record; see `dataLimitsSchema`. */
    limits: dataLimitsSchema.prefault({}),
  });

export type DataSettings = z.output<typeof dataSettingsSchema>;

/** In-context learning: examples injected into the ICL evaluation dataset. The stack config exposes part of it (`workloads[].icl`). */
export const iclSettingsSchema = z
  .strictObject({
    /** `uniform`: the same examples for every record, spread over tools; `semantic`: nearest neighbours (needs `embedding`). @default "uniform" */
    selection: z.enum(["uniform", "semantic"]).default("uniform"),
    /** Examples per record at most. @default 3 */
    maxExamples: z.int().min(1).max(32).default(3),
    /** Context budget in tokens. @default the smallest `contextLength` of the candidates */
    maxContextLength: z.int().min(512).optional(),
    /** Tokens kept free for the model's answer. @default 4096 */
    reservedTokens: z.int().min(0).default(4096),
    /** `semantic`, tool-calling: share of the slots filled by the most similar examples; the rest cover tools not yet shown. @default 0.7 */
    relevanceRatio: fraction.default(0.7),
    /**
     * Counted tokens are multiplied by `1 + tokenSafetyMargin`: the count uses cl100k_base, not the
     * candidate's own tokenizer. @default 0.15
     */
    tokenSafetyMargin: z.number().min(0).max(1).default(0.15),
  });

/** Where the NeMo microservices are and how they are called; `flywheel runs delete` reads only this part. */
export const nemoSettingsSchema = z
  .strictObject({
    /** Namespace of datasets, configs and models in Entity Store and Data Store. @default "dfwbp" */
    namespace: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "expected a lower-case name (a-z, 0-9, '-')").default("dfwbp"),
    /** One ingress in front of every NeMo service. */
    baseUrl: httpUrl.optional(),
    entityStoreUrl: httpUrl.optional(),
    dataStoreUrl: httpUrl.optional(),
    customizerUrl: httpUrl.optional(),
    evaluatorUrl: httpUrl.optional(),
    /** How long one request may take. @default 60 */
    requestTimeoutSeconds: z.number().positive().max(3600).default(60),
    /** Retries of a request that failed with a 5xx, a 429 or a connection error. @default 4 */
    retries: z.int().min(0).max(20).default(4),
    /** First delay between retries; it doubles with every retry (up to 30 s). @default 1 */
    retryDelaySeconds: z.number().positive().max(60).default(1),
  })
  .prefault({});

export const flywheelJobConfigSchema = z
  .strictObject({
    /** `workload_id` of the logs to curate. Required by `run`; `plan` also takes `--workload` or infers it from the file. */
    workloadId: nonEmpty.optional(),
    /** `client_id` of the logs to curate. Required by `run`; `plan` also takes `--client` or infers it from the file. */
    clientId: nonEmpty.optional(),

    /** Where production logs are read from when they come from Elasticsearch. */
    logs: z
      .strictObject({
        /** Elasticsearch index with the logs. @default "flywheel" */
        index: nonEmpty.default("flywheel"),
        /** Records per search page. @default 1000 */
        pageSize: z.int().min(1).max(10000).default(1000),
        /** How long Elasticsearch keeps the point in time alive between pages. @default "2m" */
        keepAlive: z.string().regex(/^\d+[smh]$/, "expected a duration such as 30s, 2m or 1h").default("2m"),
        /**
         * Read only documents whose `writer` (the Elasticsearch user the log store's final pipeline
         * stamps on each document) is one of these users; an empty list reads nothing. JSONL logs
         * (`--logs`) have no writer and ignore it. The stack sets the users of the workload's
         * `logWriters` namespaces. @default any writer, also documents without a `writer`
         */
        writers: z.array(nonEmpty).max(1000).optional(),
      })
      .prefault({}),

    /** Curation: how many records, how they are split, the seed. */
    data: dataSettingsSchema.prefault({}),

    /** In-context learning: examples injected into the ICL evaluation dataset. */
    icl: iclSettingsSchema.prefault({}),

    /** Candidate models to try; at least one. */
    candidates: z.array(candidate).min(1),

    /** The LLM judge of the evaluations. */
    judge,

    /** Embedding model for `semantic` ICL selection; its API key, when it needs one, comes from `EMBEDDING_API_KEY`. */
    embedding: modelEndpoint("/embeddings")
      .extend({
        /** Texts per embedding request. @default 32 */
        batchSize: z.int().min(1).max(1024).default(32),
      })
      .optional(),

    /** Minimum scores (0–1) a candidate × evaluation type must reach to be promotable; none means nothing is promotable. */
    targets: targetsSchema.prefault({}),

    /**
     * Per-sample results kept of each completed evaluation (`evaluation_samples`): its lowest-scoring
     * records, every text cut to a size a review page can show.
     */
    evaluationSamples: z
      .strictObject({
        /** Records kept per candidate × evaluation type, lowest score first; 0 keeps none. @default 20 */
        perEvaluation: z.int().min(0).max(1000).default(20),
        /** UTF-8 bytes of each kept text (a message, the reference, the response). @default 8192 (8 KiB) */
        maxTextBytes: z.int().min(256).max(1024 * 1024).default(8192),
        /** Messages of a conversation kept: the first (usually the system prompt) and the latest. @default 16 */
        maxMessages: z.int().min(2).max(1000).default(16),
      })
      .prefault({}),

    /** Price of one GPU-hour (any currency) for ranking promotable candidates and the plan's estimate. @default ranking by GPU count */
    gpuHourlyCost: z.number().positive().optional(),

    /** LoRA fine-tuning settings shared by every candidate. */
    customization: z
      .strictObject({
        /** @default 2 */
        epochs: z.int().min(1).max(100).default(2),
        /** @default 16 */
        batchSize: z.int().min(1).max(4096).default(16),
        /** @default 0.0001 */
        learningRate: z.number().positive().max(1).default(0.0001),
        /** LoRA rank. @default 32 */
        loraAdapterDim: z.int().min(1).max(1024).default(32),
        /** @default 0.1 */
        loraAdapterDropout: fraction.default(0.1),
        /** @default "bf16-mixed" */
        trainingPrecision: z.enum(["bf16-mixed", "bf16", "fp16", "fp32"]).default("bf16-mixed"),
      })
      .prefault({}),

    /** NeMo microservices. URLs may also come from the environment, which wins (see README). */
    nemo: nemoSettingsSchema,

    /** Candidate NIM deployments (Kubernetes). */
    deployment,

    /**
     * GPUs every flywheel run in the cluster may hold at once: a semaphore in Redis when `REDIS_URL`
     * is set, otherwise in this process only.
     */
    gpuBudget: z
      .strictObject({
        /** GPUs of the candidate NIMs of all runs together. @default 1 */
        gpus: z.int().min(1).max(4096).default(1),
        /** A lease a run holds on its GPUs, refreshed while it runs; a job that dies frees them after this. @default 30 */
        leaseSeconds: z.number().min(1).max(600).default(30),
        /** How long a candidate waits for GPUs before it fails. @default 240 */
        waitMinutes: z.number().positive().max(7 * 24 * 60).default(240),
      })
      .prefault({}),

    /** How often waits ask the services for news: from `minSeconds`, doubling while nothing changes, up to `maxSeconds`. */
    polling: z
      .strictObject({
        /** @default 5 */
        minSeconds: z.number().positive().max(600).default(5),
        /** @default 60 */
        maxSeconds: z.number().positive().max(3600).default(60),
      })
      .prefault({}),

    /** How long a wait may go without progress before the step is failed (minutes; fractions allowed). */
    stallTimeouts: z
      .strictObject({
        /** A NIM becoming ready, and a fine-tuned adapter appearing in it. @default 30 */
        deploymentMinutes: z.number().positive().default(30),
        /** @default 60 */
        customizationMinutes: z.number().positive().default(60),
        /** @default 30 */
        evaluationMinutes: z.number().positive().default(30),
      })
      .prefault({}),
  })
  .superRefine((config, ctx) => {
    if (config.data.evalSize >= config.data.limit) {
      ctx.addIssue({
        code: "custom",
        path: ["data", "evalSize"],
        input: config.data.evalSize,
        message: `must be smaller than data.limit (${config.data.limit}), or nothing is left to train on`,
      });
    }
    if (config.data.minTotalRecords > config.data.limit * 2) {
      ctx.addIssue({
        code: "custom",
        path: ["data", "minTotalRecords"],
        input: config.data.minTotalRecords,
        message: `must not exceed twice data.limit (${config.data.limit * 2}), the most records a run pulls`,
      });
    }
    if (config.icl.selection === "semantic" && config.embedding === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["embedding"],
        input: undefined,
        message: "is required when icl.selection is \"semantic\"",
      });
    }
    if (config.polling.maxSeconds < config.polling.minSeconds) {
      ctx.addIssue({
        code: "custom",
        path: ["polling", "maxSeconds"],
        input: config.polling.maxSeconds,
        message: `must not be smaller than polling.minSeconds (${config.polling.minSeconds})`,
      });
    }
    const seen = new Set<string>();
    config.candidates.forEach((c, i) => {
      if (c.gpus > config.gpuBudget.gpus) {
        ctx.addIssue({
          code: "custom",
          path: ["candidates", i, "gpus"],
          input: c.gpus,
          message: `needs more GPUs than gpuBudget.gpus (${config.gpuBudget.gpus}) allows, so it could never be deployed`,
        });
      }
      if (seen.has(c.model)) {
        ctx.addIssue({ code: "custom", path: ["candidates", i, "model"], input: c.model, message: "is listed twice" });
      }
      seen.add(c.model);
    });
  });

/** A configuration as written: defaults may be left out. */
export type FlywheelJobConfigInput = z.input<typeof flywheelJobConfigSchema>;
/** A validated configuration with every default filled in. */
export type FlywheelJobConfig = z.output<typeof flywheelJobConfigSchema>;
export type CandidateModel = FlywheelJobConfig["candidates"][number];

/** The context budget ICL uses: the configured one, else what the smallest candidate serves. */
export function iclContextLength(config: FlywheelJobConfig): number {
  return config.icl.maxContextLength ?? Math.min(...config.candidates.map((c) => c.contextLength));
}

/**
 * Validates a configuration. `origin` names where it came from in error messages; `describe` tells
 * the messages what the caller knows (the flags that set or can set a key, the file's own text).
 * Throws UsageError listing every problem.
 */
export function parseJobConfig(raw: unknown, origin: string, describe: DescribeOptions = {}): FlywheelJobConfig {
  const parsed = flywheelJobConfigSchema.safeParse(raw, { reportInput: true });
  if (parsed.success) {
    return parsed.data;
  }
  const problems = describeIssues(parsed.error.issues, flywheelJobConfigSchema, describe);
  throw new UsageError(`${origin} is not a valid flywheel job configuration:`, problems);
}
