import { z } from "zod";
import { isPinnedByDigest } from "../../../constructs/common/images";
import { parseQuantity } from "../../../constructs/common/quantities";
import { isCronSchedule } from "../../../constructs/flywheel/flywheel-schedule";
import { dataLimitsSchema, dataSettingsSchema, flywheelApiService, iclSettingsSchema, targetsSchema } from "../../../flywheel-job/src/contract";
import { clientNamespaceName, namespaceName, optionalWithoutDefaults } from "./common";

/**
 * `data-flywheel:flywheel` (the job every workload runs) and `data-flywheel:workloads` (one
 * scheduled flywheel per workload of the application).
 */

/** The job image, pinned by digest so every run of a schedule runs the same program. */
export const jobImage = z.string().refine(isPinnedByDigest, "expected an image pinned by digest: registry/repository@sha256:<64 hex digits>");

const quantity = z.string().refine((q) => (parseQuantity(q) ?? 0) > 0, "expected a positive Kubernetes quantity such as 500m, 2 or 512Mi");
const cpuMemory = z.strictObject({ cpu: quantity, memory: quantity });

/** `flywheel.api`: the Flywheel API (`flywheel serve`) in the flywheel namespace. */
const flywheelApiSchema = z
  .strictObject({
    /** Deploy the API (it needs `flywheel.image`). */
    enabled: z.boolean().default(true),
    /** Pods of its Deployment; with more than one, a PodDisruptionBudget and a spread across nodes. */
    replicas: z.int().min(1).max(10).default(1),
    /**
     * Namespaces (existing ones) whose pods may call the API: its isolation table allows them in and
     * no one else. `kubectl port-forward` needs no entry.
     */
    clientNamespaces: z.array(clientNamespaceName).default([]),
    /** An Ingress for clients outside the cluster; none when unset. */
    ingress: z
      .strictObject({
        /** The host name clients call, e.g. flywheel.example.com. */
        host: z.string().regex(/^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/, "expected a fully qualified DNS name in lower case, such as flywheel.example.com"),
        /** The Secret in the flywheel namespace with the certificate and key for `host` (kubernetes.io/tls). */
        tlsSecretName: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, "expected a Secret name (a DNS-1123 subdomain)"),
        /** The IngressClass; the cluster's default when unset. */
        className: z.string().min(1).optional(),
        /** Namespace of the ingress controller's pods, which the isolation table allows in. */
        controllerNamespace: namespaceName,
      })
      .optional(),
    /** CPU and memory of the API container; the construct's defaults when unset. */
    resources: z.strictObject({ requests: cpuMemory, limits: cpuMemory }).optional(),
  })
  .superRefine((api, ctx) => {
    for (const kind of ["cpu", "memory"] as const) {
      const request = api.resources?.requests[kind] ?? "0";
      const limit = api.resources?.limits[kind] ?? "0";
      if ((parseQuantity(request) ?? 0) > (parseQuantity(limit) ?? 0)) {
        ctx.addIssue({ code: "custom", path: ["resources", "requests", kind], input: request, message: `must not exceed resources.limits.${kind} (${limit})` });
      }
    }
  })
  .prefault({});

/** Hours a run may take when the stack does not say (`flywheel.maxRunHours`). */
export const defaultMaxRunHours = 12;

export const flywheelSchema = z
  .strictObject({
    /** The flywheel job image (README: "The job image"). Required to deploy; the render uses a placeholder. */
    image: jobImage.optional(),
    /** GPUs all flywheel runs in the cluster may hold at once (a Redis semaphore); at most the inference pools' capacity. */
    gpuBudget: z.int().min(1).default(1),
    /** Price of one GPU-hour, for ranking promotable candidates by cost. */
    gpuHourlyCost: z.number().positive().optional(),
    /** Hours a run may take before Kubernetes stops it. */
    maxRunHours: z.number().min(0.5).max(72).default(defaultMaxRunHours),
    /** Minutes a run the API started may wait for its Job to adopt it before it is closed as failed. */
    startTimeoutMinutes: z.int().min(flywheelApiService.startTimeoutMinutesRange.min).max(flywheelApiService.startTimeoutMinutesRange.max).default(flywheelApiService.defaultStartTimeoutMinutes),
    api: flywheelApiSchema,
  })
  .prefault({});

const cronSchedule = z.string().refine(isCronSchedule, "expected a cron schedule with five fields, such as \"0 3 * * 1\" (03:00 every Monday)");

/** The keys of the job's `data` a workload may set: all but `seed`, which each run records. */
const { seed: _seed, limits: _limits, ...jobData } = dataSettingsSchema.shape;

const workload = z.strictObject({
  /** `workload_id` of the production logs: one task, agent node or route of the application. */
  workloadId: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, "expected letters, digits, '.', '_' or '-'"),
  /** `client_id` of the production logs: the application or deployment that produced them. */
  clientId: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, "expected letters, digits, '.', '_' or '-'"),
  /** When the flywheel runs, in the cluster's time zone unless `timeZone` is set. */
  schedule: cronSchedule,
  /** IANA time zone of the schedule, e.g. Europe/Berlin. */
  timeZone: z.string().optional(),
  /** Candidate models to try, by name from `models.candidates`. */
  candidates: z
    .array(
      z.strictObject({
        model: z.string().min(1),
        /** LoRA-fine-tune it too (needs `customization` on the model and a training GPU pool). */
        customize: z.boolean().default(false),
      }),
    )
    .min(1),
  /**
   * Minimum scores (0–1) a candidate × evaluation type must reach to be promotable, e.g.
   * `function_name_and_args_accuracy: 0.95` for tool calling or `similarity: 0.9` for generic workloads.
   */
  targets: targetsSchema.refine((t) => Object.keys(t).length > 0, "must set at least one target, or no candidate can ever be promotable"),
  /**
   * Curation settings passed to the job, validated by the job's own schema (see flywheel-job/README.md,
   * "Configuration"); the job's defaults when unset. `limits` bounds one log record.
   */
  data: z
    .strictObject({ ...optionalWithoutDefaults(jobData), limits: z.strictObject(optionalWithoutDefaults(dataLimitsSchema.shape)).optional() })
    .optional(),
  /** In-context example selection, passed to the job (`selection`, `maxExamples`); the job's defaults when unset. */
  icl: z.strictObject(optionalWithoutDefaults({ selection: iclSettingsSchema.shape.selection, maxExamples: iclSettingsSchema.shape.maxExamples })).optional(),
  /**
   * Namespaces from `platform.elasticsearch.logWriterNamespaces` whose logs this workload reads: a run
   * takes only documents their writer users wrote (the log store stamps each with its writer). Unset:
   * every writer namespace of the stack. Not empty: a workload that trusts no writer reads nothing.
   */
  logWriters: z.array(z.string().min(1)).min(1).optional(),
});

export const workloadsSchema = z.array(workload).default([]);

export type WorkloadSettings = z.infer<typeof workload>;
