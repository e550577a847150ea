import { z } from "zod";
import { customizedModelIdPattern, isNimLlm1Tag, productionMinServingReplicas, promotedFromSchema, recordIdPattern } from "../../../flywheel-job/src/contract";
import { gpuInstanceType } from "../../../infra/gpu-instance-types";
import type { AwsSettings } from "./aws";
import { clientNamespaceName, dnsLabel } from "./common";
import { nimImage, nimModelId } from "./models";

/**
 * `data-flywheel:serving`: the models the stack serves to applications, each promoted from a
 * flywheel run (`flywheel promote` writes an entry with its evidence). A list of its own, beside
 * `models` (what the flywheel may try) and `workloads`, so a promotion is one entry of one key.
 */

/**
 * The NIM serving metrics replicas scale on (NIM for LLMs 1.x `/v1/metrics` gauges), each with the
 * targets that make sense for it: the HPA keeps the metric's average per replica at the target.
 */
export const servingScaleMetrics = {
  /** Requests queued per replica, waiting for the engine. */
  num_requests_waiting: { min: 0.1, max: 1000, unit: "queued requests per replica" },
  /** Share of a replica's KV cache in use, 1 being full: a target of 1 would never scale out. */
  gpu_cache_usage_perc: { min: 0.05, max: 0.95, unit: "a fraction of the KV cache, 1 being full" },
} as const;

export type ServingScaleMetric = keyof typeof servingScaleMetrics;

const runId = z.string().regex(recordIdPattern, "expected a run id (24 hexadecimal digits, as `flywheel runs list` shows it)");

/** A customized model as Customizer names it: `namespace/name@cust-<id>`. */
export const customizedModelId = z
  .string()
  .regex(customizedModelIdPattern, "expected a customized model id as Customizer returns it, namespace/name@cust-<id>");

const servingEntry = z
  .strictObject({
    /** Names the entry's NIMService, cache and Service in the serving namespace. */
    name: dnsLabel,
    /** The model id its NIM serves and clients ask for, e.g. meta/llama-3.2-1b-instruct. */
    model: nimModelId,
    image: nimImage,
    /** GPUs per replica. */
    gpus: z.int().min(1).max(8).default(1),
    /** Replicas the HPA keeps it between; `{min: 0, max: 0}` turns the entry off. */
    replicas: z.strictObject({ min: z.int().min(0), max: z.int().min(0) }),
    /** The NIM metric replicas scale on, and its target per replica. */
    scaleOn: z.strictObject({
      metric: z.enum(Object.keys(servingScaleMetrics) as [ServingScaleMetric, ...ServingScaleMetric[]]),
      target: z.number(),
    }),
    /** The LoRA adapter a run produced, served from Entity Store (NIM LLM 1.x images only). */
    adapter: customizedModelId.optional(),
    /** A run whose in-context examples the Flywheel API serves to `clientNamespaces` (`GET /api/jobs/{id}/icl-examples`). */
    iclExamplesFrom: runId.optional(),
    /** Namespaces of the applications that may call it. */
    clientNamespaces: z.array(clientNamespaceName).refine((list) => list.length > 0, "must list at least one application namespace, or nothing may call the model"),
    /** Its evidence; required once it serves (`replicas.max` above 0). */
    promotedFrom: promotedFromSchema.optional(),
  })
  .superRefine((entry, ctx) => {
    const { min, max } = entry.replicas;
    if (min > max) {
      ctx.addIssue({ code: "custom", path: ["replicas", "min"], input: min, message: `must not exceed replicas.max (${max})` });
    } else if (min === 0 && max > 0) {
      ctx.addIssue({
        code: "custom",
        path: ["replicas", "min"],
        input: min,
        message: `must be at least 1 when replicas.max is ${max}: the NIM operator 3.1.2 cannot scale to zero from an HPA (set max to 0 too to turn the entry off)`,
      });
    }
    const range = servingScaleMetrics[entry.scaleOn.metric];
    if (entry.scaleOn.target < range.min || entry.scaleOn.target > range.max) {
      ctx.addIssue({
        code: "custom",
        path: ["scaleOn", "target"],
        input: entry.scaleOn.target,
        message: `must lie between ${range.min} and ${range.max} for ${entry.scaleOn.metric} (${range.unit})`,
      });
    }
    if (entry.adapter !== undefined && !isNimLlm1Tag(entry.image.tag)) {
      ctx.addIssue({
        code: "custom",
        path: ["adapter"],
        input: entry.adapter,
        message: `needs a NIM LLM 1.x image, and image.tag ${entry.image.tag} is not one: NIM LLM 2.x loads LoRA adapters from a mounted directory, not from Entity Store`,
      });
    }
    entry.clientNamespaces.forEach((namespace, j) => {
      if (entry.clientNamespaces.indexOf(namespace) !== j) {
        ctx.addIssue({ code: "custom", path: ["clientNamespaces", j], input: namespace, message: "is listed twice" });
      }
    });
    if (!entry.promotedFrom) {
      if (max > 0) {
        ctx.addIssue({
          code: "custom",
          path: ["promotedFrom"],
          input: undefined,
          message: `is required once the entry serves (replicas.max ${max}): the run, evaluation, scores and targets it was promoted on, which \`flywheel promote\` writes`,
        });
      }
    } else if ((entry.promotedFrom.evalType === "customized-eval") !== (entry.adapter !== undefined)) {
      ctx.addIssue({
        code: "custom",
        path: ["promotedFrom", "evalType"],
        input: entry.promotedFrom.evalType,
        message: entry.adapter
          ? "must be customized-eval for an entry with an adapter: the scores must be the adapter's"
          : "is customized-eval, so the entry must serve that evaluation's adapter",
      });
    }
  });

export const servingSchema = z.array(servingEntry).default([]);

export type ServingSettings = z.infer<typeof servingSchema>;
export type ServingEntrySettings = ServingSettings[number];

/** The GPUs of the EKS inference pools at their `maxSize`, each pool with its key; unknown instance types are refused elsewhere. */
function inferencePoolGpus(aws: AwsSettings): { key: string; gpus: number }[] {
  return aws.gpuNodePools.flatMap((pool, i) => {
    const type = gpuInstanceType(pool.instanceTypes[0]);
    return pool.role === "inference" && type ? [{ key: `aws.gpuNodePools[${i}].maxSize`, gpus: pool.maxSize * type.gpus }] : [];
  });
}

/**
 * Rules that span keys: the serving GPUs at `replicas.max` and the flywheel's GPU budget must fit the
 * inference pools at `maxSize`, or an entry or a run waits for a node the autoscaler may not add. An
 * existing cluster's pools have no size in the stack file, so it checks nothing there. In-context
 * examples are served by the Flywheel API, which must then be deployed. An entry that scales needs
 * the stack's own Prometheus, from which the prometheus-adapter it installs serves the HPA's metric.
 */
export function checkServing(
  settings: { serving: ServingSettings; gpuBudget: number; apiEnabled: boolean; ownMonitoring: boolean; aws?: AwsSettings },
  ctx: z.RefinementCtx,
): void {
  settings.serving.forEach((entry, i) => {
    if (settings.serving.findIndex((e) => e.name === entry.name) !== i) {
      ctx.addIssue({ code: "custom", path: ["serving", i, "name"], input: entry.name, message: "is used by another entry; serving names must be unique" });
    }
    if (entry.iclExamplesFrom !== undefined && !settings.apiEnabled) {
      ctx.addIssue({ code: "custom", path: ["serving", i, "iclExamplesFrom"], input: entry.iclExamplesFrom, message: "needs the Flywheel API, which serves the examples: flywheel.api.enabled is false" });
    }
    if (entry.replicas.min < entry.replicas.max && !settings.ownMonitoring) {
      ctx.addIssue({
        code: "custom",
        path: ["serving", i, "replicas"],
        input: entry.replicas,
        message:
          `scales from ${entry.replicas.min} to ${entry.replicas.max} on ${entry.scaleOn.metric}, which needs the stack's own monitoring: ` +
          "platform.monitoring is external or off, so no prometheus-adapter serves the HPA that metric; set replicas.min equal to replicas.max, or use the stack's monitoring",
      });
    }
  });
  if (!settings.aws) {
    return;
  }
  const pools = inferencePoolGpus(settings.aws);
  const capacity = pools.reduce((sum, p) => sum + p.gpus, 0);
  const serving = settings.serving.flatMap((e, i) => (e.replicas.max > 0 ? [{ key: `serving[${i}].replicas.max`, gpus: e.replicas.max * e.gpus, e }] : []));
  const needed = serving.reduce((sum, s) => sum + s.gpus, 0) + settings.gpuBudget;
  if (pools.length > 0 && needed > capacity) {
    const parts = [...serving.map((s) => `${s.key} ${s.e.replicas.max} × ${s.e.gpus} GPU`), `flywheel.gpuBudget ${settings.gpuBudget}`];
    ctx.addIssue({
      code: "custom",
      path: ["serving"],
      input: needed,
      message:
        `needs ${needed} GPUs (${parts.join(" + ")}), more than the inference pools' ${capacity} at maxSize (${pools.map((p) => `${p.key}: ${p.gpus}`).join(", ")}); ` +
        "lower a replicas.max or flywheel.gpuBudget, or raise a pool's maxSize",
    });
  }
}

/** Production serves each model that is on from at least two replicas, so a lost node or a drained one does not stop it. */
export function checkProductionServing(serving: ServingSettings, ctx: z.RefinementCtx): void {
  serving.forEach((entry, i) => {
    if (entry.replicas.max > 0 && entry.replicas.min < productionMinServingReplicas) {
      ctx.addIssue({
        code: "custom",
        path: ["serving", i, "replicas", "min"],
        input: entry.replicas.min,
        message: `must be at least ${productionMinServingReplicas} in production for an entry that serves (or set min and max to 0 to turn it off), so a lost node does not stop it`,
      });
    }
  });
}
