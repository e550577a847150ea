import { createServer, type Socket } from "node:net";
import { ExitCode } from "../src/errors";
import { ServiceClient, ServiceRequestError, ServiceUnavailableError } from "../src/http/service-client";
import { pollUntil, StallError } from "../src/waits/poll-until";
import { HttpStandIn } from "./support/http-stand-in";

const settings = { timeoutMs: 200, retries: 2, initialDelayMs: 1, maxDelayMs: 10 };
const never = new AbortController().signal;

describe("ServiceClient", () => {
  const server = new HttpStandIn();
  let calls = 0;
  server.route("POST", "/v1/things", (request) => {
    calls += 1;
    return { status: 201, body: { id: "t-1", echo: request.json } };
  });
  server.route("GET", "/v1/missing", () => ({ status: 404, body: { detail: "no such thing" } }));
  server.route("DELETE", "/v1/things/t-1", () => ({ status: 204 }));

  beforeAll(() => server.start());
  afterAll(() => server.stop());
  beforeEach(() => {
    calls = 0;
  });

  const call = (path: string, method: "GET" | "POST" | "DELETE" = "POST", accept?: number[]) =>
    new ServiceClient(settings).call({ service: "Thing Store", action: "make a thing", method, url: `${server.url}${path}`, json: method === "POST" ? { a: 1 } : undefined, accept, signal: never });

  it("sends JSON and returns the parsed answer", async () => {
    expect(await call("/v1/things")).toEqual({ status: 201, body: { id: "t-1", echo: { a: 1 } }, excerpt: '{"id":"t-1","echo":{"a":1}}' });
    expect(await call("/v1/things/t-1", "DELETE")).toEqual({ status: 204, body: undefined, excerpt: "" });
  });

  it("retries 5xx, 429 and answers that do not come in time", async () => {
    server.inject({ path: /^\/v1\/things$/, status: 503, times: 1 });
    server.inject({ path: /^\/v1\/things$/, status: 429, times: 1 });
    expect((await call("/v1/things")).status).toBe(201);
    server.inject({ path: /^\/v1\/things$/, delayMs: 400, times: 1 });
    expect((await call("/v1/things")).status).toBe(201);
  });

  it("gives up after its retries with a transient error that names the call and the last answer", async () => {
    server.inject({ path: /^\/v1\/things$/, status: 502, times: 3 });
    const error = await call("/v1/things").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect((error as ServiceUnavailableError).exitCode).toBe(ExitCode.transient);
    expect((error as Error).message).toBe(`Thing Store: make a thing (POST ${server.url}/v1/things) failed 3 times; the last: HTTP 502: {"detail":"injected fault"}`);
    expect(calls).toBe(0);
  });

  it("does not retry a 4xx, and names the call and the answer", async () => {
    const error = (await call("/v1/missing", "GET").catch((e: unknown) => e)) as ServiceRequestError;
    expect(error).toBeInstanceOf(ServiceRequestError);
    expect(error.message).toBe(`Thing Store: make a thing (GET ${server.url}/v1/missing) was refused: HTTP 404: {"detail":"no such thing"}`);
    expect(error.exitCode).toBe(ExitCode.usage);
    expect(server.requests.filter((r) => r.path === "/v1/missing")).toHaveLength(1);
    expect((await call("/v1/missing", "GET", [404])).status).toBe(404);
  });

  it("says before every retry what failed and when it tries again", async () => {
    server.inject({ path: /^\/v1\/things$/, status: 503, times: 2 });
    const retries: string[] = [];
    await new ServiceClient({ ...settings, initialDelayMs: 5, onRetry: (line) => retries.push(line) }).call({ service: "Thing Store", action: "make a thing", method: "POST", url: `${server.url}/v1/things`, json: {}, signal: never });
    expect(retries).toEqual([
      `Thing Store: make a thing (POST ${server.url}/v1/things): HTTP 503: {"detail":"injected fault"}; trying again in 0.01 s (attempt 2 of 3)`,
      `Thing Store: make a thing (POST ${server.url}/v1/things): HTTP 503: {"detail":"injected fault"}; trying again in 0.01 s (attempt 3 of 3)`,
    ]);
  });

  it("gives up on a connection that never completes after the connect timeout, not the request timeout", async () => {
    // Accepts TCP and never answers the TLS handshake.
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const { port } = silent.address() as { port: number };
    const client = new ServiceClient({ ...settings, retries: 0, timeoutMs: 60_000, connectTimeoutMs: 100 });
    const error = await client.call({ service: "Evaluator", action: "read a job", method: "GET", url: `https://127.0.0.1:${port}/v1/evaluation/jobs/j`, signal: never }).catch((e: unknown) => e);
    sockets.forEach((socket) => socket.destroy());
    await new Promise((resolve) => silent.close(resolve));
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect((error as Error).message).toMatch(/failed 1 times; the last: Connect Timeout Error .*timeout: 100ms.* \(UND_ERR_CONNECT_TIMEOUT\)$/);
  });

  it("says when nothing listens", async () => {
    const closed = new HttpStandIn();
    const url = await closed.start();
    await closed.stop();
    const client = new ServiceClient({ ...settings, retries: 0 });
    await expect(client.call({ service: "NIM", action: "list the served models", method: "GET", url: `${url}/v1/models`, signal: never })).rejects.toThrow(
      `NIM: list the served models (GET ${url}/v1/models) failed 1 times; the last: connect ECONNREFUSED ${url.replace("http://", "")} (ECONNREFUSED)`,
    );
  });
});

describe("pollUntil", () => {
  const fast = { minIntervalMs: 1, maxIntervalMs: 4, stallTimeoutMs: 50 };

  it("keeps waiting while progress moves, however long that takes", async () => {
    let step = 0;
    const result = await pollUntil("a job", () => Promise.resolve(++step >= 200 ? { done: true, value: step } : { done: false, progress: step, state: `step ${step}` }), fast, never);
    expect(result).toBe(200);
  });

  it("fails when nothing changes for the stall timeout, saying what it last saw", async () => {
    let polls = 0;
    const error = await pollUntil("job j", () => Promise.resolve({ done: false, progress: "same", state: `running, poll ${++polls}` }), fast, never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StallError);
    expect((error as Error).message).toBe(`job j: nothing changed for 0.05 s (last seen: running, poll ${polls})`);
    expect(polls).toBeGreaterThan(3);
  });

  it("stops between polls when the run stops", async () => {
    const stop = new AbortController();
    const waiting = pollUntil("a job", () => Promise.resolve({ done: false, progress: Math.random(), state: "" }), { ...fast, stallTimeoutMs: 60_000 }, stop.signal);
    stop.abort(new Error("cancelled"));
    await expect(waiting).rejects.toThrow("cancelled");
  });
});
