import { k8s } from "cdk8s-plus-28";
import { Construct } from "constructs";
import {
  type ComputeResources,
  type SecretKeyReference,
  invalidProp,
  requireComputeResources,
  requireDnsLabel,
  requireDnsSubdomain,
  requireInteger,
  requireNodeSelector,
  resolveSecretKey,
  standardLabels,
} from "../common";
import { type JobRunLimits, VersionedJob, resolveJobRunLimits } from "../jobs";
import { nonRootPodSecurityContext, resourceRequirements, restrictedContainerSecurityContext } from "../kube";
import { dataServiceDefaults } from "../versions";
import { bootstrapShell, bootstrapSql, ownerPasswordEnv } from "./bootstrap-sql";
import { postgresPort } from "./postgres-cluster";
import { type PostgresServiceDatabase, requireServiceDatabases } from "./service-databases";

const constructName = "PostgresBootstrapJob";

/** libpq `sslmode` values that encrypt the connection. */
export type PostgresSslMode = "require" | "verify-ca" | "verify-full";

export interface PostgresBootstrapJobProps extends JobRunLimits {
  /** Base name of the Job and its ConfigMap; a content hash is appended. */
  readonly name: string;
  /** Namespace of the Job and of the Secrets it reads. */
  readonly namespace: string;
  /** Host name of the server (such as the RDS endpoint). */
  readonly host: string;
  /**
   * Port of the server.
   * @default 5432
   */
  readonly port?: number;
  /**
   * Secret of type `kubernetes.io/basic-auth` with the administrator's `username` and `password`
   * (the RDS master user): a role allowed to create roles and databases.
   */
  readonly adminSecretName: string;
  /**
   * Database the administrator connects to.
   * @default "postgres"
   */
  readonly adminDatabase?: string;
  /** One database and owner role per service. */
  readonly databases: readonly PostgresServiceDatabase[];
  /**
   * TLS mode. `verify-ca` and `verify-full` check the server against `serverCaSecret`.
   * @default "require"
   */
  readonly sslMode?: PostgresSslMode;
  /**
   * Secret with the CA bundle that signed the server's certificate (for RDS, the region's bundle);
   * its key defaults to `ca.crt`.
   * @default - none; required for verify-ca and verify-full
   */
  readonly serverCaSecret?: SecretKeyReference;
  /**
   * Image with psql 15 or newer and pg_isready.
   * @default dataServiceDefaults.postgresImage
   */
  readonly image?: string;
  /**
   * Connection attempts before the Job gives up (backoff 2 s doubling to 60 s).
   * @default 30
   */
  readonly maxAttempts?: number;
  /**
   * CPU and memory of the Job's container.
   * @default requests 10m / 32Mi, limits 200m / 128Mi
   */
  readonly resources?: ComputeResources;
  /**
   * Node labels the Job's pod must run on.
   * @default - any node
   */
  readonly nodeSelector?: Readonly<Record<string, string>>;
}

const defaultResources: ComputeResources = { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "200m", memory: "128Mi" } };
// CloudNativePG's images run as postgres (uid 26, gid 26).
const postgresUser = { uid: 26, gid: 26 };
const scriptDir = "/etc/postgres-bootstrap";
const caDir = "/etc/postgres-ca";
const files = { shell: "bootstrap.sh", sql: "bootstrap.sql" } as const;

/**
 * Creates each service's database and owner role on a PostgreSQL server outside the cluster (RDS in
 * production), idempotently, from Secret names only. Same Job hygiene as the Elasticsearch bootstrap:
 * content-hashed name, bounded retries and runtime, non-root, read-only root filesystem.
 */
export class PostgresBootstrapJob extends Construct {
  /** Name of the Job (and of its ConfigMap): the base name and a content hash. */
  readonly jobName: string;
  readonly versionedJob: VersionedJob;

  constructor(scope: Construct, id: string, props: PostgresBootstrapJobProps) {
    super(scope, id);
    const limits = resolveJobRunLimits(constructName, id, props);
    const port = props.port ?? postgresPort;
    const adminDatabase = props.adminDatabase ?? "postgres";
    const sslMode = props.sslMode ?? "require";
    const maxAttempts = props.maxAttempts ?? 30;
    const resources = props.resources ?? defaultResources;
    const image = props.image ?? dataServiceDefaults.postgresImage;
    requireDnsLabel(constructName, id, "name", props.name);
    requireDnsLabel(constructName, id, "namespace", props.namespace);
    if (!/^[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?$/.test(props.host)) {
      throw invalidProp(constructName, id, "host", props.host, "must be a host name or IP address");
    }
    requireInteger(constructName, id, "port", port, 1, 65535);
    requireDnsSubdomain(constructName, id, "adminSecretName", props.adminSecretName);
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(adminDatabase)) {
      throw invalidProp(constructName, id, "adminDatabase", adminDatabase, "must be a database name (letters, digits, '_')");
    }
    requireServiceDatabases(constructName, id, props.databases);
    if (!["require", "verify-ca", "verify-full"].includes(sslMode)) {
      throw invalidProp(constructName, id, "sslMode", sslMode, "must be require, verify-ca or verify-full (credentials never cross the network in clear text)");
    }
    const serverCa = props.serverCaSecret === undefined
      ? undefined
      : resolveSecretKey(constructName, id, "serverCaSecret", { name: props.serverCaSecret.name, key: props.serverCaSecret.key ?? "ca.crt" });
    if (sslMode !== "require" && serverCa === undefined) {
      throw invalidProp(constructName, id, "serverCaSecret", undefined, `is required with sslMode ${sslMode}`);
    }
    requireInteger(constructName, id, "maxAttempts", maxAttempts, 1, 1000);
    requireComputeResources(constructName, id, "resources", resources);
    if (props.nodeSelector !== undefined) requireNodeSelector(constructName, id, "nodeSelector", props.nodeSelector);

    const adminCredential = (key: string): k8s.EnvVarSource => ({ secretKeyRef: { name: props.adminSecretName, key } });
    const env: k8s.EnvVar[] = [
      { name: "PGHOST", value: props.host },
      { name: "PGPORT", value: String(port) },
      { name: "PGDATABASE", value: adminDatabase },
      { name: "PGUSER", valueFrom: adminCredential("username") },
      { name: "PGPASSWORD", valueFrom: adminCredential("password") },
      { name: "PGSSLMODE", value: sslMode },
      { name: "PGCONNECT_TIMEOUT", value: "10" },
      { name: "PGAPPNAME", value: "data-flywheel-bootstrap" },
      { name: "MAX_ATTEMPTS", value: String(maxAttempts) },
      ...(serverCa === undefined ? [] : [{ name: "PGSSLROOTCERT", value: `${caDir}/${serverCa.key}` }]),
      ...props.databases.map((entry, i) => ({
        name: ownerPasswordEnv(i),
        valueFrom: { secretKeyRef: { name: entry.credentialsSecretName, key: "password" } },
      })),
    ];

    const podSpec = (configMapName: string): k8s.PodSpec => ({
      restartPolicy: "Never",
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      securityContext: nonRootPodSecurityContext(postgresUser.uid, postgresUser.gid),
      nodeSelector: props.nodeSelector === undefined ? undefined : { ...props.nodeSelector },
      containers: [{
        name: "bootstrap",
        image,
        command: ["/bin/sh", `${scriptDir}/${files.shell}`],
        env,
        resources: resourceRequirements(resources),
        securityContext: restrictedContainerSecurityContext(),
        volumeMounts: [
          { name: "bootstrap", mountPath: scriptDir, readOnly: true },
          ...(serverCa === undefined ? [] : [{ name: "server-ca", mountPath: caDir, readOnly: true }]),
        ],
      }],
      volumes: [
        { name: "bootstrap", configMap: { name: configMapName } },
        ...(serverCa === undefined ? [] : [{ name: "server-ca", secret: { secretName: serverCa.name, items: [{ key: serverCa.key, path: serverCa.key }] } }]),
      ],
    });

    this.versionedJob = new VersionedJob(this, "versioned", {
      constructName, id, name: props.name, namespace: props.namespace,
      labels: standardLabels(props.name, "postgres-bootstrap"),
      limits,
      files: { [files.shell]: bootstrapShell(files.sql), [files.sql]: bootstrapSql(props.databases) },
      podSpec,
    });
    this.jobName = this.versionedJob.name;
  }
}
