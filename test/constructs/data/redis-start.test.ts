import { type ChildProcess, execFile, spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import type { Chart } from "cdk8s";
import { RedisServer, redisPort } from "../../../constructs/data/redis/redis-server";
import { describeWithProgram, redisServer } from "../../support/needs-program";
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
 * The pod as the construct writes it, run on this machine: every mount path becomes a directory of
 * `root`, the image's entrypoint a stub that starts the real redis-server, and Redis's port a free one.
 */
function podOnThisMachine(root: string, port: number) {
  const manifests = synth((chart: Chart) => new RedisServer(chart, "redis", { name: "redis", namespace: "data", password: { name: "redis-auth" } }));
  const container = only(manifests, "StatefulSet").spec.template.spec.containers[0] as Manifest;
  const mounts = (container.volumeMounts as { name: string; mountPath: string }[]).map(({ name, mountPath }) => ({ from: mountPath, to: path.join(root, name) }));
  const local = (text: string): string =>
    mounts.reduce((out, { from, to }) => out.split(from).join(to), text).split(`port ${redisPort}`).join(`port ${port}`).split(`-p ${redisPort}`).join(`-p ${port}`);
  mounts.forEach(({ to }) => mkdirSync(to, { recursive: true }));
  if (!["config", "password"].every((name) => mounts.some(({ to }) => to === path.join(root, name)))) {
    throw new Error("the Redis container mounts no config or password volume");
  }
  writeFileSync(path.join(root, "config", "redis.conf"), local(only(manifests, "ConfigMap").data["redis.conf"] as string));
  const bin = path.join(root, "bin");
  mkdirSync(bin);
  writeFileSync(path.join(bin, "docker-entrypoint.sh"), '#!/bin/sh\nexec redis-server "$@"\n');
  chmodSync(path.join(bin, "docker-entrypoint.sh"), 0o755);
  return {
    passwordFile: path.join(root, "password", "password"),
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

  beforeAll(async () => {
    root = mkdtempSync(path.join(tmpdir(), "redis-pod-"));
    port = await freePort();
    pod = podOnThisMachine(root, port);
    writeFileSync(pod.passwordFile, password);
    server = spawn("/bin/sh", ["-c", pod.start], { env: pod.env, stdio: "ignore" });
    for (let attempt = 0; attempt < 100; attempt++) {
      const answer = await run("redis-cli", ["-p", String(port), "ping"]).then(({ stdout }) => stdout, () => "");
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
    const { stdout } = await run("redis-cli", ["-p", String(port), "ping"]);
    expect(stdout).toContain("NOAUTH");
  });

  it("admits the password read from the Secret's file, whatever characters it holds", async () => {
    const { stdout } = await run("redis-cli", ["-p", String(port), "ping"], { env: { ...process.env, REDISCLI_AUTH: password } });
    expect(stdout.trim()).toBe("PONG");
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
