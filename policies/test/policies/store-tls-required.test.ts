import { storeTlsRequired } from "../../policies/store-tls-required";
import { stackViolations } from "../support/policy-review";
import { configMap, cpuDeployment, edit, elasticsearch, kubernetesResource, mongodb, redis, type TestResource } from "../support/fixtures";

const container = "spec.template.spec.containers.0";

/** The Redis fixture serving TLS only, from the command line. */
const tlsRedis = () => edit(redis(), `${container}.args`, ["/etc/redis/redis.conf", "--appendonly", "yes", "--tls-port", "6379", "--port", "0"]);

/** The Redis fixture reading redis.conf from the ConfigMap "redis-conf". */
const redisFromConfigMap = () =>
  edit(edit(redis(), "spec.template.spec.volumes", [{ name: "config", configMap: { name: "redis-conf" } }]), `${container}.args`, ["/etc/redis/redis.conf"]);
const redisConf = (text: string) => ({ ...configMap({ "redis.conf": text }), metadata: { name: "redis-conf", namespace: "data" } });

const tlsMongodb = () => edit(mongodb(3), "spec.security.tls", { enabled: true, certificateKeySecretRef: { name: "mongodb-tls" }, caConfigMapRef: { name: "ca" } });

const parameterGroup = (family: string, forceSsl?: string): TestResource => ({
  type: "aws:rds/parameterGroup:ParameterGroup",
  name: "nemo-postgres",
  props: { family, parameters: forceSsl === undefined ? [] : [{ name: "rds.force_ssl", value: forceSsl }] },
});

const review = (...resources: TestResource[]) => stackViolations(storeTlsRequired, resources);
const messages = async (...resources: TestResource[]) => (await review(...resources)).map((v) => v.message);

describe("store-tls-required", () => {
  it("passes stores that serve TLS only, and clients that connect with it", async () => {
    const jobEnv = edit(cpuDeployment(), `${container}.env`, [
      { name: "REDIS_URL", value: "rediss://flywheel-redis.data.svc:6379" },
      { name: "MONGODB_URL", value: "mongodb://flywheel-mongodb-svc.data.svc:27017/?replicaSet=flywheel-mongodb&tls=true" },
    ]);
    expect(
      await review(
        kubernetesResource(tlsRedis()),
        kubernetesResource(tlsMongodb()),
        kubernetesResource(elasticsearch(3)),
        kubernetesResource(jobEnv),
        parameterGroup("postgres16", "1"),
        parameterGroup("postgres16"),
      ),
    ).toEqual([]);
  });

  it("passes a redis.conf from a ConfigMap that sets tls-port and port 0", async () => {
    expect(await review(kubernetesResource(redisFromConfigMap()), kubernetesResource(redisConf("tls-port 6379\nport 0\n")))).toEqual([]);
  });

  it("catches a Redis without TLS, or with a plaintext port next to it, naming the container", async () => {
    expect(await messages(kubernetesResource(redis()))).toEqual([
      'StatefulSet data/redis: Redis container "redis" serves no TLS port (tls-port). Fix: set tls-port and port 0 in redis.conf, with a certificate from the stack CA.',
    ]);
    expect(await messages(kubernetesResource(redisFromConfigMap()), kubernetesResource(redisConf("tls-port 6379\n")))).toEqual([
      expect.stringContaining("also serves plaintext on port 6379 (the default)"),
    ]);
  });

  it("catches a MongoDB without TLS or with TLS optional", async () => {
    expect(await messages(kubernetesResource(mongodb(3)))).toEqual([
      "MongoDBCommunity data/flywheel-db does not enable TLS (spec.security.tls.enabled). Fix: serve TLS with a certificate from the stack CA and refuse plaintext.",
    ]);
    expect(await messages(kubernetesResource(edit(tlsMongodb(), "spec.security.tls.optional", true)))).toEqual([
      expect.stringContaining("accepts plaintext next to TLS (spec.security.tls.optional)"),
    ]);
  });

  it("catches an Elasticsearch with HTTP TLS turned off", async () => {
    expect(await messages(kubernetesResource(edit(elasticsearch(3), "spec.http", { tls: { selfSignedCertificate: { disabled: true } } })))).toEqual([
      expect.stringContaining("turns HTTP TLS off"),
    ]);
  });

  it("catches an RDS PostgreSQL that accepts plaintext, explicitly or by an old major's default", async () => {
    expect(await messages(parameterGroup("postgres16", "0"))).toEqual([
      "RDS parameter group nemo-postgres sets rds.force_ssl to 0, so the server accepts plaintext logins. Fix: set rds.force_ssl to 1.",
    ]);
    expect(await messages(parameterGroup("postgres14"))).toEqual([expect.stringContaining("leaves rds.force_ssl at postgres14's default, 0")]);
    expect(await review({ type: "aws:rds/parameterGroup:ParameterGroup", name: "mysql", props: { family: "mysql8.0", parameters: [] } })).toEqual([]);
  });

  it("catches plaintext connection strings in ConfigMaps and literal environment values", async () => {
    const env = edit(cpuDeployment(), `${container}.env`, [
      { name: "REDIS_URL", value: "redis://flywheel-redis.data.svc:6379" },
      { name: "MONGODB_URL", value: "mongodb://flywheel-mongodb-svc.data.svc:27017/?replicaSet=rs" },
      { name: "FROM_SECRET", valueFrom: { secretKeyRef: { name: "s", key: "k" } } },
    ]);
    const found = await messages(kubernetesResource(env), kubernetesResource(configMap({ dsn: "host=db sslmode=disable" })));
    expect(found).toHaveLength(3);
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/env REDIS_URL holds a redis:\/\/ URL\. Fix: use rediss:\/\//),
        expect.stringMatching(/env MONGODB_URL holds a mongodb:\/\/ URL without tls=true/),
        expect.stringMatching(/data\.dsn holds sslmode=disable/),
      ]),
    );
  });
});
