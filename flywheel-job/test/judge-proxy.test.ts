import { createServer, request as httpRequest } from "node:http";
import { JudgeProxy, judgeUpstreamUrl } from "../src/judge-proxy/judge-proxy-server";
import type { RunLog } from "../src/log";
import { HttpStandIn } from "./support/http-stand-in";

const apiKey = "nvapi-secret-judge-key-0123456789";
const chatRequest = { model: "meta/llama-3.3-70b-instruct", messages: [{ role: "user", content: "Rate this answer from 1 to 10." }] };
const chatAnswer = { id: "chat-1", choices: [{ index: 0, message: { role: "assistant", content: "8" } }] };

/** Every line the proxy logged. */
function recordingLog(): RunLog & { readonly lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (m) => lines.push(`info ${m}`), warn: (m) => lines.push(`warn ${m}`) };
}

function upstreamOf(base: string): URL {
  const url = judgeUpstreamUrl(base);
  if (typeof url === "string") {
    throw new Error(url);
  }
  return url;
}

let judge: HttpStandIn;
let proxy: JudgeProxy | undefined;
let log: ReturnType<typeof recordingLog>;

async function startProxy(options: { upstream?: string; upstreamTimeoutMs?: number; maxRequestBytes?: number; key?: () => Promise<string> } = {}): Promise<string> {
  proxy = await JudgeProxy.start({
    upstream: upstreamOf(options.upstream ?? `${judge.url}/v1`),
    apiKey: options.key ?? (() => Promise.resolve(apiKey)),
    port: 0,
    host: "127.0.0.1",
    log,
    ...(options.upstreamTimeoutMs !== undefined ? { upstreamTimeoutMs: options.upstreamTimeoutMs } : {}),
    ...(options.maxRequestBytes !== undefined ? { maxRequestBytes: options.maxRequestBytes } : {}),
  });
  return proxy.url;
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: Headers }> {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: typeof body === "string" ? body : JSON.stringify(body) });
  return { status: response.status, body: await response.text(), headers: response.headers };
}

beforeEach(async () => {
  log = recordingLog();
  judge = new HttpStandIn();
  judge.route("POST", "/v1/chat/completions", () => ({ status: 200, body: chatAnswer }));
  await judge.start();
});

afterEach(async () => {
  await proxy?.stop();
  proxy = undefined;
  await judge.stop();
});

describe("the judge proxy", () => {
  it("forwards a chat completion to the judge with the key, and returns the judge's answer", async () => {
    const url = await startProxy();
    const answer = await post(`${url}/v1/chat/completions`, chatRequest);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual(chatAnswer);
    expect(answer.headers.get("content-type")).toContain("application/json");
    expect(judge.requests).toHaveLength(1);
    expect(judge.requests[0]).toMatchObject({ method: "POST", path: "/v1/chat/completions", json: chatRequest });
    expect(judge.requests[0].headers.authorization).toBe(`Bearer ${apiKey}`);
  });

  it("replaces an Authorization the client sent, and passes on no other client header", async () => {
    const url = await startProxy();
    await post(`${url}/v1/chat/completions`, chatRequest, { authorization: "Bearer client-key", cookie: "session=1", "x-forwarded-for": "10.0.0.1" });
    const seen = judge.requests[0].headers;
    expect(seen.authorization).toBe(`Bearer ${apiKey}`);
    expect(seen.cookie).toBeUndefined();
    expect(seen["x-forwarded-for"]).toBeUndefined();
  });

  it("keeps the upstream base URL's path and passes the judge's status back (a refused key is the judge's 401)", async () => {
    judge.route("POST", "/openai/v1/chat/completions", () => ({ status: 401, body: { error: "bad key" } }));
    const url = await startProxy({ upstream: `${judge.url}/openai/v1/` });
    const answer = await post(`${url}/v1/chat/completions`, chatRequest);
    expect(answer.status).toBe(401);
    expect(judge.requests.map((r) => r.path)).toEqual(["/openai/v1/chat/completions"]);
    expect(log.lines.some((l) => l.includes("refused the API key (401)"))).toBe(true);
  });

  it("streams the judge's answer back as it arrives", async () => {
    let finish: () => void = () => undefined;
    // A judge that sends its first event at once and the last only when the test says so.
    const server = createServer((_request, response) => {
      response.writeHead(200, { "content-type": "text/event-stream" });
      response.write("data: first\n\n");
      finish = () => response.end("data: [DONE]\n\n");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const url = await startProxy({ upstream: `http://127.0.0.1:${(server.address() as { port: number }).port}/v1` });
      const response = await fetch(`${url}/v1/chat/completions`, { method: "POST", body: JSON.stringify({ ...chatRequest, stream: true }) });
      const reader = response.body!.getReader();
      const first = await reader.read();
      expect(Buffer.from(first.value).toString()).toBe("data: first\n\n");
      finish();
      let rest = "";
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
        rest += Buffer.from(chunk.value).toString();
      }
      expect(rest).toBe("data: [DONE]\n\n");
      expect(response.headers.get("content-type")).toBe("text/event-stream");
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it.each([
    ["GET", "/v1/models"],
    ["POST", "/v1/embeddings"],
    ["POST", "/v1/chat/completions/extra"],
    ["POST", "/chat/completions"],
  ])("answers %s %s with 404 and forwards nothing", async (method, path) => {
    const url = await startProxy();
    const response = await fetch(`${url}${path}`, { method, ...(method === "POST" ? { body: "{}" } : {}) });
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { message: string } }).error.message).toContain("forwards only POST /v1/chat/completions");
    expect(judge.requests).toEqual([]);
  });

  it("answers another method on the chat path with 405", async () => {
    const url = await startProxy();
    const response = await fetch(`${url}/v1/chat/completions`);
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("POST");
    expect(judge.requests).toEqual([]);
  });

  it("refuses a body over 1 MiB with 413 and forwards nothing, and forwards one at the limit", async () => {
    const url = await startProxy();
    const unpadded = JSON.stringify({ ...chatRequest, pad: "" }).length;
    const bodyOf = (bytes: number): string => JSON.stringify({ ...chatRequest, pad: "x".repeat(bytes - unpadded) });
    const atLimit = bodyOf(1024 * 1024);
    expect(Buffer.byteLength(atLimit)).toBe(1024 * 1024);
    expect((await post(`${url}/v1/chat/completions`, atLimit)).status).toBe(200);
    const refused = await post(`${url}/v1/chat/completions`, bodyOf(1024 * 1024 + 1));
    expect(refused.status).toBe(413);
    expect(judge.requests).toHaveLength(1);
  });

  it("refuses a chunked body that grows past the limit with 413", async () => {
    const url = new URL(await startProxy({ maxRequestBytes: 1024 }));
    const status = await new Promise<number>((resolve, reject) => {
      const request = httpRequest({ host: url.hostname, port: url.port, method: "POST", path: "/v1/chat/completions", headers: { "transfer-encoding": "chunked" } }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      request.on("error", reject);
      request.write("x".repeat(800));
      request.end("x".repeat(800));
    });
    expect(status).toBe(413);
    expect(judge.requests).toEqual([]);
  });

  it("answers 502 when the judge cannot be reached, without the key in the answer or the log", async () => {
    const url = await startProxy({ upstream: "http://127.0.0.1:9/v1" });
    const answer = await post(`${url}/v1/chat/completions`, chatRequest, { authorization: `Bearer ${apiKey}` });
    expect(answer.status).toBe(502);
    expect(JSON.parse(answer.body)).toMatchObject({ error: { message: expect.stringContaining("the judge at http://127.0.0.1:9 could not be reached") } });
    expect(answer.body).not.toContain(apiKey);
    expect(log.lines.join("\n")).not.toContain(apiKey);
    expect(log.lines.some((l) => l.startsWith("warn the judge at http://127.0.0.1:9 could not be reached"))).toBe(true);
  });

  it("answers 504 when the judge does not answer in time", async () => {
    judge.inject({ method: "POST", path: /chat/, times: 1, delayMs: 700 });
    const url = await startProxy({ upstreamTimeoutMs: 150 });
    const answer = await post(`${url}/v1/chat/completions`, chatRequest);
    expect(answer.status).toBe(504);
    expect(answer.body).toContain("did not answer within 150 ms");
  });

  it("answers 500 when the key cannot be read, and forwards nothing", async () => {
    const url = await startProxy({ key: () => Promise.reject(new Error("ENOENT: no such file")) });
    const answer = await post(`${url}/v1/chat/completions`, chatRequest);
    expect(answer.status).toBe(500);
    expect(judge.requests).toEqual([]);
  });

  it("logs one line per request with method, path and status, and never the key or a body", async () => {
    const url = await startProxy();
    await post(`${url}/v1/chat/completions`, chatRequest, { authorization: `Bearer ${apiKey}` });
    await fetch(`${url}/healthz`);
    const logged = log.lines.join("\n");
    expect(log.lines).toEqual([expect.stringMatching(/^info POST \/v1\/chat\/completions 200 \d+ ms$/), expect.stringMatching(/^info GET \/healthz 200 \d+ ms$/)]);
    expect(logged).not.toContain(apiKey);
    expect(logged).not.toContain("Rate this answer");
    expect(logged).not.toContain('"8"');
  });

  it("answers its probe on /healthz without calling the judge", async () => {
    const url = await startProxy();
    const response = await fetch(`${url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("ok\n");
    expect(judge.requests).toEqual([]);
  });

  it("lets a request in flight finish when it stops, and accepts no new connection", async () => {
    judge.inject({ method: "POST", path: /chat/, times: 1, delayMs: 300 });
    const url = await startProxy();
    const inFlight = post(`${url}/v1/chat/completions`, chatRequest);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const stopped = proxy!.stop();
    proxy = undefined;
    expect((await inFlight).status).toBe(200);
    await stopped;
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });
});

describe("judgeUpstreamUrl", () => {
  it("accepts an https base URL and drops its trailing slash", () => {
    expect(String(judgeUpstreamUrl("https://integrate.api.nvidia.com/v1/"))).toBe("https://integrate.api.nvidia.com/v1");
  });

  it("accepts plain http only on a loopback address", () => {
    expect(judgeUpstreamUrl("http://127.0.0.1:8000/v1")).toBeInstanceOf(URL);
    expect(judgeUpstreamUrl("http://localhost:8000/v1")).toBeInstanceOf(URL);
    expect(judgeUpstreamUrl("http://judge.example/v1")).toMatch(/must be an https:\/\/ URL/);
  });

  it.each([
    ["not a url", /is not a URL/],
    ["https://user:pass@judge.example/v1", /must not carry credentials/],
    ["https://judge.example/v1?key=1", /must not have a query or fragment/],
    ["ftp://judge.example/v1", /must be an https:\/\/ URL/],
  ])("refuses %s", (value, reason) => {
    expect(judgeUpstreamUrl(value)).toMatch(reason);
  });

  it("does not echo credentials it refuses", () => {
    expect(judgeUpstreamUrl("https://user:hunter2@judge.example/v1")).not.toContain("hunter2");
  });
});
