import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { pipeline } from "node:stream/promises";
import type { Agent, request as UpstreamRequest } from "undici";
import { connectTimeoutMs } from "../connect-timeout";
import { readBoundedBody } from "../http/bounded-body";
import { loadUndici } from "../http/undici";
import { messageOf } from "../errors";
import { listen } from "../http/listen";
import type { RunLog } from "../log";
import { judgeProxyService } from "./judge-proxy-service";

export interface JudgeProxySettings {
  /** The judge's OpenAI-compatible base URL (see `judgeUpstreamUrl`), e.g. `https://integrate.api.nvidia.com/v1`. */
  readonly upstream: URL;
  /** The judge's API key. Asked for each request, so a key read from a mounted Secret can rotate without a restart. */
  readonly apiKey: () => Promise<string>;
  /** Port to listen on; 0 picks a free one. */
  readonly port: number;
  /**
   * Address to listen on.
   * @default every address
   */
  readonly host?: string;
  /**
   * How long the judge may take to answer, headers and body, before the client gets a 504 (or, once
   * the answer has started, the connection is cut).
   * @default judgeProxyService.upstreamTimeoutSeconds
   */
  readonly upstreamTimeoutMs?: number;
  /**
   * The largest request body forwarded; a larger one is answered 413. An evaluation's judge prompt
   * is one logged conversation and two answers, far below the default.
   * @default 1 MiB
   */
  readonly maxRequestBytes?: number;
  /** One line per request (method, path, status, duration) and per failure; never a header or a body. */
  readonly log: RunLog;
}

/** The paths forwarded, each to its path under the upstream base URL; every other path is answered 404. */
const forwardedPaths: ReadonlyMap<string, string> = new Map([[`${judgeProxyService.apiBasePath}/chat/completions`, "/chat/completions"]]);
/** The only method of the forwarded paths. */
const forwardedMethod = "POST";
/** Request headers passed on; everything else (the client's Authorization, cookies, forwarding headers) is dropped. */
const forwardedRequestHeaders = ["content-type", "accept"] as const;
/** Response headers passed back. */
const returnedResponseHeaders = ["content-type", "retry-after", "x-request-id"] as const;

const defaultMaxRequestBytes = 1024 * 1024;
/** How long a client may take to send its request line and headers, and its whole request. */
const clientHeadersTimeoutMs = 10_000;
const clientRequestTimeoutMs = 30_000;

/** A loopback host: the only place the key may travel over plain HTTP (a stand-in judge, a local test). */
function isLoopback(hostname: string): boolean {
  return hostname === "localhost" || hostname === "[::1]" || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/**
 * The judge's base URL, checked: HTTPS (plain HTTP only to a loopback address, since the key travels
 * with every request), no credentials, query or fragment; without a trailing slash. Returns the
 * reason when it is not acceptable.
 */
export function judgeUpstreamUrl(value: string): URL | string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `"${value}" is not a URL`;
  }
  if (url.username !== "" || url.password !== "") {
    return "the URL must not carry credentials: the key comes from --api-key-file or JUDGE_API_KEY";
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && isLoopback(url.hostname))) {
    return `"${value}" must be an https:// URL (http:// only on a loopback address): the API key travels with every request`;
  }
  if (url.search !== "" || url.hash !== "") {
    return `"${value}" must not have a query or fragment`;
  }
  url.pathname = url.pathname.replace(/\/+$/, "");
  return url;
}

/**
 * The judge, in the cluster: forwards `POST /v1/chat/completions` to the judge's base URL with
 * `Authorization: Bearer <key>` (replacing any the client sent), so the evaluations name this proxy
 * and carry no key. Every other path is 404, another method 405; a body over the limit is 413, a judge
 * that cannot be reached 502 and one that does not answer in time 504. The judge's answer is streamed
 * back as it arrives. `GET /healthz` answers 200 for the probes.
 */
export class JudgeProxy {
  private readonly inFlight = new Set<ServerResponse>();
  private stopping = false;

  private constructor(
    private readonly server: Server,
    private readonly agent: Agent,
    /** `http://host:port` of the listening socket. */
    readonly url: string,
  ) {}

  static async start(settings: JudgeProxySettings): Promise<JudgeProxy> {
    const agent = new (loadUndici().Agent)({ connect: { timeout: connectTimeoutMs } });
    const server = createServer({ headersTimeout: clientHeadersTimeoutMs, requestTimeout: clientRequestTimeoutMs });
    const proxy = new JudgeProxy(server, agent, await listen(server, settings.port, settings.host));
    server.on("request", (request: IncomingMessage, response: ServerResponse) => {
      void proxy.handle(settings, request, response);
    });
    return proxy;
  }

  /**
   * Stops accepting connections, lets the requests in flight finish (each bounded by the upstream
   * timeout), then closes the idle connections.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    await closed;
    await this.agent.close();
  }

  private async handle(settings: JudgeProxySettings, request: IncomingMessage, response: ServerResponse): Promise<void> {
    const started = Date.now();
    // The request target without its query: the chat-completions API takes none, and a query is not forwarded.
    const path = (request.url ?? "/").split("?")[0];
    const method = request.method ?? "GET";
    this.inFlight.add(response);
    response.once("close", () => {
      this.inFlight.delete(response);
      // Node cannot log a path it refused to parse; this logs what was asked, cut short, never a header or body.
      settings.log.info(`${method} ${path.slice(0, 100)} ${response.statusCode} ${Date.now() - started} ms`);
      if (this.stopping && this.inFlight.size === 0) {
        this.server.closeIdleConnections();
      }
    });
    if (this.stopping) {
      // A keep-alive connection asking after SIGTERM gets its answer and is then closed.
      response.setHeader("connection", "close");
    }
    try {
      await this.route(settings, method, path, request, response);
    } catch (error) {
      settings.log.warn(`${method} ${path}: ${redacted(messageOf(error), await keyOrEmpty(settings))}`);
      if (!response.headersSent) {
        answer(response, 500, "the judge proxy failed to handle the request");
      } else {
        response.destroy();
      }
    }
  }

  private async route(settings: JudgeProxySettings, method: string, path: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (path === judgeProxyService.healthPath) {
      if (method !== "GET" && method !== "HEAD") {
        return answer(response, 405, `only GET ${judgeProxyService.healthPath}`, { allow: "GET, HEAD" });
      }
      response.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
      return;
    }
    const upstreamPath = forwardedPaths.get(path);
    if (upstreamPath === undefined) {
      return answer(response, 404, `not forwarded: the judge proxy forwards only ${forwardedMethod} ${[...forwardedPaths.keys()].join(", ")}`);
    }
    if (method !== forwardedMethod) {
      return answer(response, 405, `only ${forwardedMethod} ${path}`, { allow: forwardedMethod });
    }
    const limit = settings.maxRequestBytes ?? defaultMaxRequestBytes;
    const declared = Number(request.headers["content-length"] ?? 0);
    const body = declared > limit ? undefined : await readBoundedBody(request, limit);
    if (body === undefined) {
      // The rest of the body is not read: the connection is closed once the answer is sent.
      return answer(response, 413, `the request body is larger than ${limit} bytes`, { connection: "close" });
    }
    let apiKey: string;
    try {
      apiKey = await settings.apiKey();
    } catch (error) {
      settings.log.warn(`the judge API key could not be read: ${messageOf(error)}`);
      return answer(response, 500, "the judge proxy could not read the judge's API key");
    }
    await this.forward(settings, `${settings.upstream.href}${upstreamPath}`, body, apiKey, request, response);
  }

  private async forward(settings: JudgeProxySettings, target: string, body: Buffer, apiKey: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
    const timeoutMs = settings.upstreamTimeoutMs ?? judgeProxyService.upstreamTimeoutSeconds * 1000;
    const clientGone = new AbortController();
    // A client that hangs up stops the judge's work for it too.
    response.once("close", () => clientGone.abort());
    const timeout = AbortSignal.timeout(timeoutMs);
    const headers: Record<string, string> = { authorization: `Bearer ${apiKey}` };
    for (const name of forwardedRequestHeaders) {
      const value = request.headers[name];
      if (typeof value === "string") {
        headers[name] = value;
      }
    }
    const judge = settings.upstream.origin;
    let upstream: Awaited<ReturnType<typeof UpstreamRequest>>;
    try {
      upstream = await loadUndici().request(target, {
        method: forwardedMethod,
        headers,
        body,
        dispatcher: this.agent,
        signal: AbortSignal.any([timeout, clientGone.signal]),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
    } catch (error) {
      if (clientGone.signal.aborted) {
        return;
      }
      const timedOut = timeout.aborted || (error as { code?: string }).code === "UND_ERR_HEADERS_TIMEOUT";
      const reason = redacted(describeFailure(error), apiKey);
      settings.log.warn(`the judge at ${judge} ${timedOut ? `did not answer within ${timeoutMs} ms` : `could not be reached: ${reason}`}`);
      return timedOut
        ? answer(response, 504, `the judge at ${judge} did not answer within ${timeoutMs} ms`)
        : answer(response, 502, `the judge at ${judge} could not be reached: ${reason}`);
    }
    const returned: Record<string, string> = {};
    for (const name of returnedResponseHeaders) {
      const value = upstream.headers[name];
      if (typeof value === "string") {
        returned[name] = value;
      }
    }
    if (upstream.statusCode === 401 || upstream.statusCode === 403) {
      settings.log.warn(`the judge at ${judge} refused the API key (${upstream.statusCode}): check the judge key Secret`);
    }
    response.writeHead(upstream.statusCode, returned);
    try {
      await pipeline(upstream.body, response);
    } catch (error) {
      if (!clientGone.signal.aborted || timeout.aborted) {
        settings.log.warn(`the judge's answer from ${judge} was cut off: ${redacted(describeFailure(error), apiKey)}`);
      }
    }
  }
}

/** A JSON error in the OpenAI shape, which the judge's clients know how to show. */
function answer(response: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify({ error: { message: `judge proxy: ${message}`, type: "judge_proxy_error" } }));
}


/** An error's message with its cause's code, e.g. "connect ECONNREFUSED 127.0.0.1:9". */
function describeFailure(error: unknown): string {
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error ? `${messageOf(error)}: ${cause.message}` : messageOf(error);
}

/** The text without the key, should any library ever echo a header. */
function redacted(text: string, apiKey: string): string {
  return apiKey === "" ? text : text.split(apiKey).join("[redacted]");
}

async function keyOrEmpty(settings: JudgeProxySettings): Promise<string> {
  try {
    return await settings.apiKey();
  } catch {
    return "";
  }
}
