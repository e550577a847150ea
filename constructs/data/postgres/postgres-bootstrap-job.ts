import type { k8s } from "cdk8s-plus-28";
import { Construct } from "constructs";
import type { ComputeResources } from "../../common/compute-resources";
import { fail, resourceLabel } from "../../common/errors";
import { validateInteger } from "../../common/integers";
import { standardLabels } from "../../common/labels";
import { validateNamespace, validateObjectName } from "../../common/names";
import { type JobRunLimits, VersionedJob, maxAttemptsEnv, resolveJobRunLimits, resolveMaxAttempts } from "../jobs";
import { dataServiceDefaults } from "../versions";
import { bootstrapShell, bootstrapSql, ownerPasswordEnv } from "./bootstrap-sql";
import { postgresPort } from "./postgres-cluster";
import { type PostgresServiceDatabase, validateServiceDatabases } from "./service-databases";

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
    const owner = resourceLabel("PostgresBootstrapJob", props.namespace, props.name);
    const limits = resolveJobRunLimits(owner, props);
    const port = props.port ?? postgresPort;
    const adminDatabase = props.adminDatabase ?? "postgres";
    const maxAttempts = resolveMaxAttempts(owner, props.maxAttempts);
    validateNamespace(owner, props.namespace);
    if (!/^[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?$/.test(props.host)) {
      fail(owner, `host "${props.host}" must be a host name or IP address`);
    }
    validateInteger(owner, "port", port, 1, 65535);
    validateObjectName(owner, "adminSecretName", props.adminSecretName);
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(adminDatabase)) {
      fail(owner, `adminDatabase "${adminDatabase}" must be a database name (letters, digits, '_')`);
    }
    validateServiceDatabases(owner, props.databases);

    const adminCredential = (key: string): k8s.EnvVarSource => ({ secretKeyRef: { name: props.adminSecretName, key } });
    this.versionedJob = new VersionedJob(this, "versioned", {
      owner,
      name: props.name,
      namespace: props.namespace,
      labels: standardLabels(props.name, "postgres-bootstrap"),
      limits,
      files: { [files.shell]: bootstrapShell(files.sql), [files.sql]: bootstrapSql(props.databases) },
      scriptDirectory: scriptDir,
      script: files.shell,
      image: props.image ?? dataServiceDefaults.postgresImage,
      user: postgresUser,
      env: [
        { name: "PGHOST", value: props.host },
        { name: "PGPORT", value: String(port) },
        { name: "PGDATABASE", value: adminDatabase },
        { name: "PGUSER", valueFrom: adminCredential("username") },
        { name: "PGPASSWORD", valueFrom: adminCredential("password") },
        // Credentials never cross the network in clear text (`require` encrypts; it does not verify the server's certificate).
        { name: "PGSSLMODE", value: "require" },
        { name: "PGCONNECT_TIMEOUT", value: "10" },
        { name: "PGAPPNAME", value: "data-flywheel-bootstrap" },
        { name: maxAttemptsEnv, value: String(maxAttempts) },
        ...props.databases.map((entry, i) => ({
          name: ownerPasswordEnv(i),
          valueFrom: { secretKeyRef: { name: entry.credentialsSecretName, key: "password" } },
        })),
      ],
      resources: props.resources ?? defaultResources,
      nodeSelector: props.nodeSelector,
    });
    this.jobName = this.versionedJob.name;
  }
}
