import type { Chart } from "cdk8s";
import { redisExporterPasswordFile, redisMetricsUser, RedisServer, type RedisServerProps, redisUrlWithPassword } from "../../../constructs/data/redis/redis-server";
import { type Manifest, expectNoSecretValues, expectValidCoreObjects, ofKind, only, synth } from "./support";

const base: RedisServerProps = { name: "redis", namespace: "data", password: { name: "redis-auth" }, tlsSecretName: "redis-tls" };
const production: RedisServerProps = { ...base, appendOnly: true, storage: { size: "5Gi", storageClass: "gp3" }, nodeSelector: { "data-flywheel.io/node-pool": "system" } };

function redis(props: RedisServerProps) {
  let construct: RedisServer | undefined;
  const manifests = synth((chart: Chart) => { construct = new RedisServer(chart, "redis", props); });
  const sts = only(manifests, "StatefulSet");
  const pod = sts.spec.template.spec;
  return { construct: construct as RedisServer, manifests, sts, pod, container: pod.containers[0] as Manifest, config: only(manifests, "ConfigMap").data["redis.conf"] as string };
}

describe("RedisServer", () => {
  test("one pod of the official image, pinned to a full version", () => {
    const { sts, container } = redis(base);
    expect(sts.spec.replicas).toBe(1);
    expect(container.image).toMatch(/^redis:\d+\.\d+\.\d+(-[a-z0-9.]+)?$/);
  });

  test("accepts the official image through a mirror of Docker Hub's library", () => {
    for (const image of ["docker.io/library/redis:8.6.4", "public.ecr.aws/docker/library/redis:8.6.4-alpine"]) {
      expect(redis({ ...base, image }).container.image).toBe(image);
    }
  });

  test("persists to a volume claim mounted at the data directory", () => {
    const { sts, container, config } = redis(production);
    expect(sts.spec.volumeClaimTemplates).toEqual([expect.objectContaining({
      metadata: expect.objectContaining({ name: "data" }),
      spec: { accessModes: ["ReadWriteOnce"], storageClassName: "gp3", resources: { requests: { storage: "5Gi" } } },
    })]);
    expect(container.volumeMounts).toContainEqual({ name: "data", mountPath: "/data" });
    expect(config).toContain("dir /data");
    expect(sts.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: "Retain", whenScaled: "Retain" });
  });

  test("append-only persistence follows the prop, and a config change restarts the pod", () => {
    const dev = redis(base);
    const prod = redis(production);
    expect(dev.config).toContain("appendonly no");
    expect(prod.config).toContain("appendonly yes\nappendfsync everysec");
    const hash = (sts: Manifest) => sts.spec.template.metadata.annotations["data-flywheel.io/config-hash"];
    expect(hash(dev.sts)).not.toBe(hash(prod.sts));
  });

  test("reads the password from the Secret's file: never on a command line or in the environment", () => {
    const { pod, container, config } = redis({ ...base, password: { name: "redis-auth", key: "secret" } });
    expect(pod.volumes).toContainEqual({ name: "password", secret: { secretName: "redis-auth", items: [{ key: "secret", path: "password" }], defaultMode: 0o440 } });
    expect(container.volumeMounts).toContainEqual({ name: "password", mountPath: "/run/secrets/redis", readOnly: true });
    expect(container.env).toBeUndefined();
    expect(container.args).toBeUndefined();
    expect(container.command.slice(0, 2)).toEqual(["/bin/sh", "-c"]);
    expect(container.command.join(" ")).not.toMatch(/requirepass|REDIS_PASSWORD/);
    // The start script writes the password's hash to a memory volume the config includes.
    expect(container.command[2]).toContain("sha256sum < /run/secrets/redis/password");
    expect(container.command[2]).toContain("> /run/redis/auth.conf");
    expect(pod.volumes).toContainEqual({ name: "auth", emptyDir: { medium: "Memory", sizeLimit: "1Mi" } });
    expect(config).toContain("include /run/redis/auth.conf");
  });

  test("serves TLS only, with the certificate and CA of its kubernetes.io/tls Secret; clients authenticate by password", () => {
    const { pod, container, config } = redis(base);
    expect(config).toContain("port 0\ntls-port 6379\n");
    expect(config).toContain("tls-cert-file /run/secrets/redis-tls/tls.crt\ntls-key-file /run/secrets/redis-tls/tls.key\ntls-ca-cert-file /run/secrets/redis-tls/ca.crt\n");
    expect(config).toContain("tls-auth-clients no");
    expect(config).not.toMatch(/^port 6379$/m);
    const items = ["tls.crt", "tls.key", "ca.crt"].map((key) => ({ key, path: key }));
    expect(pod.volumes).toContainEqual({ name: "tls", secret: { secretName: "redis-tls", items, defaultMode: 0o440 } });
    expect(container.volumeMounts).toContainEqual({ name: "tls", mountPath: "/run/secrets/redis-tls", readOnly: true });
    expect(RedisServer.certificateDnsNames("redis", "data")).toEqual(["redis", "redis.data", "redis.data.svc", "redis.data.svc.cluster.local"]);
    expect(() => redis({ ...base, tlsSecretName: "Redis TLS" })).toThrow("tlsSecretName");
  });

  test("probes speak TLS, verify the server against the CA, and authenticate before they PING, with the password from the file", () => {
    const { container } = redis(base);
    for (const probe of [container.readinessProbe, container.livenessProbe]) {
      const command = probe.exec.command.join(" ");
      expect(command).toMatch(/^sh -c REDISCLI_AUTH="\$\(cat \/run\/secrets\/redis\/password\)" redis-cli --tls --cacert \/run\/secrets\/redis-tls\/ca\.crt .* ping/);
      expect(command).not.toContain("--insecure");
      expect(command).not.toContain("--no-auth");
      expect(command).not.toContain(" -a ");
    }
    expect(container.readinessProbe.exec.command.join(" ")).toContain("grep -q PONG");
  });

  test("non-root (uid 999), read-only root filesystem, writable only the data volume and the memory volume of the auth file", () => {
    const { pod, container } = redis(base);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 999, seccompProfile: { type: "RuntimeDefault" } });
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });
    expect(container.volumeMounts).toContainEqual({ name: "config", mountPath: "/etc/redis", readOnly: true });
    expect(pod.automountServiceAccountToken).toBe(false);
  });

  test("requests and limits on the container", () => {
    const { container } = redis(base);
    expect(container.resources).toEqual({ requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } });
  });

  test("a ClusterIP Service for clients and a headless one governing the StatefulSet", () => {
    const { manifests, sts, construct } = redis(base);
    const services = ofKind(manifests, "Service");
    expect(services.map((s) => [s.metadata.name, s.spec.type ?? "headless", s.spec.clusterIP ?? s.spec.clusterIp])).toEqual([["redis", "ClusterIP", undefined], ["redis-headless", "headless", "None"]]);
    expect(sts.spec.serviceName).toBe("redis-headless");
    for (const service of services) expect(service.spec.selector).toEqual(sts.spec.selector.matchLabels);
    expect(construct.url).toBe("rediss://redis.data.svc.cluster.local:6379");
  });

  const exporter = { image: "ghcr.io/oliver006/redis_exporter:v1.89.0", password: { name: "redis-auth", key: "metrics" }, passwordFile: { name: "redis-auth", key: "exporter.json" } };

  test("an exporter sidecar, when asked, scrapes Redis on loopback over verified TLS as the metrics user, with the password file from its Secret, and serves on the ClusterIP Service", () => {
    expect(redis(base).pod.containers).toHaveLength(1);
    const { pod, manifests } = redis({ ...base, exporter });
    const sidecar = pod.containers[1] as Manifest;
    expect(sidecar).toMatchObject({
      name: "exporter",
      image: exporter.image,
      args: [
        "--redis.addr=rediss://127.0.0.1:6379",
        "--redis.user=metrics",
        "--redis.password-file=/run/secrets/redis-exporter/passwords.json",
        "--tls-ca-cert-file=/run/secrets/redis-ca/ca.crt",
        "--web.listen-address=:9121",
      ],
      ports: [{ name: "metrics", containerPort: 9121 }],
      securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
    });
    expect(sidecar.env).toBeUndefined();
    expect(sidecar.args.join(" ")).not.toContain("skip-tls-verification");
    // The CA only: the server's key stays in the Redis container.
    expect(pod.volumes).toContainEqual({ name: "exporter-ca", secret: { secretName: "redis-tls", items: [{ key: "ca.crt", path: "ca.crt" }], defaultMode: 0o440 } });
    expect(sidecar.volumeMounts).toContainEqual({ name: "exporter-ca", mountPath: "/run/secrets/redis-ca", readOnly: true });
    expect(sidecar.volumeMounts).not.toContainEqual(expect.objectContaining({ name: "tls" }));
    expect(pod.volumes).toContainEqual({ name: "exporter-password", secret: { secretName: "redis-auth", items: [{ key: "exporter.json", path: "passwords.json" }], defaultMode: 0o440 } });
    const ports = (name: string) => only(manifests, "Service", name).spec.ports.map((p: Manifest) => p.name);
    expect([ports("redis"), ports("redis-headless")]).toEqual([["redis", "metrics"], ["redis"]]);
    expectValidCoreObjects(manifests);
    expect(() => redis({ ...base, exporter: { ...exporter, image: "ghcr.io/oliver006/redis_exporter" } })).toThrow("exporter.image");
  });

  test("with the exporter, Redis declares the metrics user from its own password file: no keys, no channels, no writes, no admin", () => {
    const plain = redis(base);
    const { pod, container, sts } = redis({ ...base, exporter });
    expect(plain.container.command[2]).not.toContain(`user ${redisMetricsUser}`);
    expect(pod.volumes).toContainEqual({ name: "metrics-password", secret: { secretName: "redis-auth", items: [{ key: "metrics", path: "password" }], defaultMode: 0o440 } });
    expect(container.volumeMounts).toContainEqual({ name: "metrics-password", mountPath: "/run/secrets/redis-metrics", readOnly: true });
    expect(pod.containers[1].volumeMounts).not.toContainEqual(expect.objectContaining({ name: "metrics-password" }));
    const script = container.command[2] as string;
    expect(script).toContain("sha256sum < /run/secrets/redis-metrics/password");
    // Appended after the default user's line, to the file the config includes.
    const rule = (/printf 'user metrics on resetpass #%s ([^'\n]*)\n' "\$hash" >> \/run\/redis\/auth\.conf/.exec(script) ?? [])[1];
    expect(rule).toContain("resetkeys resetchannels -@all ");
    // What the user may run is checked against a real redis-server in redis-start.test.ts.
    expect(rule).not.toMatch(/[~&]|allkeys|allchannels|\+@all|nopass/);
    // The pod restarts when the metrics user comes or goes: Redis reads the rules at start only.
    const hash = (manifest: Manifest) => manifest.spec.template.metadata.annotations["data-flywheel.io/config-hash"];
    expect(hash(sts)).not.toBe(hash(plain.sts));
  });

  test("redisExporterPasswordFile maps the exporter's target, with the metrics user, to the password, as JSON", () => {
    expect(JSON.parse(redisExporterPasswordFile('p"w'))).toEqual({ "rediss://metrics@127.0.0.1:6379": 'p"w' });
  });

  test("redisUrlWithPassword percent-encodes the password", () => {
    expect(redisUrlWithPassword("rediss://redis.data.svc.cluster.local:6379", "p@ss/w:rd")).toBe("rediss://:p%40ss%2Fw%3Ard@redis.data.svc.cluster.local:6379");
  });

  test("every core object validates; no secret values", () => {
    const { manifests } = redis(production);
    expectValidCoreObjects(manifests);
    expectNoSecretValues(manifests);
  });

  const owner = "RedisServer data/redis";
  const officialImage = "must be the official redis image with a full version tag, such as redis:8.6.4-alpine";
  test.each([
    [{ image: "redis:latest" }, `${owner}: image "redis:latest" ${officialImage}`],
    [{ image: "bitnami/redis:7.4.2" }, `${owner}: image "bitnami/redis:7.4.2" ${officialImage}`],
    [{ image: "redis:8" }, `${owner}: image "redis:8" ${officialImage}`],
    [{ image: "example.com/team/redis:8.6.4" }, `${owner}: image "example.com/team/redis:8.6.4" ${officialImage}`],
    [{ name: "Redis" }, "RedisServer data/Redis: name \"Redis\" must be a DNS-1123 label (lower-case letters, digits and '-', at most 50 characters)"],
    [{ storage: { size: "big" } }, `${owner}: storage.size "big" is not a positive Kubernetes quantity such as 500m, 2 or 4Gi`],
    [{ storage: { size: "2Gi", storageClass: "GP3" } }, `${owner}: storage.storageClass "GP3" is not a valid Kubernetes object name (DNS-1123 subdomain)`],
    [{ password: { name: "redis-auth", key: "pass word" } }, `${owner}: password.key "pass word" is not a valid Secret key (letters, digits, '-', '_' and '.')`],
  ] as [Partial<RedisServerProps>, string][])("rejects %j", (override, message) => {
    expect(() => redis({ ...base, ...override })).toThrow(new Error(message));
  });
});
