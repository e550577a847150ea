import { z } from "zod";
import { targetsSchema } from "../config/job-config";
import { evalTypes, metricsFor } from "../evaluation/metrics";
import { recordIdPattern } from "../store/ids";

/**
 * What the stack, the policy pack and `flywheel verify serving` share about the models a stack
 * serves to applications (`data-flywheel:serving`): how a serving NIMService is labelled and
 * annotated, and the configuration the stack renders for the verify Job.
 */

/**
 * The fewest replicas a serving entry that is on has in production, so a lost or drained node
 * does not stop it: the stack config refuses fewer, and `flywheel promote` raises a new entry to it.
 */
export const productionMinServingReplicas = 2;

/** `app.kubernetes.io/component` of a serving entry's NIMService, its pods, its PDB and its cache. */
export const servingModelComponent = "serving-model";

/** Annotations on a serving entry's NIMService: its evidence, as the stack file records it, for the policy pack and for reviewers. */
export const servingAnnotationKeys = {
  /** The entry's `promotedFrom`, as JSON. */
  promotedFrom: "data-flywheel.io/promoted-from",
  /** The entry's `replicas`, as JSON `{min,max}`: the NIMService's own fields cannot say "off". */
  replicas: "data-flywheel.io/serving-replicas",
  /** The entry's LoRA adapter (a customized model id), when it serves one. */
  adapter: "data-flywheel.io/adapter",
} as const;

/**
 * A customized model as Customizer names the model a customization job produced,
 * `namespace/name@cust-<id>`: what a serving entry's adapter must be (the stack config refuses
 * anything else, and the pack checks the annotation).
 */
export const customizedModelIdPattern = /^[A-Za-z0-9._-]+\/[A-Za-z0-9._-]+@cust-[A-Za-z0-9_-]+$/;

/** A dataset's location as NeMo records it: `hf://datasets/<namespace>/<name>`. */
const evalDatasetPattern = /^hf:\/\/datasets\/[A-Za-z0-9._-]+\/[A-Za-z0-9._-]+$/;

const scores = targetsSchema.refine((t) => Object.keys(t).length > 0, "must record at least one metric");

/** What an entry was promoted on, as `flywheel promote` writes it: the run, the evaluation and its scores against the workload's targets then. */
export const promotedFromSchema = z.strictObject({
  runId: z.string().regex(recordIdPattern, "expected a run id (24 hexadecimal digits, as `flywheel runs list` shows it)"),
  /** The workload the run was of (its `workloadId` and `clientId` in `workloads`), whose targets the pack compares. */
  workloadId: z.string().min(1),
  clientId: z.string().min(1),
  evalType: z.enum(evalTypes),
  /** Its scores (0–1) per metric. */
  scores,
  /** The workload's targets at promotion. */
  targets: scores,
  /** When it was promoted, ISO 8601 with a time zone (quote it in YAML). */
  at: z.iso.datetime({ offset: true, error: "expected an ISO 8601 time with a time zone, such as 2026-12-01T10:00:00Z" }),
  /** Why it was promoted although `flywheel promote` refused it (`--force --reason`). */
  forcedReason: z.string().min(1).optional(),
  /**
   * Where the records that evaluation scored are in Data Store, `hf://datasets/<namespace>/<name>`
   * (the run's evaluation set, or its ICL set for an `icl-eval`): `flywheel verify serving --smoke`
   * replays some of them.
   */
  evalDataset: z.string().regex(evalDatasetPattern, "expected a Data Store dataset, hf://datasets/<namespace>/<name>").optional(),
});

export type PromotedFrom = z.infer<typeof promotedFromSchema>;

/** Whether evidence is of a tool-calling workload: its recorded scores name tool-calling metrics (the verify Job then sends a tool-calling request). */
export function isToolCallingEvidence(promotedFrom: PromotedFrom): boolean {
  const toolCallingMetrics: readonly string[] = metricsFor("tool_calling");
  return Object.keys(promotedFrom.scores).some((metric) => toolCallingMetrics.includes(metric));
}

/** One entry as the verify Job sees it. */
export const verifiedServingEntrySchema = z.strictObject({
  name: z.string().min(1),
  namespace: z.string().min(1),
  /** In-cluster root URL of its Service, `http://<name>.<namespace>.svc.cluster.local:8000`. */
  url: z.string().url(),
  /** The base model id `/v1/models` must list. */
  model: z.string().min(1),
  /** The adapter `/v1/models` must list too, and the model id requests name instead of `model`. */
  adapter: z.string().min(1).optional(),
  replicas: z.strictObject({ min: z.int().min(0), max: z.int().min(0) }),
  /** Whether its workload calls tools (its recorded scores are tool-calling metrics): the check then sends a tool-calling request. */
  toolCalling: z.boolean(),
  promotedFrom: promotedFromSchema.optional(),
});

/** The configuration the stack renders into the `verify-serving` ConfigMap. */
export const servingVerifyConfigSchema = z.strictObject({
  /** The Pulumi stack that rendered it; `--stack` must name the same one. */
  stack: z.string().min(1),
  /** Data Store's in-cluster root URL, where `--smoke` downloads the recorded evaluation sets; without it no smoke check is made. */
  dataStoreUrl: z.string().url().optional(),
  entries: z.array(verifiedServingEntrySchema),
});

export type ServingVerifyConfig = z.infer<typeof servingVerifyConfigSchema>;
export type VerifiedServingEntry = z.infer<typeof verifiedServingEntrySchema>;

/** The suspended CronJob (in the flywheel namespace) `flywheel verify serving` Jobs are created from, and the ConfigMap it mounts. */
export const verifyServingNaming = {
  cronJob: "verify-serving",
  configMap: "verify-serving-config",
  serviceAccount: "verify-serving",
  /** The label the CronJob carries with its Pulumi stack, which `--stack` is checked against. */
  stackLabel: "data-flywheel.io/stack",
  /** `app.kubernetes.io/component` of its pods, which the isolation table selects. */
  component: "verify-serving",
  /** Where the ConfigMap is mounted. */
  configPath: "/etc/flywheel/verify-serving.json",
} as const;
