import { redisDurable } from "../../policies/redis-durable";
import { stackViolations } from "../support/policy-review";
import { configMap, cpuDeployment, edit, kubernetesResource, redis } from "../support/fixtures";

const container = "spec.template.spec.containers.0";
const stack = (...objects: Parameters<typeof kubernetesResource>[0][]) => objects.map(kubernetesResource);

/** The fixture, with its password passed as `--requirepass $(REDIS_PASSWORD)` from a Secret instead of its redis.conf. */
const onCommandLine = (args: string[]) =>
  edit(edit(redis(), `${container}.args`, args), `${container}.env`, [{ name: "REDIS_PASSWORD", valueFrom: { secretKeyRef: { name: "redis-auth", key: "password" } } }]);

/** The fixture reading redis.conf from the ConfigMap "redis-conf", with a Secret "redis-auth" mounted at /etc/redis-auth. */
const fromConfigMap = (args: string[]) =>
  edit(
    edit(edit(redis(), `${container}.args`, args), `${container}.volumeMounts`, [
      { name: "data", mountPath: "/data" },
      { name: "conf", mountPath: "/etc/redis" },
      { name: "auth", mountPath: "/etc/redis-auth" },
    ]),
    "spec.template.spec.volumes",
    [
      { name: "conf", configMap: { name: "redis-conf" } },
      { name: "auth", secret: { secretName: "redis-auth" } },
    ],
  );
const conf = (text: string) => ({ ...configMap({ "redis.conf": text }), metadata: { name: "redis-conf", namespace: "data" } });

describe("redis-durable", () => {
  it("passes a Redis with redis.conf from a Secret and an append-only file on a claim", async () => {
    expect(await stackViolations(redisDurable, stack(redis(), cpuDeployment()))).toEqual([]);
  });

  it("passes a redis.conf from a ConfigMap that includes a password file or an ACL file from a Secret", async () => {
    const redisConf = fromConfigMap(["/etc/redis/redis.conf"]);
    expect(await stackViolations(redisDurable, stack(redisConf, conf("appendonly yes\ninclude /etc/redis-auth/auth.conf\n")))).toEqual([]);
    expect(await stackViolations(redisDurable, stack(redisConf, conf("appendonly yes\naclfile /etc/redis-auth/users.acl\n")))).toEqual([]);
  });

  it("passes an included file the container writes at start into an emptyDir from a file mounted from a Secret", async () => {
    const script = (source: string) => [
      "/bin/sh",
      "-c",
      `hash=$(sha256sum < ${source} | cut -d ' ' -f 1)\nprintf 'user default on resetpass #%s ~* &* +@all\n' "$hash" > /run/redis/auth.conf\nexec docker-entrypoint.sh /etc/redis/redis.conf`,
    ];
    const writesAuth = (source: string) =>
      edit(
        edit(edit(fromConfigMap([]), `${container}.command`, script(source)), `${container}.volumeMounts.3`, { name: "run", mountPath: "/run/redis" }),
        "spec.template.spec.volumes.2",
        { name: "run", emptyDir: { medium: "Memory" } },
      );
    const included = conf("appendonly yes\ninclude /run/redis/auth.conf\n");
    expect(await stackViolations(redisDurable, stack(writesAuth("/etc/redis-auth/password"), included))).toEqual([]);
    expect(await stackViolations(redisDurable, stack(writesAuth("/tmp/password"), included))).toEqual([
      expect.objectContaining({ message: expect.stringContaining("requires no password") }),
    ]);
  });

  it("catches a Redis without a password, naming the resource", async () => {
    const open = edit(redis(), `${container}.args`, ["--appendonly", "yes"]);
    expect(await stackViolations(redisDurable, stack(open))).toEqual([
      {
        message:
          'StatefulSet data/redis: Redis container "redis" requires no password (no redis.conf from a Secret, no include or aclfile of a file from a Secret, no --requirepass). ' +
          "Fix: mount a file holding requirepass from a Secret and include it from redis.conf (or mount redis.conf from a Secret).",
        resource: "redis",
      },
    ]);
  });

  it("catches a ConfigMap redis.conf that includes a file not from a Secret, or keeps the password itself", async () => {
    const redisConf = fromConfigMap(["/etc/redis/redis.conf"]);
    expect(await stackViolations(redisDurable, stack(redisConf, conf("appendonly yes\ninclude /etc/redis/other.conf\n")))).toEqual([
      expect.objectContaining({ message: expect.stringContaining("requires no password") }),
    ]);
    expect(await stackViolations(redisDurable, stack(redisConf, conf("appendonly yes\nrequirepass hunter22\n")))).toEqual([
      expect.objectContaining({ message: expect.stringContaining("keeps its password in a ConfigMap") }),
    ]);
  });

  it("accepts --requirepass from a Secret (no-secret-on-command-line refuses it), but not a literal or a plain variable", async () => {
    expect(await stackViolations(redisDurable, stack(onCommandLine(["--requirepass", "$(REDIS_PASSWORD)", "--appendonly", "yes"])))).toEqual([]);
    const literal = edit(redis(), `${container}.args`, ["--requirepass", "hunter22", "--appendonly", "yes"]);
    expect(await stackViolations(redisDurable, stack(literal))).toEqual([expect.objectContaining({ message: expect.stringContaining("passes its password as a literal on the command line") })]);
    const plainEnv = edit(onCommandLine(["--requirepass", "$(REDIS_PASSWORD)", "--appendonly", "yes"]), `${container}.env`, [{ name: "REDIS_PASSWORD", value: "hunter22" }]);
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
    const noAof = edit(redis(), `${container}.args`, ["/etc/redis/redis.conf"]);
    expect(await stackViolations(redisDurable, stack(noAof))).toEqual([
      expect.objectContaining({ message: expect.stringContaining("keeps no append-only file (appendonly yes, on the command line or in redis.conf)") }),
    ]);
    const noClaim = edit(redis(), "spec.volumeClaimTemplates", undefined);
    expect(await stackViolations(redisDurable, stack(noClaim))).toEqual([
      expect.objectContaining({ message: expect.stringContaining("does not keep its data directory /data on a persistent volume") }),
    ]);
  });

  it("does not require persistence where the environment does not", async () => {
    const noAof = edit(redis(), `${container}.args`, ["/etc/redis/redis.conf"]);
    expect(await stackViolations(redisDurable, stack(noAof), { requirePersistence: false })).toEqual([]);
  });

  it("reads redis.conf from the ConfigMap it is mounted from", async () => {
    const fromConf = fromConfigMap(["/etc/redis/redis.conf"]);
    const auth = "include /etc/redis-auth/auth.conf\n";
    expect(await stackViolations(redisDurable, stack(fromConf, conf(`appendonly yes\nappendfsync everysec\n${auth}`)))).toEqual([]);
    expect(await stackViolations(redisDurable, stack(fromConf, conf(`appendonly no\n${auth}`)))).toEqual([
      expect.objectContaining({ message: expect.stringContaining("keeps no append-only file") }),
    ]);
    // An offline review of a render edited by hand holds both versions of the ConfigMap: either may fail.
    expect(await stackViolations(redisDurable, stack(fromConf, conf(`appendonly yes\n${auth}`), conf(`appendonly no\n${auth}`)))).toEqual([
      expect.objectContaining({ message: expect.stringContaining("keeps no append-only file") }),
    ]);
  });
});
