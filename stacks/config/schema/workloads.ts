import { z } from "zod";
import { dataLimitsSchema } from "../../../flywheel-job/src/config/job-config";

/**
 * `data-flywheel:flywheel` (the job every workload runs) and `data-flywheel:workloads` (one
 * scheduled flywheel per workload of the application).
 */

/** The job image, pinned by digest so every run of a schedule runs the same program. */
export const jobImage = z
  .string()
  .regex(/^[a-z0-9.-]+(:\d+)?\/[a-z0-9._/-]+@sha256:[a-f0-9]{64}$/, "expected an image pinned by digest: registry/repository@sha256:<64 hex digits>");

export const flywheelSchema = z
  .strictObject({
    /** The flywheel job image (README: "The job image"). Required to deploy; the render uses a placeholder. */
    image: jobImage.optional(),
    /** GPUs all flywheel runs in the cluster may hold at once (a Redis semaphore); at most the inference pools' capacity. */
    gpuBudget: z.int().min(1).default(1),
    /** Price of one GPU-hour, for ranking promotable candidates by cost. */
    gpuHourlyCost: z.number().positive().optional(),
    /** Hours a run may take before Kubernetes stops it. */
    maxRunHours: z.number().min(0.5).max(72).default(12),
  })
  .prefault({});

const cronSchedule = z
  .string()
  .regex(/^(\S+\s+){4}\S+$/, "expected a cron schedule with five fields, such as \"0 3 * * 1\" (03:00 every Monday)");

const metricTarget = z.number().min(0).max(1);

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
  targets: z
    .strictObject({
      function_name_accuracy: metricTarget.optional(),
      function_name_and_args_accuracy: metricTarget.optional(),
      tool_calling_correctness: metricTarget.optional(),
      similarity: metricTarget.optional(),
    })
    .refine((t) => Object.keys(t).length > 0, "must set at least one target, or no candidate can ever be promotable"),
  /** Curation settings passed to the job (see flywheel-job/README.md); job defaults when unset. */
  data: z
    .strictObject({
      limit: z.int().min(1).optional(),
      evalSize: z.int().min(1).optional(),
      valRatio: z.number().min(0).max(0.5).optional(),
      minTotalRecords: z.int().min(1).optional(),
      maxToolProperties: z.int().min(1).optional(),
      /** Bounds on one log record (depth, bytes, messages, tools, schema properties, tool calls); the job's own schema and defaults. */
      limits: dataLimitsSchema.optional(),
    })
    .optional(),
  /** In-context example selection, passed to the job; job defaults when unset. */
  icl: z
    .strictObject({
      selection: z.enum(["uniform", "semantic"]).optional(),
      maxExamples: z.int().min(1).max(32).optional(),
    })
    .optional(),
});

export const workloadsSchema = z.array(workload).default([]);

export type WorkloadSettings = z.infer<typeof workload>;
