import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { messageOf } from "../errors";
import { ServiceUnavailableError } from "../http/service-client";
import { listen } from "../http/listen";
import { ScheduleApiError, type WorkloadSchedules } from "../kubernetes/workload-schedules";
import type { RunLog } from "../log";
import { packageVersion } from "../package-version";
import type { PublishedArtifacts } from "../platform/model-platform";
import { recordIdPattern } from "../store/ids";
import { isFinishedRun, type RunStore } from "../store/run-store";
import { type Answer, detail, failure, invalid, ok } from "./answer";
import { ApiMetrics } from "./api-metrics";
import { type ApiTokens, authenticate, type Role } from "./bearer-auth";
import { jobDetailResponse, jobsListResponse } from "./blueprint-shapes";
import { flywheelApiService } from "./flywheel-api-service";
import { iclExamplesResponse } from "./icl-examples-response";
import { parseJobRequest } from "./job-request";
import { parseRunListQuery } from "./list-query";
import { openApiDocument } from "./openapi-document";
import { readJsonBody } from "./request-body";
import { deleteRunEverywhere } from "./run-deletion";
import { type ApiRoute, apiRoutes, isApiPath, matchRoute, unmatchedRoute } from "./routes";
import { startStalePendingSweep } from "./stale-pending-sweep";
import { needsTheCluster, RunStarter } from "./start-run";
import { workloadsResponse } from "./workloads-response";
import { matchUiRoute } from "../ui/ui-paths";
import { serveUi } from "../ui/ui-routes";

export interface ApiServerSettings {
  readonly store: RunStore;
  readonly tokens: ApiTokens;
  /** Port to listen on; 0 picks a free one. */
  readonly port: number;
  /** Address to listen on; all interfaces when not given (the Service reaches the pod by its IP). */
  readonly host?: string;
  readonly log: RunLog;
  /** The flywheel CronJobs; without them (no cluster) starting runs and listing workloads answer 503. */
  readonly schedules?: WorkloadSchedules;
  /** Where runs published datasets and models, for DELETE; without it deleting a run that has some answers 503. */
  readonly artifacts?: PublishedArtifacts;
  /** How long a run this service recorded may wait for its Job. @default flywheelApiService.defaultStartTimeoutMinutes */
  readonly startTimeoutMinutes?: number;
  /** Version the OpenAPI document states. @default this package's */
  readonly version?: string;
  /** The time a running part's runtime is counted to; injectable for tests. */
  readonly now?: () => Date;
}

/** What a request needs: the settings, with the defaults applied, and the service's parts. */
interface Service extends Required<Pick<ApiServerSettings, "store" | "tokens" | "log" | "now" | "startTimeoutMinutes">> {
  readonly settings: ApiServerSettings;
  readonly metrics: ApiMetrics;
  readonly starter: RunStarter;
  readonly document: unknown;
}

type Handler = (request: IncomingMessage, service: Service, id: string) => Promise<Answer>;

/** Who may call an endpoint: anyone (probes, metrics), a read token, or only the operator token. */
type Access = "anyone" | Role;

interface Endpoint {
  readonly access: Access;
  readonly handle: Handler;
}

/**
 * `flywheel serve`: the blueprint's REST API over the run store, with bearer authentication on
 * `/api/*`, on-demand runs through the cluster's CronJobs, `/healthz` (the process answers),
 * `/readyz` (the store answers) and `/metrics`, and the review UI at `/` (src/ui) for every other path
 * outside `/api`, behind a session cookie that `/api/*` never accepts.
 */
export class ApiServer {
  private constructor(
    private readonly server: Server,
    /** `http://host:port` of the listening socket. */
    readonly url: string,
    private readonly sweep: { stop(): void },
  ) {}

  static async start(settings: ApiServerSettings): Promise<ApiServer> {
    const now = settings.now ?? (() => new Date());
    const startTimeoutMinutes = settings.startTimeoutMinutes ?? flywheelApiService.defaultStartTimeoutMinutes;
    const service: Service = {
      settings,
      store: settings.store,
      tokens: settings.tokens,
      log: settings.log,
      now,
      startTimeoutMinutes,
      metrics: new ApiMetrics(),
      starter: new RunStarter({ store: settings.store, schedules: settings.schedules, startTimeoutMinutes, log: settings.log, now }),
      document: openApiDocument(settings.version ?? packageVersion()),
    };
    const server = createServer((request, response) => {
      void handle(request, response, service);
    });
    const url = await listen(server, settings.port, settings.host);
    return new ApiServer(server, url, startStalePendingSweep(settings.store, startTimeoutMinutes, now, settings.log));
  }

  /** Stops accepting connections, lets the requests in flight finish, then closes the idle connections. */
  async stop(): Promise<void> {
    this.sweep.stop();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    await closed;
  }
}

const endpoints: Readonly<Record<ApiRoute, Readonly<Partial<Record<string, Endpoint>>>>> = {
  [apiRoutes.jobs]: { GET: { access: "read", handle: listJobs }, POST: { access: "operator", handle: createJob } },
  [apiRoutes.job]: { GET: { access: "read", handle: showJob }, DELETE: { access: "operator", handle: deleteJob } },
  [apiRoutes.cancel]: { POST: { access: "operator", handle: cancelJob } },
  [apiRoutes.iclExamples]: { GET: { access: "read", handle: showIclExamples } },
  [apiRoutes.workloads]: { GET: { access: "read", handle: listWorkloads } },
  [apiRoutes.openApi]: { GET: { access: "read", handle: (_, service) => Promise.resolve(ok(service.document)) } },
  [apiRoutes.health]: { GET: { access: "anyone", handle: () => Promise.resolve(ok({ status: "ok" })) } },
  [apiRoutes.ready]: { GET: { access: "anyone", handle: (_, service) => ready(service) } },
  [apiRoutes.metrics]: { GET: { access: "anyone", handle: metrics } },
};

async function handle(request: IncomingMessage, response: ServerResponse, service: Service): Promise<void> {
  const started = process.hrtime.bigint();
  const path = new URL(request.url ?? "/", "http://localhost").pathname;
  const matched = matchRoute(path);
  const page = matched === undefined && !isApiPath(path) ? matchUiRoute(path) : undefined;
  let answer: Answer;
  try {
    answer = page === undefined ? await route(request, service, matched?.route, matched?.id ?? "") : await serveUi(request, service, page);
  } catch (error) {
    // The reason goes to the log only: a store error may name hosts or files.
    answer = failure(500, "internal error", messageOf(error));
  }
  if (answer.text !== undefined) {
    response.writeHead(answer.status, { "content-type": answer.text.contentType, "content-length": Buffer.byteLength(answer.text.content), ...answer.headers });
    response.end(answer.text.content);
  } else {
    const body = JSON.stringify(answer.body);
    response.writeHead(answer.status, { "content-type": "application/json", "content-length": Buffer.byteLength(body), ...answer.headers });
    response.end(body);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  service.metrics.observe(matched?.route ?? page?.route ?? unmatchedRoute, request.method, answer.status, seconds);
  const line = `${request.method ?? "?"} ${path.slice(0, 100)} ${answer.status} ${Math.round(seconds * 1000)} ms`;
  // A client's mistake is not the service's: 4xx are information, only 5xx are warnings.
  if (answer.status >= 500) {
    service.log.warn(`${line}: ${answer.reason ?? "no reason given"}`);
  } else {
    service.log.info(line);
  }
}

async function route(request: IncomingMessage, service: Service, matched: ApiRoute | undefined, id: string): Promise<Answer> {
  if (matched === undefined) {
    return detail(404, "Not Found");
  }
  const methods = endpoints[matched];
  const method = request.method === "HEAD" ? "GET" : (request.method ?? "");
  const endpoint = Object.hasOwn(methods, method) ? methods[method] : undefined;
  if (endpoint === undefined) {
    return detail(405, "Method Not Allowed", { allow: Object.keys(methods).join(", ") });
  }
  if (endpoint.access !== "anyone") {
    const auth = authenticate(request.headers.authorization, service.tokens);
    if ("refused" in auth) {
      return auth.refused === 401 ? detail(401, "Not authenticated", { "www-authenticate": "Bearer" }) : detail(403, "Forbidden");
    }
    if (endpoint.access === "operator" && auth.role !== "operator") {
      return detail(403, "Forbidden");
    }
  }
  if (matched === apiRoutes.job || matched === apiRoutes.cancel || matched === apiRoutes.iclExamples) {
    if (!recordIdPattern.test(id)) {
      return detail(400, "Invalid job_id format");
    }
  }
  return endpoint.handle(request, service, id);
}

function notFound(id: string): Answer {
  return detail(404, `Job with ID ${id} not found`);
}

async function listJobs(request: IncomingMessage, service: Service): Promise<Answer> {
  const parsed = parseRunListQuery(new URL(request.url ?? "/", "http://localhost").searchParams);
  if ("refused" in parsed) {
    return parsed.refused;
  }
  const page = await service.store.listRunsPage(parsed.query);
  return ok(jobsListResponse(page.runs, page.next));
}

async function showJob(_: IncomingMessage, service: Service, id: string): Promise<Answer> {
  const details = await service.store.details(id);
  return details === undefined ? notFound(id) : ok(jobDetailResponse(details, service.now()));
}

async function showIclExamples(_: IncomingMessage, service: Service, id: string): Promise<Answer> {
  const run = await service.store.getRun(id);
  return run === undefined ? notFound(id) : ok(iclExamplesResponse(run, await service.store.iclExamplePool(id)));
}

async function createJob(request: IncomingMessage, service: Service): Promise<Answer> {
  const body = await readJsonBody(request);
  if ("refused" in body) {
    return body.refused;
  }
  const parsed = parseJobRequest(body.json);
  if ("issues" in parsed) {
    return invalid(parsed.issues);
  }
  return service.starter.start(parsed.request);
}

async function cancelJob(_: IncomingMessage, service: Service, id: string): Promise<Answer> {
  const result = await service.store.requestCancel(id);
  if (result === undefined) {
    return notFound(id);
  }
  if (!result.changed) {
    return detail(400, `Job ${id} has already finished (${result.run.status}) and cannot be cancelled`);
  }
  return ok({ id, message: "Job cancellation initiated: the run stops at its next check, deletes its deployments and cancels its jobs." });
}

async function deleteJob(_: IncomingMessage, service: Service, id: string): Promise<Answer> {
  const details = await service.store.details(id);
  if (details === undefined) {
    return notFound(id);
  }
  if (!isFinishedRun(details.run)) {
    return detail(400, `Job ${id} is ${details.run.status === "pending" ? "queued" : details.run.status} and has not finished; cancel it (POST /api/jobs/${id}/cancel) and wait until it has cleaned up`);
  }
  const published = details.run.datasets.length > 0 || details.customizations.some((c) => c.customized_model);
  const artifacts = service.settings.artifacts;
  if (published && artifacts === undefined) {
    return failure(503, "the run has datasets or models in NeMo, and this service has no NeMo URLs", "DELETE needs NEMO_BASE_URL (or NEMO_DATA_STORE_URL and NEMO_ENTITY_STORE_URL) in the service's environment");
  }
  try {
    await deleteRunEverywhere(details, artifacts ?? nothingPublished, service.store, AbortSignal.timeout(5 * 60_000), (artifact) =>
      service.log.info(`DELETE run ${id}: ${artifact.kind} ${artifact.name} ${artifact.deleted ? "deleted" : "already gone"}`),
    );
  } catch (error) {
    if (error instanceof ServiceUnavailableError) {
      return failure(503, "NeMo did not answer while deleting the run's datasets or models; try again", messageOf(error));
    }
    return failure(502, "NeMo did not delete the run's datasets or models; try again", messageOf(error));
  }
  return ok({ id, message: "Job deleted: its datasets, customized models and records are removed." });
}

/** For a run that published nothing: never called. */
const nothingPublished: PublishedArtifacts = {
  describeDataset: (dataset) => dataset.name,
  deleteDataset: () => Promise.reject(new Error("no NeMo URLs")),
  deleteAdapter: () => Promise.reject(new Error("no NeMo URLs")),
};

async function listWorkloads(_: IncomingMessage, service: Service): Promise<Answer> {
  const schedules = service.settings.schedules;
  if (schedules === undefined) {
    return needsTheCluster();
  }
  let listed;
  try {
    listed = await schedules.list(AbortSignal.timeout(60_000));
  } catch (error) {
    if (error instanceof ScheduleApiError) {
      return error.kind === "refused"
        ? failure(502, "the Kubernetes API refused to list the flywheel CronJobs", error.message)
        : failure(503, "the Kubernetes API did not answer while listing the flywheel CronJobs", error.message);
    }
    throw error;
  }
  const items = await Promise.all(
    listed.map(async (schedule) => {
      const [lastRun] = await service.store.listRuns({ workloadId: schedule.workloadId, clientId: schedule.clientId, limit: 1 });
      return { schedule, lastRun };
    }),
  );
  return ok(workloadsResponse(items, service.now()));
}

async function metrics(_: IncomingMessage, service: Service): Promise<Answer> {
  return { status: 200, body: undefined, text: { contentType: service.metrics.contentType, content: await service.metrics.text() } };
}

/** Ready when the store answers a read; the reason it does not goes to the log, not to the prober. */
async function ready(service: Service): Promise<Answer> {
  try {
    await service.store.listRuns({ limit: 1 });
    return ok({ status: "ready" });
  } catch (error) {
    return failure(503, "not ready", messageOf(error));
  }
}
