import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { messageOf } from "../errors";
import { listen } from "../http/listen";
import type { RunLog } from "../log";
import { recordIdPattern } from "../store/ids";
import type { RunStore } from "../store/run-store";
import { type ApiTokens, authenticate } from "./bearer-auth";
import { jobDetailResponse, jobsListResponse } from "./blueprint-shapes";

export interface ApiServerSettings {
  readonly store: RunStore;
  readonly tokens: ApiTokens;
  /** Port to listen on; 0 picks a free one. */
  readonly port: number;
  /** Address to listen on; all interfaces when not given (the Service reaches the pod by its IP). */
  readonly host?: string;
  readonly log: RunLog;
  /** The time a running part's runtime is counted to; injectable for tests. */
  readonly now?: () => Date;
}

/** An answer: a status and a JSON body. Errors carry the blueprint's `{detail}` and no more. */
interface Answer {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

const jobPath = /^\/api\/jobs\/([^/]+)$/;

function detail(status: number, text: string, headers?: Readonly<Record<string, string>>): Answer {
  return { status, body: { detail: text }, headers };
}

/**
 * `flywheel serve`: the blueprint's read endpoints over the run store, with bearer authentication on
 * `/api/*`, plus `/healthz` (the process answers) and `/readyz` (the store answers).
 */
export class ApiServer {
  private constructor(
    private readonly server: Server,
    /** `http://host:port` of the listening socket. */
    readonly url: string,
  ) {}

  static async start(settings: ApiServerSettings): Promise<ApiServer> {
    const server = createServer((request, response) => {
      void handle(request, response, settings);
    });
    return new ApiServer(server, await listen(server, settings.port, settings.host));
  }

  /** Stops accepting connections, lets the requests in flight finish, then closes the idle connections. */
  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    await closed;
  }
}

async function handle(request: IncomingMessage, response: ServerResponse, settings: ApiServerSettings): Promise<void> {
  const started = Date.now();
  let answer: Answer;
  try {
    answer = await route(request, settings);
  } catch (error) {
    // The reason goes to the log only: a store error may name hosts or files.
    settings.log.warn(`${request.method ?? "?"} ${(request.url ?? "").slice(0, 100)}: ${messageOf(error)}`);
    answer = detail(500, "internal error");
  }
  const body = JSON.stringify(answer.body);
  response.writeHead(answer.status, { "content-type": "application/json", "content-length": Buffer.byteLength(body), ...answer.headers });
  response.end(body);
  settings.log.info(`${request.method ?? "?"} ${(request.url ?? "").slice(0, 100)} ${answer.status} ${Date.now() - started} ms`);
}

async function route(request: IncomingMessage, settings: ApiServerSettings): Promise<Answer> {
  const path = new URL(request.url ?? "/", "http://localhost").pathname;
  const isJobs = path === "/api/jobs";
  const job = jobPath.exec(path);
  const known = isJobs || job !== null || path === "/healthz" || path === "/readyz";
  if (!known) {
    return detail(404, "Not Found");
  }
  if (request.method !== "GET" && request.method !== "HEAD") {
    return detail(405, "Method Not Allowed", { allow: "GET" });
  }
  if (path === "/healthz") {
    return { status: 200, body: { status: "ok" } };
  }
  if (path === "/readyz") {
    return ready(settings);
  }
  const auth = authenticate(request.headers.authorization, settings.tokens);
  if ("refused" in auth) {
    return auth.refused === 401 ? detail(401, "Not authenticated", { "www-authenticate": "Bearer" }) : detail(403, "Forbidden");
  }
  if (isJobs) {
    return { status: 200, body: jobsListResponse(await settings.store.listRuns()) };
  }
  const id = job?.[1] ?? "";
  if (!recordIdPattern.test(id)) {
    return detail(400, "Invalid job_id format");
  }
  const details = await settings.store.details(id);
  if (details === undefined) {
    return detail(404, `Job with ID ${id} not found`);
  }
  return { status: 200, body: jobDetailResponse(details, (settings.now ?? (() => new Date()))()) };
}

/** Ready when the store answers a read; the reason it does not goes to the log, not to the prober. */
async function ready(settings: ApiServerSettings): Promise<Answer> {
  try {
    await settings.store.listRuns({ limit: 1 });
    return { status: 200, body: { status: "ready" } };
  } catch (error) {
    settings.log.warn(`not ready: ${messageOf(error)}`);
    return detail(503, "not ready");
  }
}
