import { type ChildProcess, execFile, spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import type { Chart } from "cdk8s";
import { redisMetricsUser, RedisServer, redisPort } from "../../../constructs/data/redis/redis-server";
import { describeWithProgram, redisServer } from "../../support/needs-program";
import { issueTestCertificates } from "../../support/test-certificates";
import { type Manifest, only, synth } from "./support";

const run = promisify(execFile);

/** A loopback port nothing listens on yet. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * The pod as the construct writes it, with the exporter sidecar (so with the metrics user), run on
 * this machine: every mount path of the Redis container becomes a directory of `root`, the image's
 * entrypoint a stub that starts the real redis-server, and Redis's port a free one.
 */
function podOnThisMachine(root: string, port: number) {
  const exporter = { image: "ghcr.io/oliver006/redis_exporter:v1.89.0", password: { name: "redis-auth", key: "metrics" }, passwordFile: { name: "redis-auth", key: "exporter.json" } };
  const manifests = synth((chart: Chart) => new RedisServer(chart, "redis", { name: "redis", namespace: "data", password: { name: "redis-auth" }, tlsSecretName: "redis-tls", exporter }));
  const container = only(manifests, "StatefulSet").spec.template.spec.containers[0] as Manifest;
  const mounts = (container.volumeMounts as { name: string; mountPath: string }[]).map(({ name, mountPath }) => ({ from: mountPath, to: path.join(root, name) }));
  // Longest path first: /run/secrets/redis is a prefix of /run/secrets/redis-metrics.
  const local = (text: string): string =>
    [...mounts].sort((a, b) => b.from.length - a.from.length).reduce((out, { from, to }) => out.split(from).join(to), text).split(`port ${redisPort}`).join(`port ${port}`).split(`-p ${redisPort}`).join(`-p ${port}`);
  mounts.forEach(({ to }) => mkdirSync(to, { recursive: true }));
  if (!["config", "password", "metrics-password", "tls"].every((name) => mounts.some(({ to }) => to === path.join(root, name)))) {
    throw new Error("the Redis container mounts no config, password or TLS volume");
  }
  // The Secret's kubernetes.io/tls keys, from a CA of the test's own.
  const { caFile } = issueTestCertificates(path.join(root, "tls"));
  writeFileSync(path.join(root, "config", "redis.conf"), local(only(manifests, "ConfigMap").data["redis.conf"] as string));
  const bin = path.join(root, "bin");
  mkdirSync(bin);
  writeFileSync(path.join(bin, "docker-entrypoint.sh"), '#!/bin/sh\nexec redis-server "$@"\n');
  chmodSync(path.join(bin, "docker-entrypoint.sh"), 0o755);
  return {
    passwordFile: path.join(root, "password", "password"),
    /** redis-cli's flags for the pod's TLS port, verifying the server against the test's CA. */
    tls: ["--tls", "--cacert", caFile],
    metricsPasswordFile: path.join(root, "metrics-password", "password"),
    start: local((container.command as string[])[2]),
    readiness: local((container.readinessProbe.exec.command as string[])[2]),
    env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ""}` },
  };
}

describeWithProgram(redisServer, "the Redis pod's start script and probes, against a real redis-server", () => {
  let root: string;
  let port: number;
  let server: ChildProcess | undefined;
  let pod: ReturnType<typeof podOnThisMachine>;
  const password = "p@ss word with 'quotes' and $dollars";
  const metricsPassword = "metrics \"pass\" %s with 'quotes'";
  /** redis-cli as the metrics user, the way redis_exporter logs in (AUTH with the user name). */
  const asMetrics = (...command: string[]) =>
    run("redis-cli", [...pod.tls, "-p", String(port), "--user", redisMetricsUser, ...command], { env: { ...process.env, REDISCLI_AUTH: metricsPassword } }).then(({ stdout }) => stdout);

  beforeAll(async () => {
    root = mkdtempSync(path.join(tmpdir(), "redis-pod-"));
    port = await freePort();
    pod = podOnThisMachine(root, port);
    writeFileSync(pod.passwordFile, password);
    writeFileSync(pod.metricsPasswordFile, metricsPassword);
    server = spawn("/bin/sh", ["-c", pod.start], { env: pod.env, stdio: "ignore" });
    for (let attempt = 0; attempt < 100; attempt++) {
      const answer = await run("redis-cli", [...pod.tls, "-p", String(port), "ping"]).then(({ stdout }) => stdout, () => "");
      if (answer.includes("NOAUTH") || answer.includes("PONG")) {
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`redis-server did not start on port ${port}`);
  });

  afterAll(async () => {
    if (server && server.exitCode === null) {
      const exited = new Promise((resolve) => server?.once("exit", resolve));
      server.kill();
      await exited;
    }
    rmSync(root, { recursive: true, force: true });
  });

  it("refuses a client without the password", async () => {
    const { stdout } = await run("redis-cli", [...pod.tls, "-p", String(port), "ping"]);
    expect(stdout).toContain("NOAUTH");
  });

  it("admits the password read from the Secret's file, whatever characters it holds", async () => {
    const { stdout } = await run("redis-cli", [...pod.tls, "-p", String(port), "ping"], { env: { ...process.env, REDISCLI_AUTH: password } });
    expect(stdout.trim()).toBe("PONG");
  });

  it("lets the metrics user read what redis_exporter collects: INFO, CONFIG GET, SLOWLOG, LATENCY", async () => {
    expect(await asMetrics("info", "all")).toContain("redis_version:");
    expect(await asMetrics("config", "get", "maxmemory-policy")).toContain("noeviction");
    expect(await asMetrics("slowlog", "len")).toMatch(/^\d+$/m);
    expect(await asMetrics("latency", "latest")).not.toContain("NOPERM");
  });

  it("refuses the metrics user any key, any write, and the admin commands", async () => {
    await run("redis-cli", [...pod.tls, "-p", String(port), "set", "flywheel:lock", "held"], { env: { ...process.env, REDISCLI_AUTH: password } });
    for (const command of [["get", "flywheel:lock"], ["set", "flywheel:lock", "stolen"], ["del", "flywheel:lock"], ["flushall"], ["config", "set", "maxmemory-policy", "allkeys-lru"], ["acl", "list"], ["shutdown", "nosave"]]) {
      expect(await asMetrics(...command)).toContain("NOPERM");
    }
    const { stdout } = await run("redis-cli", [...pod.tls, "-p", String(port), "get", "flywheel:lock"], { env: { ...process.env, REDISCLI_AUTH: password } });
    expect(stdout.trim()).toBe("held");
  });

  it("refuses the metrics user with the default user's password", async () => {
    const { stdout, stderr } = await run("redis-cli", [...pod.tls, "-p", String(port), "--user", redisMetricsUser, "ping"], { env: { ...process.env, REDISCLI_AUTH: password } });
    expect(`${stdout}${stderr}`).toMatch(/WRONGPASS|NOAUTH/);
  });

  it("serves TLS only: a plaintext client gets no answer, and redis-cli refuses a certificate another CA signed", async () => {
    const plain = await run("redis-cli", ["-p", String(port), "ping"], { env: { ...process.env, REDISCLI_AUTH: password }, timeout: 3_000 }).then(({ stdout }) => stdout, (error: Error) => error.message);
    expect(plain).not.toContain("PONG");
    const other = issueTestCertificates(path.join(root, "other-ca"), "another CA");
    const refused = await run("redis-cli", ["--tls", "--cacert", other.caFile, "-p", String(port), "ping"], { env: { ...process.env, REDISCLI_AUTH: password } }).then(({ stdout, stderr }) => `${stdout}${stderr}`, (error: Error) => error.message);
    expect(refused).not.toContain("PONG");
    expect(refused).toMatch(/certificate verify failed/i);
  });

  it("is ready by its own readiness probe, which authenticates", async () => {
    await expect(run("/bin/sh", ["-c", pod.readiness], { env: pod.env })).resolves.toBeDefined();
  });

  it("fails the readiness probe with a wrong password in the file", async () => {
    writeFileSync(pod.passwordFile, "not-the-password");
    try {
      await expect(run("/bin/sh", ["-c", pod.readiness], { env: pod.env })).rejects.toThrow();
    } finally {
      writeFileSync(pod.passwordFile, password);
    }
  });
});
