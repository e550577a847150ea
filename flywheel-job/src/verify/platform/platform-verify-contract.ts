import { z } from "zod";
import { verifyServingNaming } from "../../serving/serving-contract";

/**
 * What the stack and `flywheel verify platform` share: the names of the suspended CronJob the deploy
 * workflow creates a Job from, the configuration the stack renders for it, and the troubleshooting
 * entries a failed check names. The stack builds the configuration from what it declared; the job
 * parses it with the same schema, so a configuration the job would refuse never reaches the cluster.
 */
export const verifyPlatformNaming = {
  cronJob: "verify-platform",
  /** The label on the CronJob naming its stack, which `--stack` checks (the same as verify-serving's). */
  stackLabel: verifyServingNaming.stackLabel,
  configMap: "verify-platform-config",
  serviceAccount: "verify-platform",
  /** The Secret in the flywheel namespace holding the non-admin credentials the checks log in with. */
  credentialsSecret: "verify-platform-credentials",
  /** Where that Secret is mounted: one file per key, named as the configuration's `*File` fields say. */
  credentialsPath: "/etc/flywheel/verify-platform-credentials",
  /** `app.kubernetes.io/component` of its pods, which the isolation table selects. */
  component: "verify-platform",
  /** `app.kubernetes.io/component` of the `--probe-gpu` pods. */
  probeComponent: "verify-platform-gpu-probe",
  /** Where the ConfigMap is mounted. */
  configPath: "/etc/flywheel/verify-platform.json",
} as const;

/**
 * Every troubleshooting entry a check can name: the README's "Troubleshooting" section has one
 * heading per id (`#### <id>: ...`), which a test holds to this list.
 */
export const troubleshootingIds = [
  "operator-not-ready",
  "pod-crashloop-gpu-runtime",
  "nemo-service-unhealthy",
  "nemo-database-error",
  "elasticsearch-unreachable",
  "elasticsearch-bootstrap-incomplete",
  "elasticsearch-credentials-refused",
  "elasticsearch-privileges-wrong",
  "mongodb-no-primary",
  "redis-unreachable",
  "postgres-database-missing",
  "gpu-pool-unknown-to-autoscaler",
  "gpu-probe-unschedulable",
  "nimcache-not-ready",
  "nimcache-no-profile",
  "nimservice-pending-pool-at-zero",
  "endpoint-unreachable",
  "judge-answers-garbage",
  "flywheel-api-unreachable",
  "network-path-blocked",
  "network-path-open",
  "customizer-job-pending-volcano",
  "jobs-stuck",
  "helm-clusterrole-exists",
  "cronjob-exits-75",
  "backup-late",
  "kubernetes-unreachable",
  "kubernetes-forbidden",
] as const;
export type TroubleshootingId = (typeof troubleshootingIds)[number];

/** One line of the checklist `verify platform` prints. */
export interface PlatformCheckResult {
  /** The check's name, e.g. `operator ready`, `elasticsearch writer`. */
  readonly check: string;
  /** What it checked, e.g. `eck-operator/elastic-operator`, `nemo/customizer`. */
  readonly target: string;
  readonly outcome: "pass" | "fail" | "skip";
  /** What was seen: the evidence of a pass, the reason of a failure or skip (printable, bounded). */
  readonly detail: string;
  /** On a failure: the troubleshooting entry that answers it. */
  readonly troubleshooting?: TroubleshootingId;
}

const name = z.string().min(1).max(253);
const url = z.url().max(2048);
/** A file under the credentials mount, by its key in the Secret. */
const credentialFile = z.string().regex(/^[A-Za-z0-9._-]{1,253}$/);

const hostPort = z.strictObject({ host: name, port: z.int().min(1).max(65535), description: z.string().min(1).max(300) });

/** What the verify Job checks, as the stack renders it into the ConfigMap. */
export const platformVerifyConfigSchema = z.strictObject({
  /** The Pulumi stack's name, which `--stack` is checked against. */
  stack: name,
  /** Each operator's workload (ECK's is a StatefulSet), Ready when all its replicas are available. */
  operators: z.array(z.strictObject({ name, namespace: name, kind: z.enum(["Deployment", "StatefulSet"]), workload: name })).max(50),
  /** Each NeMo service's health endpoint: 2xx is healthy. */
  nemoServices: z.array(z.strictObject({ name, url })).max(50),
  elasticsearch: z
    .strictObject({
      url,
      /** The stack CA's certificate, under the credentials mount; absent for plain HTTP. */
      caFile: credentialFile.optional(),
      dataStream: name,
      ingestPipeline: name,
      /** Roles and users the bootstrap Job creates. */
      roles: z.array(name).max(20),
      users: z.array(name).max(20),
      /**
       * The reader may search the data stream and may not write to it; the writer may index and may
       * not read. A writer exists only when the stack declares log writer namespaces.
       */
      reader: z.strictObject({ username: name, passwordFile: credentialFile }),
      writer: z.strictObject({ username: name, passwordFile: credentialFile }).optional(),
    })
    .optional(),
  mongodb: z
    .strictObject({
      /** The connection string, without credentials. */
      url: z.string().min(1).max(2048),
      caFile: credentialFile.optional(),
      username: name,
      passwordFile: credentialFile,
    })
    .optional(),
  redis: z
    .strictObject({
      /** `redis://host:port` or `rediss://host:port`, without credentials. */
      url: z.string().min(1).max(2048),
      caFile: credentialFile.optional(),
      passwordFile: credentialFile,
    })
    .optional(),
  postgres: z
    .strictObject({
      /** The CA that signed a TLS server's certificate (RDS's bundle); absent: the system's CAs. */
      caFile: credentialFile.optional(),
      /**
       * Each service's database, the server it is on and the owner it connects as: beside RDS, Data
       * Store's stays in CloudNativePG. `tls` is required on RDS; CloudNativePG inside the cluster is
       * plain TCP behind the isolation table.
       */
      databases: z
        .array(
          z.strictObject({
            service: name,
            database: name,
            owner: name,
            passwordFile: credentialFile,
            host: name,
            port: z.int().min(1).max(65535),
            tls: z.boolean(),
          }),
        )
        .max(20),
    })
    .optional(),
  /** The GPU pools the stack declared, by the node label that selects them. */
  gpuPools: z
    .array(
      z.strictObject({
        name,
        role: name,
        /** The labels the pool's nodes carry (and a probe pod selects). */
        nodeSelector: z.record(z.string(), z.string()),
        /** The pool's node count bounds, when the stack sizes it (EKS); absent on a cluster you bring. */
        minSize: z.int().min(0).optional(),
        maxSize: z.int().min(0).optional(),
      }),
    )
    .max(20),
  /** Where `--probe-gpu` pods run, and with which image (the job image, pinned by digest). */
  gpuProbe: z.strictObject({ namespace: name, image: z.string().min(1).max(1024) }),
  nimCaches: z.array(z.strictObject({ namespace: name, name })).max(100),
  /** Model endpoints the evaluations call: each must list models at `<url>/v1/models`. */
  endpoints: z.array(z.strictObject({ name, url, apiKeyFile: credentialFile.optional() })).max(20),
  flywheelApi: z.strictObject({ url, tokenFile: credentialFile.optional() }).optional(),
  /** A sample of the isolation table for the verify pod: these connect, those do not. */
  networkSample: z.strictObject({ allowed: z.array(hostPort).max(50), denied: z.array(hostPort).max(50) }),
});
export type PlatformVerifyConfig = z.infer<typeof platformVerifyConfigSchema>;
