import { k8s } from "cdk8s-plus-28";
import { Construct } from "constructs";
import { type ComputeResources, resourceRequirements, validateComputeResources } from "../../common/compute-resources";
import { contentHash } from "../../common/content-hash";
import { fail, resourceLabel } from "../../common/errors";
import { standardLabels, validateNodeSelector } from "../../common/labels";
import { validateLabelName, validateNamespace, validateObjectName } from "../../common/names";
import { validatePinnedReference } from "../../common/images";
import { type SecretKeyReference, resolveSecretKey } from "../../common/secrets";
import { nonRootPodSecurityContext, restrictedContainerSecurityContext } from "../../common/security-contexts";
import { type PersistentStorage, validateStorage } from "../../common/storage";
import { dataServiceDefaults } from "../versions";

/** Redis's port. */
export const redisPort = 6379;

/** The metrics exporter sidecar's port (redis_exporter's default `--web.listen-address` :9121), by name and number. */
export const redisMetricsPort = { name: "metrics", port: 9121 } as const;

/** The address the exporter sidecar reaches Redis at: the pod's own loopback, over TLS like every client. */
export const redisExporterTarget = `rediss://127.0.0.1:${redisPort}`;

/** The keys of Redis's TLS Secret: a `kubernetes.io/tls` Secret with the CA that signed the certificate. */
export const redisTlsKeys = { certificate: "tls.crt", privateKey: "tls.key", ca: "ca.crt" } as const;

/** The Redis user the exporter sidecar logs in as (`--redis.user`), not the all-powerful `default`. */
export const redisMetricsUser = "metrics";

/**
 * The metrics user's ACL rules: the list redis_exporter's README gives for a dedicated exporter user,
 * without `+arcount`: ARCOUNT is new in Redis 8.8, and Redis 8.6 refuses to start on an ACL rule naming
 * a command it lacks (the exporter sends it only for `--check-keys` on array keys, which we don't set).
 * No key or channel patterns: its default collection (INFO, CONFIG GET, SLOWLOG, LATENCY) reads no key.
 */
const metricsUserRules = [
  "resetkeys resetchannels -@all +@connection +memory -readonly +strlen +config|get +xinfo +pfcount -quit +zcard +type +xlen",
  "-readwrite -command +client -wait +scard +llen +hlen +get +eval +slowlog +cluster|info +cluster|slots +cluster|nodes",
  "-hello -echo +info +latency +scan -reset -auth -asking",
].join(" ");

/**
 * The exporter's password file (`--redis.password-file`): redis_exporter reads it as JSON mapping the
 * address it scrapes, with the `--redis.user` user put in it, to the password. (The user goes in the
 * flag, not the address: its Redis client reads a lone name in the address as a password.) Pulumi
 * writes it into a Secret; it never becomes an argument or a variable of the container's environment.
 * @param password the metrics user's password
 */
export function redisExporterPasswordFile(password: string): string {
  return JSON.stringify({ [redisExporterTarget.replace("rediss://", `rediss://${redisMetricsUser}@`)]: password });
}

/** The Prometheus exporter sidecar: oliver006/redis_exporter beside Redis, on loopback. */
export interface RedisExporterProps {
  /** redis_exporter's image, pinned by tag or digest. */
  readonly image: string;
  /** Secret (in `namespace`) key holding the password of `redisMetricsUser`, the exporter's own Redis user. */
  readonly password: SecretKeyReference;
  /** Secret (in `namespace`) key holding `redisExporterPasswordFile(<that same password>)`. */
  readonly passwordFile: SecretKeyReference;
  /**
   * CPU and memory of the exporter container.
   * @default requests 10m / 32Mi, limits 100m / 64Mi
   */
  readonly resources?: ComputeResources;
}

export interface RedisServerProps {
  /** Name of the StatefulSet and of the Service clients connect to. */
  readonly name: string;
  readonly namespace: string;
  /**
   * Official Redis image, pinned to a full version tag.
   * @default dataServiceDefaults.redisImage
   */
  readonly image?: string;
  /** Secret (in `namespace`) holding the password every client must authenticate with. */
  readonly password: SecretKeyReference;
  /**
   * `kubernetes.io/tls` Secret (in `namespace`, keys `redisTlsKeys`) with the server's certificate
   * for the names `RedisServer.certificateDnsNames` and `redisCertificateIpAddresses`, and the CA that
   * signed it. Redis serves TLS only; clients verify it against that CA and authenticate by password.
   */
  readonly tlsSecretName: string;
  /**
   * Append-only file persistence (every write logged, fsync each second), on top of the periodic
   * RDB snapshots: at most a second of writes is lost when the pod dies.
   * @default false
   */
  readonly appendOnly?: boolean;
  /**
   * The data volume (RDB snapshots and the append-only file).
   * @default { size: "2Gi" }
   */
  readonly storage?: PersistentStorage;
  /**
   * CPU and memory of the Redis container.
   * @default requests 50m / 128Mi, limits 500m / 256Mi
   */
  readonly resources?: ComputeResources;
  /**
   * Node labels the pod must run on.
   * @default - any node
   */
  readonly nodeSelector?: Readonly<Record<string, string>>;
  /**
   * A redis_exporter sidecar serving Redis's metrics on `redisMetricsPort` (`/metrics`), which the
   * ClusterIP Service exposes too.
   * @default no exporter
   */
  readonly exporter?: RedisExporterProps;
}

/** The connection URL with the password, for Pulumi to put into the consumer's Secret. */
export function redisUrlWithPassword(url: string, password: string): string {
  return url.replace("rediss://", `rediss://:${encodeURIComponent(password)}@`);
}

/** The IP addresses Redis's certificate must name: the exporter sidecar reaches it on the pod's loopback. */
export const redisCertificateIpAddresses: readonly string[] = ["127.0.0.1"];

const defaultResources: ComputeResources = { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } };
const defaultExporterResources: ComputeResources = { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "100m", memory: "64Mi" } };
const exporterPasswordDir = "/run/secrets/redis-exporter";
// The official image's `redis` user (uid 999; group 1000 in the alpine variant).
const redisUser = { uid: 999, gid: 1000 };
const configDir = "/etc/redis";
const dataDir = "/data";
// The Secret's password, mounted as a file; and, in memory, the ACL line derived from it at start.
const passwordDir = "/run/secrets/redis";
const passwordFile = `${passwordDir}/password`;
const metricsPasswordDir = "/run/secrets/redis-metrics";
const metricsPasswordFile = `${metricsPasswordDir}/password`;
const authDir = "/run/redis";
const authConfig = `${authDir}/auth.conf`;
const tlsDir = "/run/secrets/redis-tls";
const caFile = `${tlsDir}/${redisTlsKeys.ca}`;
// The exporter gets the CA only, never the server's key.
const exporterCaDir = "/run/secrets/redis-ca";

/** The server's config file: everything but the password, which the start script adds as an included file. */
export function redisConfig(appendOnly: boolean): string {
  return [
    "# Written by the RedisServer construct. The password's hash is in the included file, written at start.",
    // TLS only: no plaintext port. Clients authenticate by password, not by certificate.
    "port 0",
    `tls-port ${redisPort}`,
    `tls-cert-file ${tlsDir}/${redisTlsKeys.certificate}`,
    `tls-key-file ${tlsDir}/${redisTlsKeys.privateKey}`,
    `tls-ca-cert-file ${caFile}`,
    "tls-auth-clients no",
    "bind * -::*",
    "protected-mode yes",
    `dir ${dataDir}`,
    `appendonly ${appendOnly ? "yes" : "no"}`,
    "appendfsync everysec",
    // The flywheel's locks and semaphores must never be evicted: fail writes instead.
    "maxmemory-policy noeviction",
    `include ${authConfig}`,
    "",
  ].join("\n");
}

/**
 * The container's start script: the default user's password, as its SHA-256 (an ACL `#` rule), in
 * a file on a memory volume that the config includes, then the image's entrypoint. The password is
 * read from the mounted Secret and piped, never an argument of any process or a variable of the
 * container's environment (both of which the container runtime records on the node); the hash
 * needs no quoting, whatever the password holds.
 * @param metricsUser also declare `redisMetricsUser`, with its password from the exporter's Secret
 */
export function redisStartScript(metricsUser: boolean): string {
  return [
    "set -eu",
    "umask 077",
    `hash=$(sha256sum < ${passwordFile} | cut -d ' ' -f 1)`,
    `printf 'user default on resetpass #%s ~* &* +@all\n' "$hash" > ${authConfig}`,
    ...(metricsUser
      ? [
          `hash=$(sha256sum < ${metricsPasswordFile} | cut -d ' ' -f 1)`,
          `printf 'user ${redisMetricsUser} on resetpass #%s ${metricsUserRules}\n' "$hash" >> ${authConfig}`,
        ]
      : []),
    // The image's entrypoint runs redis-server for a `.conf` first argument (and loads the bundled modules).
    `exec docker-entrypoint.sh ${configDir}/redis.conf`,
  ].join("\n");
}

// The probes authenticate, with the password from the file in redis-cli's environment only (not its
// arguments): a wrong password fails them instead of passing an unauthenticated PING. They speak TLS
// and verify the server's certificate against the CA, as every client does.
const authenticatedPing = `REDISCLI_AUTH="$(cat ${passwordFile})" redis-cli --tls --cacert ${caFile} -h 127.0.0.1 -p ${redisPort} ping`;
const readinessCheck = `${authenticatedPing} | grep -q PONG`;
// While loading a large dataset Redis answers LOADING; the pod is alive then, just not ready.
const livenessCheck = `${authenticatedPing} | grep -qE 'PONG|LOADING'`;

/**
 * Redis from the official image as one StatefulSet pod: TLS only (the certificate of `tlsSecretName`;
 * no plaintext port), password required (read from the Secret's
 * file, never on a command line or in the environment), persistence on a PVC
 * (RDB snapshots, plus the append-only file when `appendOnly`), non-root with a read-only root
 * filesystem. Clients connect through the ClusterIP Service `<name>`. With `exporter`, a
 * redis_exporter sidecar reads Redis on loopback as `redisMetricsUser`, which may run only the
 * commands the exporter collects with and read no key, and serves its metrics on that Service too.
 */
export class RedisServer extends Construct {
  readonly name: string;
  readonly namespace: string;
  /** The ClusterIP Service clients use. */
  readonly serviceName: string;
  /** `rediss://<name>.<namespace>.svc.cluster.local:6379`, without the password. */
  readonly url: string;
  readonly statefulSet: k8s.KubeStatefulSet;

  /** The DNS names of the Service clients connect to, which Redis's certificate must name. */
  static certificateDnsNames(name: string, namespace: string): string[] {
    return [name, `${name}.${namespace}`, `${name}.${namespace}.svc`, `${name}.${namespace}.svc.cluster.local`];
  }

  constructor(scope: Construct, id: string, props: RedisServerProps) {
    super(scope, id);
    const image = props.image ?? dataServiceDefaults.redisImage;
    const appendOnly = props.appendOnly ?? false;
    const storage = props.storage ?? { size: "2Gi" };
    const resources = props.resources ?? defaultResources;
    const owner = resourceLabel("RedisServer", props.namespace, props.name);
    validateLabelName(owner, "name", props.name, 50);
    validateNamespace(owner, props.namespace);
    // Docker Hub's official image, directly or through a mirror of its `library/` namespace.
    if (!/^(([a-z0-9.-]+(:\d+)?\/)?([a-z0-9._-]+\/)*library\/)?redis:\d+\.\d+\.\d+(-[a-z0-9.]+)?(@sha256:[a-f0-9]{64})?$/.test(image)) {
      fail(owner, `image "${image}" must be the official redis image with a full version tag, such as redis:8.6.4-alpine`);
    }
    const password = resolveSecretKey(owner, "password", props.password);
    validateObjectName(owner, "tlsSecretName", props.tlsSecretName);
    validateStorage(owner, "storage", storage);
    validateComputeResources(owner, "resources", resources);
    if (props.nodeSelector !== undefined) validateNodeSelector(owner, "nodeSelector", props.nodeSelector);
    const exporter = props.exporter && {
      image: props.exporter.image,
      password: resolveSecretKey(owner, "exporter.password", props.exporter.password),
      passwordFile: resolveSecretKey(owner, "exporter.passwordFile", props.exporter.passwordFile),
      resources: props.exporter.resources ?? defaultExporterResources,
    };
    if (exporter) {
      validatePinnedReference(owner, "exporter.image", exporter.image);
      validateComputeResources(owner, "exporter.resources", exporter.resources);
    }

    this.name = props.name;
    this.namespace = props.namespace;
    this.serviceName = props.name;
    this.url = `rediss://${props.name}.${props.namespace}.svc.cluster.local:${redisPort}`;
    const headlessServiceName = `${props.name}-headless`;
    const labels = standardLabels(props.name, "redis");
    const selector = { "app.kubernetes.io/name": "redis", "app.kubernetes.io/instance": props.name };
    const metadata = (name: string) => ({ name, namespace: props.namespace, labels });
    const configMapName = `${props.name}-config`;

    const config = redisConfig(appendOnly);
    const start = redisStartScript(exporter !== undefined);
    new k8s.KubeConfigMap(this, "config", { metadata: metadata(configMapName), data: { "redis.conf": config } });
    new k8s.KubeService(this, "service", {
      metadata: metadata(this.serviceName),
      spec: {
        type: "ClusterIP",
        selector,
        ports: [
          { name: "redis", port: redisPort, targetPort: k8s.IntOrString.fromString("redis") },
          // On this Service only, not the headless one: a ServiceMonitor selecting both scrapes the pod once.
          ...(exporter ? [{ name: redisMetricsPort.name, port: redisMetricsPort.port, targetPort: k8s.IntOrString.fromString(redisMetricsPort.name) }] : []),
        ],
      },
    });
    new k8s.KubeService(this, "headless", {
      metadata: metadata(headlessServiceName),
      spec: { clusterIp: "None", selector, ports: [{ name: "redis", port: redisPort, targetPort: k8s.IntOrString.fromString("redis") }] },
    });

    this.statefulSet = new k8s.KubeStatefulSet(this, "statefulset", {
      metadata: metadata(props.name),
      spec: {
        serviceName: headlessServiceName,
        replicas: 1,
        selector: { matchLabels: selector },
        template: {
          // A changed config file or start script restarts the pod (both are read only at start).
          metadata: { labels, annotations: { "data-flywheel.io/config-hash": contentHash({ config, start }) } },
          spec: {
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: nonRootPodSecurityContext(redisUser),
            nodeSelector: props.nodeSelector === undefined ? undefined : { ...props.nodeSelector },
            terminationGracePeriodSeconds: 30,
            containers: [{
              name: "redis",
              image,
              command: ["/bin/sh", "-c", start],
              ports: [{ name: "redis", containerPort: redisPort }],
              readinessProbe: {
                exec: { command: ["sh", "-c", readinessCheck] },
                initialDelaySeconds: 5, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3,
              },
              livenessProbe: {
                exec: { command: ["sh", "-c", livenessCheck] },
                initialDelaySeconds: 30, periodSeconds: 15, timeoutSeconds: 5, failureThreshold: 4,
              },
              resources: resourceRequirements(resources),
              securityContext: restrictedContainerSecurityContext(),
              volumeMounts: [
                { name: "data", mountPath: dataDir },
                { name: "config", mountPath: configDir, readOnly: true },
                { name: "password", mountPath: passwordDir, readOnly: true },
                { name: "auth", mountPath: authDir },
                { name: "tls", mountPath: tlsDir, readOnly: true },
                ...(exporter ? [{ name: "metrics-password", mountPath: metricsPasswordDir, readOnly: true }] : []),
              ],
            },
            ...(exporter
              ? [{
                  name: "exporter",
                  image: exporter.image,
                  args: [
                    `--redis.addr=${redisExporterTarget}`,
                    `--redis.user=${redisMetricsUser}`,
                    `--redis.password-file=${exporterPasswordDir}/passwords.json`,
                    // Verifies Redis's certificate against the stack's CA (and its 127.0.0.1 name).
                    `--tls-ca-cert-file=${exporterCaDir}/${redisTlsKeys.ca}`,
                    `--web.listen-address=:${redisMetricsPort.port}`,
                  ],
                  ports: [{ name: redisMetricsPort.name, containerPort: redisMetricsPort.port }],
                  resources: resourceRequirements(exporter.resources),
                  securityContext: restrictedContainerSecurityContext(),
                  volumeMounts: [
                    { name: "exporter-password", mountPath: exporterPasswordDir, readOnly: true },
                    { name: "exporter-ca", mountPath: exporterCaDir, readOnly: true },
                  ],
                }]
              : [])],
            volumes: [
              { name: "config", configMap: { name: configMapName } },
              // Readable by the pod's group (fsGroup) only: the redis user is not the files' owner.
              { name: "password", secret: { secretName: password.name, items: [{ key: password.key, path: "password" }], defaultMode: 0o440 } },
              { name: "auth", emptyDir: { medium: "Memory", sizeLimit: k8s.Quantity.fromString("1Mi") } },
              {
                name: "tls",
                secret: { secretName: props.tlsSecretName, items: Object.values(redisTlsKeys).map((key) => ({ key, path: key })), defaultMode: 0o440 },
              },
              ...(exporter
                ? [
                    { name: "metrics-password", secret: { secretName: exporter.password.name, items: [{ key: exporter.password.key, path: "password" }], defaultMode: 0o440 } },
                    { name: "exporter-password", secret: { secretName: exporter.passwordFile.name, items: [{ key: exporter.passwordFile.key, path: "passwords.json" }], defaultMode: 0o440 } },
                    { name: "exporter-ca", secret: { secretName: props.tlsSecretName, items: [{ key: redisTlsKeys.ca, path: redisTlsKeys.ca }], defaultMode: 0o440 } },
                  ]
                : []),
            ],
          },
        },
        volumeClaimTemplates: [{
          metadata: { name: "data", labels },
          spec: {
            accessModes: ["ReadWriteOnce"],
            storageClassName: storage.storageClass,
            resources: { requests: { storage: k8s.Quantity.fromString(storage.size) } },
          },
        }],
        // Keep the data when the StatefulSet is deleted or scaled (Kubernetes' default, stated).
        persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
      },
    });
  }
}
