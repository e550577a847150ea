import { type ChildProcess, spawn } from "node:child_process";
import { connect } from "node:net";
import { freePort } from "./free-port";
import { readFileSync } from "node:fs";
import { Redis } from "ioredis";
import type { TestCertificates } from "../../../test/support/test-certificates";

/** A redis-server child process on a free loopback port, for the tests that need real Redis. */
export interface RedisServer {
  readonly url: string;
  /** A client for the test's own checks. */
  readonly client: Redis;
  stop(): Promise<void>;
}

/** How the test server is reached. */
export interface RedisServerOptions {
  /** Serve TLS only (`--tls-port`, `--port 0`) with this certificate, as the stack's Redis does. */
  readonly tls?: TestCertificates;
  /** The default user's password (`--requirepass`). */
  readonly password?: string;
}

/**
 * Starts `redis-server` from PATH (no persistence, loopback only). Suites call it inside
 * `describeWithProgram(redisServer, …)`, which skips or fails them when it is not installed.
 */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const port = await freePort();
  const { tls, password } = options;
  const listen = tls
    ? ["--port", "0", "--tls-port", String(port), "--tls-cert-file", tls.certFile, "--tls-key-file", tls.keyFile, "--tls-ca-cert-file", tls.caFile, "--tls-auth-clients", "no"]
    : ["--port", String(port)];
  const auth = password === undefined ? [] : ["--requirepass", password];
  const child: ChildProcess = spawn("redis-server", [...listen, ...auth, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
  const url = `${tls ? "rediss" : "redis"}://127.0.0.1:${port}`;
  for (let attempt = 0; !(await accepts(port)); attempt++) {
    if (attempt > 250 || child.exitCode !== null) {
      child.kill();
      throw new Error(`redis-server did not start on port ${port}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const client = new Redis(url, { maxRetriesPerRequest: 1, password, ...(tls ? { tls: { ca: readFileSync(tls.caFile, "utf8") } } : {}) });
  await client.ping();
  return {
    url,
    client,
    async stop() {
      client.disconnect();
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill();
      await exited;
    },
  };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
