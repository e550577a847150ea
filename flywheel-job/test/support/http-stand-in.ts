import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A request as a stand-in saw it. */
export interface SeenRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage["headers"];
  readonly body: Buffer;
  /** The body parsed as JSON, when it is JSON. */
  readonly json: unknown;
}

export interface Reply {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

export type Handler = (request: SeenRequest, params: Record<string, string>) => Reply | Promise<Reply>;

interface Route {
  readonly method: string;
  readonly pattern: RegExp;
  readonly names: string[];
  readonly handler: Handler;
}

/** A fault a test injects: the next `times` matching requests fail with `status`, or are delayed by `delayMs`. */
export interface Fault {
  readonly method?: string;
  readonly path: RegExp;
  times: number;
  readonly status?: number;
  readonly delayMs?: number;
}

/**
 * A small HTTP server for stand-ins: routes with `:name` parameters, a log of every request, and
 * faults a test can inject (fail with a status, or answer late) for the next N matching requests.
 */
export class HttpStandIn {
  readonly requests: SeenRequest[] = [];
  private readonly routes: Route[] = [];
  private readonly faults: Fault[] = [];
  private server: Server | undefined;
  url = "";

  /** `path` may hold `:name` (one segment) and `:name*` (the rest of the path, slashes included) parameters. */
  route(method: string, path: string, handler: Handler): void {
    const names: string[] = [];
    const pattern = new RegExp(`^${path.replace(/[.+*?^${}()|[\]\\]/g, "\\$&").replace(/:(\w+)(\\\*)?/g, (_, name: string, rest: string | undefined) => {
      names.push(name);
      return rest ? "(.+)" : "([^/]+)";
    })}$`);
    this.routes.push({ method, pattern, names, handler });
  }

  /** The next `times` requests matching `method` and `path` fail with `status` (default 503), or wait `delayMs` first. */
  inject(fault: Fault): void {
    this.faults.push(fault);
  }

  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      void this.handle(request, response);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) {
      chunks.push(chunk as Buffer);
    }
    const url = new URL(request.url ?? "/", "http://stand-in");
    const body = Buffer.concat(chunks);
    let json: unknown;
    try {
      json = body.length > 0 ? JSON.parse(body.toString("utf8")) : undefined;
    } catch {
      json = undefined;
    }
    const seen: SeenRequest = { method: request.method ?? "GET", path: decodeURIComponent(url.pathname), query: url.searchParams, headers: request.headers, body, json };
    this.requests.push(seen);
    let reply: Reply;
    try {
      reply = await this.reply(seen);
    } catch (error) {
      reply = { status: 500, body: { detail: `stand-in error: ${error instanceof Error ? error.stack : String(error)}` } };
    }
    if (response.destroyed) {
      return;
    }
    const text = reply.body === undefined ? "" : typeof reply.body === "string" || reply.body instanceof Uint8Array ? reply.body : JSON.stringify(reply.body);
    const type = reply.body instanceof Uint8Array ? "application/octet-stream" : typeof reply.body === "string" ? "text/plain" : "application/json";
    response.writeHead(reply.status, { "content-type": type, ...reply.headers });
    response.end(text);
  }

  private async reply(request: SeenRequest): Promise<Reply> {
    const fault = this.faults.find((f) => f.times > 0 && (f.method === undefined || f.method === request.method) && f.path.test(request.path));
    if (fault) {
      fault.times -= 1;
      if (fault.delayMs !== undefined) {
        await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
      } else {
        return { status: fault.status ?? 503, body: { detail: "injected fault" } };
      }
    }
    for (const route of this.routes) {
      const match = route.method === request.method ? route.pattern.exec(request.path) : null;
      if (match) {
        return route.handler(request, Object.fromEntries(route.names.map((name, i) => [name, match[i + 1]])));
      }
    }
    return { status: 404, body: { detail: `no route ${request.method} ${request.path}` } };
  }
}
