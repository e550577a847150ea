import { HttpStandIn, type Reply, type SeenRequest } from "./http-stand-in";

/**
 * A stand-in of the MLflow tracking server's REST endpoints the job calls (no MLflow server can be
 * installed where this project is tested): experiments and runs in memory, and `runs/log-batch`
 * refusing what MLflow's own validation refuses (its `MAX_*` limits, key syntax and lengths), with
 * MLflow's error shape, so a request the job should not send fails the test's run visibly.
 */

export interface StandInRun {
  readonly runId: string;
  readonly experimentId: string;
  readonly created: Record<string, unknown>;
  readonly batches: Record<string, unknown>[];
  readonly updates: Record<string, unknown>[];
}

const api = "/api/2.0/mlflow";
/** MLflow's `_VALID_PARAM_AND_METRIC_NAMES`. */
const validKey = /^[/\w.\- ]*$/;

export class MlflowStandIn {
  readonly http = new HttpStandIn();
  readonly experiments = new Map<string, string>();
  readonly runs = new Map<string, StandInRun>();
  /** Ids of experiments deleted (`lifecycle_stage: deleted`), which MLflow still finds by name. */
  readonly deletedExperiments = new Set<string>();
  /** Called before experiments/create is answered: a test creates the experiment there to race the job. */
  beforeCreate: (name: string) => void = () => undefined;
  /** Called when a run is created, before the answer. */
  onRunCreated: () => void | Promise<void> = () => undefined;
  private nextRun = 0;

  constructor() {
    this.http.route("GET", `${api}/experiments/get-by-name`, (request) => {
      const id = this.experiments.get(request.query.get("experiment_name") ?? "");
      return id === undefined
        ? mlflowError(404, "RESOURCE_DOES_NOT_EXIST", "Could not find experiment")
        : { status: 200, body: { experiment: { experiment_id: id, name: request.query.get("experiment_name"), lifecycle_stage: this.deletedExperiments.has(id) ? "deleted" : "active" } } };
    });
    this.http.route("POST", `${api}/experiments/create`, (request) => {
      const name = String(body(request).name);
      this.beforeCreate(name);
      if (this.experiments.has(name)) {
        return mlflowError(400, "RESOURCE_ALREADY_EXISTS", `Experiment '${name}' already exists.`);
      }
      const id = this.createExperiment(name);
      return { status: 200, body: { experiment_id: id } };
    });
    this.http.route("POST", `${api}/runs/create`, async (request) => {
      const created = body(request);
      const experimentId = String(created.experiment_id);
      if (![...this.experiments.values()].includes(experimentId)) {
        return mlflowError(404, "RESOURCE_DOES_NOT_EXIST", `No experiment ${experimentId}`);
      }
      this.nextRun += 1;
      const runId = this.nextRun.toString(16).padStart(32, "0");
      this.runs.set(runId, { runId, experimentId, created, batches: [], updates: [] });
      await this.onRunCreated();
      return { status: 200, body: { run: { info: { run_id: runId, experiment_id: experimentId, status: "RUNNING" }, data: {} } } };
    });
    this.http.route("POST", `${api}/runs/log-batch`, (request) => {
      const batch = body(request);
      const run = this.runs.get(String(batch.run_id));
      if (run === undefined) {
        return mlflowError(404, "RESOURCE_DOES_NOT_EXIST", "No such run");
      }
      const refusal = batchRefusal(batch);
      if (refusal !== undefined) {
        return mlflowError(400, "INVALID_PARAMETER_VALUE", refusal);
      }
      run.batches.push(batch);
      return { status: 200, body: {} };
    });
    this.http.route("POST", `${api}/runs/update`, (request) => {
      const update = body(request);
      const run = this.runs.get(String(update.run_id));
      if (run === undefined) {
        return mlflowError(404, "RESOURCE_DOES_NOT_EXIST", "No such run");
      }
      run.updates.push(update);
      return { status: 200, body: { run_info: { run_id: run.runId, status: update.status } } };
    });
  }

  get url(): string {
    return this.http.url;
  }

  start(): Promise<string> {
    return this.http.start();
  }

  stop(): Promise<void> {
    return this.http.stop();
  }

  createExperiment(name: string): string {
    const id = String(this.experiments.size + 1);
    this.experiments.set(name, id);
    return id;
  }

  /** The requests the job made, as `METHOD path` without the API prefix, in order. */
  calls(): string[] {
    return this.http.requests.map((request: SeenRequest) => `${request.method} ${request.path.replace(`${api}/`, "")}`);
  }
}

function body(request: SeenRequest): Record<string, unknown> {
  return typeof request.json === "object" && request.json !== null ? (request.json as Record<string, unknown>) : {};
}

function mlflowError(status: number, code: string, message: string): Reply {
  return { status, body: { error_code: code, message } };
}

function list(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? (value as Record<string, unknown>[]) : [];
}

/** What MLflow's `_validate_batch_log_limits` and `_validate_*` checks would refuse of a log-batch body. */
function batchRefusal(batch: Record<string, unknown>): string | undefined {
  const metrics = list(batch.metrics);
  const params = list(batch.params);
  const tags = list(batch.tags);
  if (metrics.length > 1000) return `A batch logging request can contain at most 1000 metrics. Got ${metrics.length} metrics.`;
  if (params.length > 100) return `A batch logging request can contain at most 100 params. Got ${params.length} params.`;
  if (tags.length > 100) return `A batch logging request can contain at most 100 tags. Got ${tags.length} tags.`;
  if (metrics.length + params.length + tags.length > 1000) return "A batch logging request can contain at most 1000 metrics, params, and tags in total.";
  for (const entity of [...metrics, ...params, ...tags]) {
    const key = entity.key;
    if (typeof key !== "string" || key.length > 250 || !validKey.test(key)) return `Invalid key ${JSON.stringify(key)}`;
  }
  for (const param of params) {
    if (typeof param.value !== "string" || param.value.length > 6000) return `Param value for ${String(param.key)} exceeds 6000 characters`;
  }
  for (const metric of metrics) {
    if (typeof metric.value !== "number" || !Number.isInteger(metric.timestamp) || !Number.isInteger(metric.step)) return `Invalid metric ${JSON.stringify(metric)}`;
  }
  return undefined;
}
