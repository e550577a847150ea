import { iclExamplePoolBounds } from "../curation/icl/icl-example-pool";
import { dataSplitConfigKeys } from "./job-request";
import { maxPageSize } from "./list-query";
import { type BlueprintDeploymentStatus, blueprintJobStatuses, extraFieldKeys } from "./blueprint-shapes";
import { maxBodyBytes } from "./request-body";
import { apiRoutes } from "./routes";

/**
 * `GET /api/openapi.json`: OpenAPI 3.1 of exactly what the service implements. The blueprint's
 * shapes keep the blueprint's schema names (data-flywheel-openapi.json), so a client generated from
 * either reads the other's answers; every object says `additionalProperties: false`, so an answer
 * with a field this document does not name is invalid (the tests validate every answer with it).
 * This project's additions are marked in their descriptions.
 */

type Schema = Readonly<Record<string, unknown>>;

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const nullable = (schema: Schema): Schema => ({ anyOf: [schema, { type: "null" }] });
const dateTime: Schema = { type: "string", format: "date-time" };
const nullableString = nullable({ type: "string" });

function object(properties: Record<string, Schema>, required: readonly string[], description?: string): Schema {
  return { type: "object", properties, required, additionalProperties: false, ...(description ? { description } : {}) };
}

const schemas: Record<string, Schema> = {
  DeploymentStatus: { type: "string", enum: ["created", "pending", "running", "cancelled", "cancelling", "failed", "completed", "ready", "unknown"] satisfies BlueprintDeploymentStatus[] },
  NIMRunStatus: { type: "string", enum: ["pending", "deploying-nim", "running-evals", "cancelled", "completed", "failed"] },
  JobStatus: { type: "string", enum: blueprintJobStatuses, description: "This project's name for the blueprint's job status words; `queued` is a run recorded but not yet started by its Job." },
  Dataset: object({ name: { type: "string" }, num_records: { type: "integer", minimum: 0 }, nmp_uri: nullableString }, ["name", "num_records"]),
  JobListItem: object(
    {
      id: { type: "string" },
      workload_id: { type: "string" },
      client_id: nullableString,
      status: ref("JobStatus"),
      started_at: dateTime,
      finished_at: nullable(dateTime),
      datasets: { type: "array", items: ref("Dataset") },
      error: nullableString,
    },
    ["id", "workload_id", "status", "started_at"],
  ),
  JobsListResponse: object(
    {
      jobs: { type: "array", items: ref("JobListItem"), maxItems: maxPageSize },
      next_cursor: { type: "string", description: "This project's: present when more runs follow; pass it as `cursor` for the next page." },
    },
    ["jobs"],
  ),
  Evaluation: object(
    {
      eval_type: { type: "string" },
      scores: { type: "object", additionalProperties: { type: "number" } },
      started_at: dateTime,
      finished_at: nullable(dateTime),
      runtime_seconds: { type: "number", minimum: 0 },
      progress: { type: "number", minimum: 0, maximum: 100 },
      nmp_uri: nullableString,
      mlflow_uri: { ...nullableString, description: "The evaluation's run in MLflow, once it was logged there (null without MLflow)." },
      error: nullableString,
    },
    ["eval_type", "started_at", "runtime_seconds", "progress"],
  ),
  Customization: object(
    {
      started_at: dateTime,
      finished_at: nullable(dateTime),
      runtime_seconds: { type: "number", minimum: 0 },
      progress: { type: "number", minimum: 0, maximum: 100 },
      epochs_completed: { type: "integer", minimum: 0 },
      steps_completed: { type: "integer", minimum: 0 },
      nmp_uri: nullableString,
      customized_model: nullableString,
      error: nullableString,
    },
    ["started_at", "runtime_seconds", "progress", "epochs_completed", "steps_completed"],
  ),
  NIMResponse: object(
    {
      model_name: { type: "string" },
      status: ref("NIMRunStatus"),
      deployment_status: ref("DeploymentStatus"),
      runtime_seconds: { type: "number", minimum: 0 },
      evaluations: { type: "array", items: ref("Evaluation") },
      customizations: { type: "array", items: ref("Customization") },
      error: nullableString,
    },
    ["model_name", "status", "deployment_status", "runtime_seconds"],
  ),
  LLMJudgeResponse: object({ model_name: { type: "string" }, type: { type: "string" }, deployment_status: ref("DeploymentStatus"), error: nullableString }, ["model_name", "type", "deployment_status"]),
  JobDetailResponse: object(
    {
      id: { type: "string" },
      workload_id: { type: "string" },
      client_id: { type: "string" },
      status: ref("JobStatus"),
      started_at: dateTime,
      finished_at: nullable(dateTime),
      num_records: { type: "integer", minimum: 0 },
      llm_judge: nullable(ref("LLMJudgeResponse")),
      nims: { type: "array", items: ref("NIMResponse") },
      datasets: { type: "array", items: ref("Dataset") },
      error: nullableString,
      [extraFieldKeys.report]: { type: ["object", "null"], description: "This project's: the run's report (flywheel-job/README.md, \"Evaluation and the report\"), null until the run has one." },
      [extraFieldKeys.dropCounts]: { type: ["object", "null"], additionalProperties: { type: "integer", minimum: 0 }, description: "This project's: records dropped by curation, by reason." },
      [extraFieldKeys.seed]: { type: "integer", minimum: 0, description: "This project's: the seed of the run's sample and split; absent while the run is queued." },
    },
    ["id", "workload_id", "client_id", "status", "started_at", "num_records"],
  ),
  DataSplitConfig: object(
    {
      eval_size: { type: "integer", minimum: 1, description: "→ data.evalSize" },
      val_ratio: { type: "number", minimum: 0, maximum: 0.5, description: "→ data.valRatio" },
      min_total_records: { type: "integer", minimum: 1, description: "→ data.minTotalRecords" },
      random_seed: { anyOf: [{ type: "integer", minimum: 0, maximum: 0xffffffff }, { type: "null" }], description: "→ data.seed; null keeps the workload's" },
      limit: { type: "integer", minimum: 1, maximum: 1_000_000, description: "→ data.limit" },
    },
    [],
    `Overrides of the workload's data settings for this run only; a key left out keeps the workload's value. Supported keys: ${Object.keys(dataSplitConfigKeys).join(", ")}; any other (the blueprint's parse_function_arguments too) is refused with 422.`,
  ),
  JobRequest: object({ workload_id: { type: "string", minLength: 1, maxLength: 256 }, client_id: { type: "string", minLength: 1, maxLength: 256 }, data_split_config: nullable(ref("DataSplitConfig")) }, ["workload_id", "client_id"]),
  JobResponse: object({ id: { type: "string" }, status: { type: "string", enum: ["queued"] }, message: { type: "string" } }, ["id", "status", "message"]),
  JobCancelResponse: object({ id: { type: "string" }, message: { type: "string" } }, ["id", "message"]),
  JobDeleteResponse: object({ id: { type: "string" }, message: { type: "string" } }, ["id", "message"]),
  ValidationError: object({ loc: { type: "array", items: { anyOf: [{ type: "string" }, { type: "integer" }] } }, msg: { type: "string" }, type: { type: "string" } }, ["loc", "msg", "type"]),
  HTTPValidationError: object({ detail: { type: "array", items: ref("ValidationError") } }, ["detail"]),
  ErrorDetail: object({ detail: { type: "string" } }, ["detail"], "This project's: the blueprint's error answers other than 422 (FastAPI's HTTPException)."),
  WorkloadRun: object({ id: { type: "string" }, status: ref("JobStatus"), started_at: dateTime }, ["id", "status", "started_at"]),
  Workload: object(
    {
      workload_id: { type: "string" },
      client_id: { type: "string" },
      cron_job: { type: "string", description: "Name of the CronJob that runs it" },
      schedule: { type: "string", description: "Cron schedule, five fields" },
      time_zone: nullable({ type: "string" }),
      suspended: { type: "boolean" },
      next_run_at: nullable(dateTime),
      last_run: nullable(ref("WorkloadRun")),
    },
    ["workload_id", "client_id", "cron_job", "schedule", "time_zone", "suspended", "next_run_at", "last_run"],
  ),
  WorkloadsResponse: object({ workloads: { type: "array", items: ref("Workload") } }, ["workloads"], "This project's: the workloads the stack schedules."),
  Status: object({ status: { type: "string" } }, ["status"]),
  IclExample: object(
    {
      rank: { type: "integer", minimum: 1, description: "1 for the example shown most often" },
      uses: { type: "integer", minimum: 1, description: "Evaluation records it was shown to" },
      request: { type: "object", description: "The example's OpenAI chat-completions request as the ICL dataset sends one (tool-call arguments as JSON strings)" },
      response: { type: "object", description: "The response production logged for it: the answer the example teaches" },
    },
    ["rank", "uses", "request", "response"],
  ),
  IclExamplePool: object(
    {
      selection: { type: "string", enum: ["uniform", "semantic"], description: "The run's icl.selection" },
      max_examples_per_record: { type: "integer", minimum: 1, description: "The run's icl.maxExamples" },
      examples_per_record: { type: "array", items: { type: "integer", minimum: 0 }, description: "How many evaluation records got 0, 1, 2, … examples" },
      instruction: { type: "string", description: "The text the ICL evaluation put before the examples in the system message" },
      distinct_examples: { type: "integer", minimum: 0, description: "Distinct examples the ICL evaluation showed, kept or not" },
      omitted: object({ over_count: { type: "integer", minimum: 0 }, over_bytes: { type: "integer", minimum: 0 } }, ["over_count", "over_bytes"], "Examples shown but not kept: beyond the count bound, or larger than the byte bound"),
      bounds: object({ max_examples: { type: "integer", minimum: 1 }, max_example_bytes: { type: "integer", minimum: 1 } }, ["max_examples", "max_example_bytes"]),
    },
    ["selection", "max_examples_per_record", "examples_per_record", "instruction", "distinct_examples", "omitted", "bounds"],
  ),
  IclExamplesResponse: object(
    {
      job_id: { type: "string" },
      status: ref("JobStatus"),
      icl: nullable(ref("IclExamplePool")),
      examples: { type: "array", items: ref("IclExample"), maxItems: iclExamplePoolBounds.maxExamples },
      message: { type: "string", description: "Present when `examples` is empty: why the run has none" },
    },
    ["job_id", "status", "icl", "examples"],
    "This project's: the in-context examples a run's ICL evaluation showed, most used first; `icl` is null when the run recorded none.",
  ),
};

const json = (schema: Schema): Schema => ({ content: { "application/json": { schema } } });
const error = (description: string): Schema => ({ description, ...json(ref("ErrorDetail")) });

const unauthenticated = { 401: error("No usable bearer token"), 403: error("A token that is not the service's, or a read token where the operator token is needed") };
const jobId = [{ name: "job_id", in: "path", required: true, schema: { type: "string", pattern: "^[0-9a-f]{24}$" } }];
const byId = { 400: error("Not an id (24 hexadecimal digits)"), 404: error("No such job") };
const unavailable = { 502: error("The Kubernetes API refused the request"), 503: error("No cluster, or the Kubernetes API did not answer") };
const answer = (description: string, schema: Schema): Schema => ({ description, ...json(schema) });
const operatorOnly = [{ bearer: [] }];

/** The document `GET /api/openapi.json` serves. */
export function openApiDocument(version: string): Schema {
  return {
    openapi: "3.1.0",
    info: { title: "Data Flywheel API", version, description: "NVIDIA Data Flywheel blueprint's REST API with bearer authentication, on-demand runs of the configured workloads and paging." },
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "The read-only token, or the operator token (which alone may start, cancel and delete)" } },
      schemas,
    },
    security: [{ bearer: [] }],
    paths: {
      [apiRoutes.jobs]: {
        get: {
          operationId: "get_jobs",
          summary: "List runs, newest first",
          parameters: [
            { name: "workload_id", in: "query", schema: { type: "string" } },
            { name: "client_id", in: "query", schema: { type: "string" } },
            { name: "status", in: "query", schema: ref("JobStatus") },
            { name: "limit", in: "query", schema: { type: "integer", minimum: 1, maximum: maxPageSize, default: maxPageSize } },
            { name: "cursor", in: "query", schema: { type: "string" }, description: "`next_cursor` of the previous page" },
          ],
          responses: { 200: answer("A page of runs", ref("JobsListResponse")), 400: error("A cursor this service did not issue"), ...unauthenticated, 422: answer("An unknown, repeated or invalid parameter", ref("HTTPValidationError")) },
        },
        post: {
          operationId: "create_job",
          summary: "Start an on-demand run of a configured workload (operator token)",
          security: operatorOnly,
          requestBody: { required: true, content: { "application/json": { schema: ref("JobRequest") } } },
          responses: {
            200: answer("Recorded as queued; its Job is created", ref("JobResponse")),
            400: error("Malformed JSON"),
            ...unauthenticated,
            404: error("No CronJob runs this workload and client"),
            409: error("A run of this workload and client is queued or running"),
            413: error(`A body over ${maxBodyBytes} bytes`),
            422: answer("An unknown, missing or invalid field", ref("HTTPValidationError")),
            500: error("The workload's CronJob cannot start a run"),
            ...unavailable,
          },
        },
      },
      [apiRoutes.job]: {
        parameters: jobId,
        get: { operationId: "get_job", summary: "A run in detail", responses: { 200: answer("The run", ref("JobDetailResponse")), ...byId, ...unauthenticated } },
        delete: {
          operationId: "delete_job",
          summary: "Delete a finished run: its datasets and fine-tuned models in NeMo, then its records (operator token)",
          security: operatorOnly,
          responses: {
            200: answer("Deleted", ref("JobDeleteResponse")),
            400: error("Not an id, or the run has not finished"),
            ...unauthenticated,
            404: byId[404],
            502: error("NeMo did not delete a dataset or model"),
            503: error("NeMo's URLs are not configured, or NeMo did not answer"),
          },
        },
      },
      [apiRoutes.cancel]: {
        parameters: jobId,
        post: {
          operationId: "cancel_job",
          summary: "Cancel a queued or running run (operator token)",
          security: operatorOnly,
          responses: { 200: answer("Cancelling", ref("JobCancelResponse")), 400: error("Not an id, or the run has already finished"), ...unauthenticated, 404: byId[404] },
        },
      },
      [apiRoutes.iclExamples]: {
        parameters: jobId,
        get: {
          operationId: "get_job_icl_examples",
          summary: `This project's: the in-context examples of a run's ICL evaluation, at most ${iclExamplePoolBounds.maxExamples} of at most ${iclExamplePoolBounds.maxExampleBytes} bytes each, for applications that never reach Data Store`,
          responses: { 200: answer("The run's examples; an empty list with a message when it has none", ref("IclExamplesResponse")), ...byId, ...unauthenticated },
        },
      },
      [apiRoutes.workloads]: {
        get: {
          operationId: "get_workloads",
          summary: "The workloads the stack schedules, their next scheduled time and last run",
          responses: { 200: answer("The workloads", ref("WorkloadsResponse")), ...unauthenticated, ...unavailable },
        },
      },
      [apiRoutes.openApi]: { get: { operationId: "get_openapi", summary: "This document", responses: { 200: { description: "OpenAPI 3.1", content: { "application/json": { schema: { type: "object" } } } }, ...unauthenticated } } },
      [apiRoutes.health]: { get: { operationId: "health", summary: "200 while the process answers", security: [], responses: { 200: answer("Alive", ref("Status")) } } },
      [apiRoutes.ready]: { get: { operationId: "ready", summary: "200 while the run store answers a read", security: [], responses: { 200: answer("Ready", ref("Status")), 503: error("The store does not answer") } } },
      [apiRoutes.metrics]: { get: { operationId: "metrics", summary: "Prometheus metrics", security: [], responses: { 200: { description: "Prometheus text format", content: { "text/plain": { schema: { type: "string" } } } } } } },
    },
  };
}
