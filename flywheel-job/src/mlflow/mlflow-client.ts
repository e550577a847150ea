import { ServiceClient, type ServiceClientSettings, type ServiceResponse } from "../http/service-client";

/**
 * MLflow's REST API (`/api/2.0/mlflow/`), the five calls the job makes, through the job's
 * ServiceClient: each attempt timed out, 5xx, 429 and connection errors retried with backoff, a 4xx
 * an error naming the call and MLflow's answer.
 */

/**
 * What one `runs/log-batch` request may hold, MLflow's `MAX_*` constants of
 * `mlflow/utils/validation.py` (the REST API's "Request Limits" of Log Batch): more is refused with
 * INVALID_PARAMETER_VALUE. Longer values and keys are refused too, or cut by some versions: the job
 * cuts them itself.
 */
export const mlflowLimits = {
  metricsPerBatch: 1000,
  paramsPerBatch: 100,
  tagsPerBatch: 100,
  entitiesPerBatch: 1000,
  paramValueLength: 6000,
  tagValueLength: 8000,
  keyLength: 250,
  experimentNameLength: 500,
} as const;

export interface MlflowMetric {
  readonly key: string;
  readonly value: number;
  /** Milliseconds since the Unix epoch. */
  readonly timestamp: number;
  readonly step: number;
}

export interface MlflowEntry {
  readonly key: string;
  readonly value: string;
}

export interface MlflowBatch {
  readonly metrics: readonly MlflowMetric[];
  readonly params: readonly MlflowEntry[];
  readonly tags: readonly MlflowEntry[];
}

/** How an MLflow run ended, in MLflow's words. */
export type MlflowRunStatus = "FINISHED" | "FAILED" | "KILLED";

/** An experiment or run id as MLflow's own validation accepts one: it goes into the run's URL. */
const mlflowId = /^[A-Za-z0-9][\w-]{0,255}$/;

export class MlflowClient {
  private readonly api: string;
  private readonly http: ServiceClient;
  /** For `runs/create`, which is not idempotent: a retry after a lost answer would make a second run. */
  private readonly once: ServiceClient;
  /** MLflow's basic auth (`mlflow server --app-name basic-auth`), from the URL's user and password: fetch refuses a URL holding them. */
  private readonly headers: Readonly<Record<string, string>>;

  /**
   * `baseUrl` is the tracking server's root (FLYWHEEL_MLFLOW_URL), e.g.
   * `http://mlflow.nemo.svc.cluster.local:80`; a user and password in it are sent as basic auth,
   * and never appear in a request's URL or an error.
   */
  constructor(baseUrl: string, settings: ServiceClientSettings) {
    const url = new URL(baseUrl);
    const credentials = url.username === "" ? undefined : `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    this.headers = credentials === undefined ? {} : { authorization: `Basic ${Buffer.from(credentials, "utf8").toString("base64")}` };
    this.api = `${url.origin}${url.pathname.replace(/\/+$/, "")}/api/2.0/mlflow`;
    this.http = new ServiceClient(settings);
    this.once = new ServiceClient({ ...settings, retries: 0 });
  }

  /**
   * The id of the experiment named `name`, created when there is none. Of two runs creating it at
   * once one gets RESOURCE_ALREADY_EXISTS, and reads the other's.
   */
  async experimentId(name: string, signal: AbortSignal): Promise<string> {
    const existing = await this.experimentByName(name, signal);
    if (existing !== undefined) {
      return existing;
    }
    const created = await this.call("create the experiment", "experiments/create", { name }, signal, [400, 409]);
    if (created.status !== 200) {
      if (errorCode(created.body) !== "RESOURCE_ALREADY_EXISTS") {
        throw new Error(`MLflow refused to create experiment ${JSON.stringify(name)}: HTTP ${created.status}: ${created.excerpt}`);
      }
      const raced = await this.experimentByName(name, signal);
      if (raced === undefined) {
        throw new Error(`MLflow says experiment ${JSON.stringify(name)} exists but does not find it by its name`);
      }
      return raced;
    }
    return idAt(created.body, ["experiment_id"], "experiments/create");
  }

  /** Creates a run of the experiment; returns its id. */
  async createRun(experimentId: string, run: { readonly name: string; readonly startTime: number; readonly tags: readonly MlflowEntry[] }, signal: AbortSignal): Promise<string> {
    const response = await this.call("create a run", "runs/create", { experiment_id: experimentId, run_name: run.name, start_time: run.startTime, tags: run.tags }, signal, undefined, this.once);
    return idAt(response.body, ["run", "info", "run_id"], "runs/create");
  }

  /** Logs `batch` to the run in as many `runs/log-batch` requests as MLflow's limits need, params and tags first. */
  async logBatch(runId: string, batch: MlflowBatch, signal: AbortSignal): Promise<void> {
    for (const chunk of batchChunks(batch)) {
      await this.call("log a batch", "runs/log-batch", { run_id: runId, ...chunk }, signal);
    }
  }

  /** Ends the run. */
  async endRun(runId: string, status: MlflowRunStatus, endTime: number, signal: AbortSignal): Promise<void> {
    await this.call("end the run", "runs/update", { run_id: runId, status, end_time: endTime }, signal);
  }

  private async experimentByName(name: string, signal: AbortSignal): Promise<string | undefined> {
    const response = await this.http.call({
      service: "MLflow",
      action: "find the experiment",
      method: "GET",
      url: `${this.api}/experiments/get-by-name?${new URLSearchParams({ experiment_name: name }).toString()}`,
      accept: [404],
      headers: this.headers,
      signal,
    });
    if (response.status === 404) {
      return undefined;
    }
    const id = idAt(response.body, ["experiment", "experiment_id"], "experiments/get-by-name");
    // A deleted experiment keeps its name until `mlflow gc`, and takes no new run.
    const stage = (response.body as { experiment?: { lifecycle_stage?: unknown } }).experiment?.lifecycle_stage;
    if (typeof stage === "string" && stage !== "active") {
      throw new Error(
        `MLflow's experiment ${JSON.stringify(name)} (id ${id}) is ${JSON.stringify(stage)}, and takes no new run: restore it (\`mlflow experiments restore --experiment-id ${id}\`), or remove it for good (\`mlflow gc\`) for the next run to create it again`,
      );
    }
    return id;
  }

  private call(action: string, path: string, json: unknown, signal: AbortSignal, accept?: readonly number[], client = this.http): Promise<ServiceResponse> {
    return client.call({ service: "MLflow", action, method: "POST", url: `${this.api}/${path}`, json, headers: this.headers, signal, ...(accept === undefined ? {} : { accept }) });
  }
}

/**
 * `batch` cut into requests within MLflow's limits: params and tags go first (MLflow refuses a
 * metric's key no more than a param's, but a run's params describe it), then metrics fill each
 * request up to the per-type and total limits.
 */
export function batchChunks(batch: MlflowBatch): MlflowBatch[] {
  const params = [...batch.params];
  const tags = [...batch.tags];
  const metrics = [...batch.metrics];
  const chunks: MlflowBatch[] = [];
  while (params.length > 0 || tags.length > 0 || metrics.length > 0) {
    const chunkParams = params.splice(0, mlflowLimits.paramsPerBatch);
    const chunkTags = tags.splice(0, mlflowLimits.tagsPerBatch);
    const room = Math.min(mlflowLimits.metricsPerBatch, mlflowLimits.entitiesPerBatch - chunkParams.length - chunkTags.length);
    chunks.push({ metrics: metrics.splice(0, room), params: chunkParams, tags: chunkTags });
  }
  return chunks;
}

function errorCode(body: unknown): string | undefined {
  const code = typeof body === "object" && body !== null && "error_code" in body ? body.error_code : undefined;
  return typeof code === "string" ? code : undefined;
}

/** The id at `path` of an answer, checked: an answer without one, or with one that is not an id, is an error naming the call. */
function idAt(body: unknown, path: readonly string[], call: string): string {
  let value: unknown = body;
  for (const key of path) {
    value = typeof value === "object" && value !== null ? (value as Record<string, unknown>)[key] : undefined;
  }
  if (typeof value !== "string" || !mlflowId.test(value)) {
    throw new Error(`MLflow's answer to ${call} has no usable ${path.join(".")}`);
  }
  return value;
}
