import { redisDurable } from "../../policies/redis-durable";
import { stackViolations } from "../support/policy-review";
import { configMap, cpuDeployment, edit, kubernetesResource, redis } from "../support/fixtures";

const container = "spec.template.spec.containers.0";
const stack = (...objects: Parameters<typeof kubernetesResource>[0][]) => objects.map(kubernetesResource);

describe("redis-durable", () => {
  it("passes a Redis with a password from a Secret and an append-only file on a claim", async () => {
    expect(await stackViolations(redisDurable, stack(redis(), cpuDeployment()))).toEqual([]);
  });

  it("catches a Redis without a password, naming the resource", async () => {
    const open = edit(redis(), `${container}.args`, ["--appendonly", "yes"]);
    expect(await stackViolations(redisDurable, stack(open))).toEqual([
      {
        message:
          'StatefulSet data/redis: Redis container "redis" requires no password (no --requirepass and no redis.conf from a Secret). ' +
          "Fix: pass --requirepass $(REDIS_PASSWORD) with REDIS_PASSWORD from env valueFrom.secretKeyRef, or mount redis.conf from a Secret.",
        resource: "redis",
      },
    ]);
  });

  it("catches a password that is a literal or does not come from a Secret", async () => {
    const literal = edit(redis(), `${container}.args`, ["--requirepass", "hunter22", "--appendonly", "yes"]);
    expect(await stackViolations(redisDurable, stack(literal))).toEqual([expect.objectContaining({ message: expect.stringContaining("passes its password as a literal on the command line") })]);
    const plainEnv = edit(redis(), `${container}.env`, [{ name: "REDIS_PASSWORD", value: "hunter22" }]);
    expect(await stackViolations(redisDurable, stack(plainEnv))).toEqual([
      expect.objectContaining({ message: expect.stringContaining("takes its password from $REDIS_PASSWORD, which does not come from a Secret") }),
    ]);
  });

  it("understands a shell command line and envFrom a Secret", async () => {
    const shell = edit(edit(redis(), `${container}.args`, ["-c", 'exec redis-server --requirepass "$REDIS_PASSWORD" --appendonly yes']), `${container}.env`, undefined);
    const withEnvFrom = edit(edit(shell, `${container}.command`, ["sh"]), `${container}.envFrom`, [{ secretRef: { name: "redis-auth" } }]);
    expect(await stackViolations(redisDurable, stack(withEnvFrom))).toEqual([]);
  });

  it("catches a Redis without an append-only file, or with its data off the claim", async () => {
    const noAof = edit(redis(), `${container}.args`, ["--requirepass", "$(REDIS_PASSWORD)"]);
    expect(await stackViolations(redisDurable, stack(noAof))).toEqual([
      expect.objectContaining({ message: expect.stringContaining("keeps no append-only file (appendonly yes, on the command line or in redis.conf)") }),
    ]);
    const noClaim = edit(redis(), "spec.volumeClaimTemplates", undefined);
    expect(await stackViolations(redisDurable, stack(noClaim))).toEqual([
      expect.objectContaining({ message: expect.stringContaining("does not keep its data directory /data on a persistent volume") }),
    ]);
  });

  it("does not require persistence where the environment does not", async () => {
    const noAof = edit(redis(), `${container}.args`, ["--requirepass", "$(REDIS_PASSWORD)"]);
    expect(await stackViolations(redisDurable, stack(noAof), { requirePersistence: false })).toEqual([]);
  });

  it("reads redis.conf from the ConfigMap it is mounted from", async () => {
    const fromConf = edit(
      edit(edit(redis(), `${container}.args`, ["/etc/redis/redis.conf", "--requirepass", "$(REDIS_PASSWORD)"]), `${container}.volumeMounts.1`, { name: "conf", mountPath: "/etc/redis" }),
      "spec.template.spec.volumes",
      [{ name: "conf", configMap: { name: "redis-conf" } }],
    );
    const conf = (text: string) => ({ ...configMap({ "redis.conf": text }), metadata: { name: "redis-conf", namespace: "data" } });
    expect(await stackViolations(redisDurable, stack(fromConf, conf("appendonly yes\nappendfsync everysec\n")))).toEqual([]);
    expect(await stackViolations(redisDurable, stack(fromConf, conf("appendonly no\n")))).toEqual([
      expect.objectContaining({ message: expect.stringContaining("keeps no append-only file") }),
    ]);
    // An offline review of a render edited by hand holds both versions of the ConfigMap: either may fail.
    expect(await stackViolations(redisDurable, stack(fromConf, conf("appendonly yes\n"), conf("appendonly no\n")))).toEqual([
      expect.objectContaining({ message: expect.stringContaining("keeps no append-only file") }),
    ]);
  });
});
