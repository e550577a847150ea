import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { Redis } from "ioredis";
import { connectRedis, disconnectRedis, readRedisCa } from "../src/budget/redis-connection";
import { loadEnvironment } from "../src/config/environment";
import { UsageError } from "../src/errors";
import { startRedisServer, type RedisServer } from "./support/redis-server";
import { describeWithProgram, redisServer } from "../../test/support/needs-program";
import { issueTestCertificates } from "../../test/support/test-certificates";

describeWithProgram(redisServer, "the job's Redis connection over TLS, against a real redis-server serving TLS only", () => {
  const password = "p@ss word";
  let root: string;
  let server: RedisServer;
  let stackCa: string;
  let otherCa: string;

  beforeAll(async () => {
    root = mkdtempSync(path.join(tmpdir(), "redis-tls-"));
    const certificates = issueTestCertificates(path.join(root, "stack"), "stack CA");
    stackCa = readFileSync(certificates.caFile, "utf8");
    otherCa = readFileSync(issueTestCertificates(path.join(root, "other"), "another CA").caFile, "utf8");
    server = await startRedisServer({ tls: certificates, password });
  });

  afterAll(async () => {
    await (server as RedisServer | undefined)?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  const urlWithPassword = (): string => server.url.replace("rediss://", `rediss://:${encodeURIComponent(password)}@`);

  it("connects with the CA that signed the server's certificate, authenticates and PINGs", async () => {
    const warnings: string[] = [];
    const redis: Redis = await connectRedis(urlWithPassword(), 5_000, (message) => warnings.push(message), stackCa);
    try {
      expect(await redis.ping()).toBe("PONG");
      expect(await redis.set("flywheel:tls", "yes")).toBe("OK");
      expect(warnings).toEqual([]);
    } finally {
      await disconnectRedis(redis, 1_000);
    }
  });

  it("refuses a server whose certificate another CA signed, at once and saying why", async () => {
    const started = Date.now();
    const connecting = connectRedis(urlWithPassword(), 5_000, () => undefined, otherCa);
    await expect(connecting).rejects.toThrow(UsageError);
    await expect(connecting).rejects.toThrow(/Redis \(REDIS_URL\): refused the server's TLS certificate \(.*(unable to verify|self[- ]signed).*\); is REDIS_CA_FILE the CA that signed it\?/);
    // Not retried until the timeout: no retry makes the certificate trusted.
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it("refuses the server without a CA: a rediss URL alone trusts only the system's CAs", async () => {
    await expect(connectRedis(urlWithPassword(), 5_000, () => undefined)).rejects.toThrow(/refused the server's TLS certificate/);
  });

  it("reads REDIS_CA_FILE, and names the variable when the file cannot be read", () => {
    const caFile = path.join(root, "stack", "ca.crt");
    expect(readRedisCa({ REDIS_CA_FILE: caFile })).toBe(stackCa);
    expect(readRedisCa({})).toBeUndefined();
    expect(() => readRedisCa({ REDIS_CA_FILE: path.join(root, "missing.crt") })).toThrow(/^REDIS_CA_FILE: cannot read .*missing\.crt/);
  });
});

describe("REDIS_CA_FILE", () => {
  it("needs a rediss:// REDIS_URL: a CA for a plaintext connection would be ignored", () => {
    expect(() => loadEnvironment({ REDIS_URL: "redis://redis:6379", REDIS_CA_FILE: "/etc/flywheel/ca/ca.crt" })).toThrow(UsageError);
    expect(loadEnvironment({ REDIS_URL: "rediss://redis:6379", REDIS_CA_FILE: "/etc/flywheel/ca/ca.crt" })).toMatchObject({ REDIS_CA_FILE: "/etc/flywheel/ca/ca.crt" });
  });
});
