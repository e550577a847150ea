import { createServer, type Server, type Socket } from "node:net";
import { connectRedis } from "../src/budget/redis-connection";
import { connectTimeoutMs } from "../src/connect-timeout";
import { TransientError, UsageError } from "../src/errors";
import { createElasticsearchClient } from "../src/logs/elasticsearch-client";
import { MongoRecordStore } from "../src/store/mongo-record-store";
import { openRunStore } from "../src/store/open-run-store";

/** A loopback port nothing listens on: connections to it are refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** How long the call `start` begins takes to settle, clock started before the call, and its rejection. */
async function timed(start: () => Promise<unknown>): Promise<{ ms: number; error: unknown }> {
  const startedAt = Date.now();
  const error = await start().then(
    () => undefined,
    (reason: unknown) => reason,
  );
  return { ms: Date.now() - startedAt, error };
}

describe("a service that does not answer is reported within the connect timeout", () => {
  it("is 5 s", () => {
    expect(connectTimeoutMs).toBe(5_000);
  });

  it("MongoDB: says so after the connect timeout, with the reason, as a transient failure", async () => {
    const port = await closedPort();
    const { ms, error } = await timed(() => MongoRecordStore.open(`mongodb://127.0.0.1:${port}`, "flywheel", 200));
    expect(error).toBeInstanceOf(TransientError);
    expect((error as Error).message).toBe(`MongoDB: could not connect to MongoDB database "flywheel": no answer within 0.2 s (connect ECONNREFUSED 127.0.0.1:${port})`);
    // It waits the timeout out (the server may be starting) rather than failing at the first refusal,
    // which takes a few milliseconds; half the timeout tells the two apart on a loaded machine.
    expect(ms).toBeGreaterThanOrEqual(100);
  });

  it("MongoDB: a connection string the driver refuses is a usage error, not a bug or an outage", async () => {
    await expect(MongoRecordStore.open("mongodb+srv://cluster.example.com:27017/flywheel", "flywheel")).rejects.toThrow(
      new UsageError("MONGODB_URL is not a connection string the MongoDB driver accepts: mongodb+srv URI cannot have port number"),
    );
  });

  it("MongoDB: the run store says so at every attempt, then gives up", async () => {
    const port = await closedPort();
    const retries: string[] = [];
    const { error } = await timed(() => openRunStore(undefined, { MONGODB_URL: `mongodb://127.0.0.1:${port}` }, (message) => retries.push(message), { attempts: 3, connectTimeoutMs: 200, delayMs: 10 }));
    const failure = `MongoDB: could not connect to MongoDB database "flywheel": no answer within 0.2 s`;
    expect(retries).toEqual([
      expect.stringMatching(new RegExp(`^${failure}.*; trying again in 0\\.01 s \\(attempt 2 of 3\\)$`)),
      expect.stringMatching(new RegExp(`^${failure}.*; trying again in 0\\.01 s \\(attempt 3 of 3\\)$`)),
    ]);
    expect(error).toBeInstanceOf(TransientError);
    expect((error as Error).message).toMatch(new RegExp(`^${failure}.*; gave up after 3 attempts$`));
  });

  describe("Elasticsearch", () => {
    let silent: Server;
    const accepted: Socket[] = [];
    beforeAll(async () => {
      // Accepts the TCP connection and never answers the TLS handshake: a connection that never completes.
      silent = createServer((socket) => accepted.push(socket));
      await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    });
    afterAll(async () => {
      accepted.forEach((socket) => socket.destroy());
      await new Promise((resolve) => silent.close(resolve));
    });

    it("gives up on a connection that never completes after the connect timeout", async () => {
      const { port } = silent.address() as { port: number };
      const client = createElasticsearchClient({ ELASTICSEARCH_URL: `https://127.0.0.1:${port}` }, 200);
      const { ms, error } = await timed(() => client.info({}, { maxRetries: 0 }));
      await client.close();
      expect((error as Error).message).toContain("Connect Timeout Error");
      expect(ms).toBeGreaterThanOrEqual(100);
    });
  });

  it("Redis: says at the first failure that it does not answer and how long it keeps trying", async () => {
    const port = await closedPort();
    const warnings: string[] = [];
    const { error } = await timed(() => connectRedis(`redis://127.0.0.1:${port}`, 1_000, (message) => warnings.push(message)));
    expect(warnings).toEqual([`Redis (REDIS_URL) does not answer (connect ECONNREFUSED 127.0.0.1:${port}); trying again for up to 1 s`]);
    expect(error).toBeInstanceOf(TransientError);
  });
});
