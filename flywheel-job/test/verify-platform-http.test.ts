import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { endpointsCheck } from "../src/verify/platform/http-endpoints";
import { flywheelApiCheck } from "../src/verify/platform/http-flywheel-api";
import { nemoHealthCheck } from "../src/verify/platform/http-nemo-health";
import { freePort } from "./support/free-port";
import { platformCheckContext } from "./support/platform-check-context";

type Answer = (request: IncomingMessage, response: ServerResponse) => void;

let server: Server;
let base: string;
const routes = new Map<string, Answer>();
const seenAuthorization: string[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    seenAuthorization.push(request.headers.authorization ?? "");
    const answer = routes.get(request.url ?? "");
    if (answer) answer(request, response);
    else response.writeHead(404).end("not found");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  routes.clear();
  seenAuthorization.length = 0;
});

const reply = (status: number, body: string): Answer => (_, response) => response.writeHead(status).end(body);

describe("nemo-services", () => {
  test("2xx passes; a 5xx naming its database points at the database entry; another 5xx at the generic one", async () => {
    routes.set("/ok", reply(200, "{}"));
    routes.set("/db", reply(503, 'psycopg2.OperationalError: could not connect to server: the "postgres" database\u001b[31m'));
    routes.set("/down", reply(500, "internal error"));
    const results = await nemoHealthCheck().run(platformCheckContext({ nemoServices: [{ name: "customizer", url: `${base}/ok` }, { name: "evaluator", url: `${base}/db` }, { name: "datastore", url: `${base}/down` }] }));
    expect(results.map((result) => [result.outcome, result.troubleshooting])).toEqual([["pass", undefined], ["fail", "nemo-database-error"], ["fail", "nemo-service-unhealthy"]]);
    expect(results[1].detail).toContain("\\u001b");
  });

  test("no answer fails as unhealthy", async () => {
    const results = await nemoHealthCheck().run(platformCheckContext({ nemoServices: [{ name: "customizer", url: `http://127.0.0.1:${await freePort()}/health` }] }));
    expect(results[0]).toMatchObject({ outcome: "fail", troubleshooting: "nemo-service-unhealthy" });
  });
});

describe("endpoints", () => {
  test("a model list passes, and the API key goes as a bearer token", async () => {
    routes.set("/judge/v1/models", reply(200, JSON.stringify({ data: [{ id: "meta/llama-3.3-70b-instruct" }] })));
    const results = await endpointsCheck().run(platformCheckContext({ endpoints: [{ name: "judge", url: `${base}/judge`, apiKeyFile: "judge-key" }] }, { "judge-key": "secret\n" }));
    expect(results[0]).toMatchObject({ outcome: "pass", detail: "models: meta/llama-3.3-70b-instruct" });
    expect(seenAuthorization).toEqual(["Bearer secret"]);
  });

  test("an HTML page or an empty list is garbage; no answer is unreachable", async () => {
    routes.set("/html/v1/models", reply(200, "<html>sign in</html>"));
    routes.set("/empty/v1/models", reply(200, JSON.stringify({ data: [] })));
    const closed = `http://127.0.0.1:${await freePort()}`;
    const results = await endpointsCheck().run(platformCheckContext({ endpoints: [{ name: "judge", url: `${base}/html` }, { name: "empty", url: `${base}/empty` }, { name: "gone", url: closed }] }));
    expect(results.map((result) => result.troubleshooting)).toEqual(["judge-answers-garbage", "judge-answers-garbage", "endpoint-unreachable"]);
  });
});

describe("flywheel-api", () => {
  test("its health route with the token passes; a 401 or no answer fails; no API is skipped", async () => {
    routes.set("/healthz", (request, response) => response.writeHead(request.headers.authorization === "Bearer t0ken" ? 200 : 401).end());
    const context = (tokenFile: string | undefined, url = base) => platformCheckContext({ flywheelApi: { url, ...(tokenFile ? { tokenFile } : {}) } }, { token: "t0ken", wrong: "nope" });
    expect((await flywheelApiCheck().run(context("token")))[0]).toMatchObject({ outcome: "pass", target: `${base}/healthz` });
    expect((await flywheelApiCheck().run(context("wrong")))[0]).toMatchObject({ outcome: "fail", detail: expect.stringContaining("HTTP 401"), troubleshooting: "flywheel-api-unreachable" });
    expect((await flywheelApiCheck().run(context(undefined, `http://127.0.0.1:${await freePort()}`)))[0]).toMatchObject({ outcome: "fail", troubleshooting: "flywheel-api-unreachable" });
    expect((await flywheelApiCheck().run(platformCheckContext({})))[0].outcome).toBe("skip");
  });
});
