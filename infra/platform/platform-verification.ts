import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { App, Chart } from "cdk8s";
import { elasticsearchHttpPort, logStoreNames, mongodbPort, redisPort } from "../../constructs/data";
import { logStoreRoles } from "../../constructs/data/elasticsearch/log-store-access";
import { apiServicePort, inClusterServiceUrl } from "../../constructs/nim/urls";
import { VerifyPlatform } from "../../constructs/verify";
import { flywheelApiService, gpuNodeSelector, judgeProxyService, type PlatformVerifyConfig, verifyPlatformNaming } from "../../flywheel-job/src/contract";
import type { GpuPool } from "../cluster-target";
import { applyChartOf } from "../kubernetes/cdk8s-chart";
import { secret } from "../kubernetes/secrets";
import { type ModelEndpoint, servedModelServiceName } from "./flywheel-models";
import { logStoreNaming } from "./log-store";
import { namespaces } from "./namespaces";
import { type NemoServiceDatabase, nemoServiceNames, type NemoUrls } from "./nemo-microservices";
import { verifyPlatformDeniedSample } from "./network-paths";
import { postgresBackupOperatorsNaming } from "./postgres-backup-operators";
import { secretsOperatorNaming } from "./secrets-operator";

type Operator = PlatformVerifyConfig["operators"][number];

/**
 * The operators' workloads, as their pinned charts name them: `verify platform` checks each is Ready.
 * ECK's is a StatefulSet (eck-operator chart templates/statefulset.yaml, fullname `elastic-operator`);
 * the others are Deployments named after their Helm release (the charts' `fullname` helper), but the
 * NIM operator's, whose release name does not contain its chart's (`<release>-k8s-nim-operator`), and
 * the GPU operator's, which its chart names `gpu-operator` (templates/operator.yaml).
 */
export const platformOperators = {
  eck: { name: "eck", namespace: namespaces.dataOperators, kind: "StatefulSet", workload: "elastic-operator" },
  cloudnativePg: { name: "cloudnative-pg", namespace: namespaces.dataOperators, kind: "Deployment", workload: "cloudnative-pg" },
  nimOperator: { name: "nim-operator", namespace: namespaces.nimOperator, kind: "Deployment", workload: "nim-operator-k8s-nim-operator" },
  gpuOperator: { name: "gpu-operator", namespace: namespaces.gpuOperator, kind: "Deployment", workload: "gpu-operator" },
  secretsOperator: { name: "external-secrets", namespace: namespaces.externalSecrets, kind: "Deployment", workload: secretsOperatorNaming.release },
  certManager: { name: "cert-manager", namespace: namespaces.certManager, kind: "Deployment", workload: postgresBackupOperatorsNaming.certManagerRelease },
  barmanCloudPlugin: { name: "barman-cloud-plugin", namespace: namespaces.dataOperators, kind: "Deployment", workload: postgresBackupOperatorsNaming.pluginRelease },
} as const satisfies Record<string, Operator>;

/**
 * The keys of the credentials Secret (`verifyPlatformNaming.credentialsSecret`), each a file under
 * its mount that the configuration's `*File` fields name. Non-admin logins only.
 */
export const verifyPlatformCredentialKeys = {
  /** The stack's CA, which signed Elasticsearch's, MongoDB's and Redis's certificates. */
  ca: "ca.crt",
  elasticsearchReader: "elasticsearch-reader-password",
  elasticsearchWriter: "elasticsearch-writer-password",
  mongodb: "mongodb-password",
  redis: "redis-password",
  postgres: (service: string): string => `postgres-${service}-password`,
} as const;

/** The NeMo services' health paths, which `verify platform` asks (2xx is healthy). */
const nemoHealthPath = "/v1/health/ready";

export interface PlatformVerificationArgs {
  /** The Pulumi stack's name, which `--stack` checks. */
  readonly stack: string;
  /** The job image (`flywheel.image`) the Job runs, and its GPU probe pods. */
  readonly image: string;
  /** The operators the stack installs (`platformOperators`' entries). */
  readonly operators: readonly Operator[];
  readonly nemo: { readonly urls: NemoUrls; readonly databases: readonly NemoServiceDatabase[] };
  readonly logStore: {
    readonly url: string;
    readonly readerPassword: pulumi.Output<string>;
    /** Per writer namespace: its user's password; the first one's is the writer the Job logs in as. */
    readonly writerPasswords: Readonly<Record<string, pulumi.Output<string>>>;
    readonly caCertPem: pulumi.Input<string>;
  };
  readonly runState: {
    /** The connection string without credentials, the members' `host:port`, the user and its password. */
    readonly mongodb: { readonly url: string; readonly hosts: readonly string[]; readonly username: string; readonly password: pulumi.Output<string> };
    readonly redis: { readonly url: string; readonly password: pulumi.Output<string> };
  };
  readonly gpuPools: readonly GpuPool[];
  /** NIMCaches the stack creates, by namespace and name. */
  readonly nimCaches: readonly { readonly namespace: string; readonly name: string }[];
  readonly judge: ModelEndpoint & { readonly local: boolean };
  readonly embedding: ModelEndpoint & { readonly local: boolean };
  /** Whether the judge proxy runs (a remote judge with workloads): the Job reaches a remote judge only through it. */
  readonly judgeProxy: boolean;
  /** The Flywheel API's in-cluster URL, when the stack deploys it. */
  readonly flywheelApiUrl?: string;
  /** The namespaces, the network policies (the Job's rows) and the stores. */
  readonly dependsOn: readonly pulumi.Resource[];
  readonly provider: k8s.Provider;
}

function hostOf(url: string): string {
  return new URL(url).hostname;
}

/**
 * What `flywheel verify platform` runs from in the cluster: the suspended verify-platform CronJob
 * with its ConfigMap and read-only RBAC (the `VerifyPlatform` construct), and the Secret of the
 * non-admin logins it checks the stores with. The configuration is built from what the stack
 * declared, each fact from its owner; an RDS address is known only as the stack deploys, so the
 * chart is built once it is. The ConfigMap holds no secret: passwords are only in the Secret.
 */
export class PlatformVerification extends pulumi.ComponentResource {
  /** What the Job checks, as its ConfigMap holds it (RDS hosts once known). */
  readonly verifyConfig: pulumi.Output<PlatformVerifyConfig>;

  constructor(name: string, args: PlatformVerificationArgs, opts?: pulumi.ComponentResourceOptions) {
    super("data-flywheel:platform:PlatformVerification", name, {}, opts);
    const keys = verifyPlatformCredentialKeys;
    const flywheel = namespaces.flywheel;
    const [writerNamespace] = Object.keys(args.logStore.writerPasswords);
    const redisHost = new URL(args.runState.redis.url);
    const mongodbHost = args.runState.mongodb.hosts[0]?.split(":")[0];
    const inClusterDatabase = args.nemo.databases.find((db) => !db.tls);

    const build = (hosts: readonly string[]): PlatformVerifyConfig => ({
      stack: args.stack,
      operators: [...args.operators],
      nemoServices: Object.entries(args.nemo.urls).flatMap(([service, url]) =>
        typeof url === "string" ? [{ name: nemoServiceNames[service as keyof NemoUrls], url: `${url}${nemoHealthPath}` }] : [],
      ),
      elasticsearch: {
        url: args.logStore.url,
        caFile: keys.ca,
        dataStream: logStoreNaming.logIndex,
        ingestPipeline: logStoreNames(logStoreNaming.logIndex).writerPipeline,
        roles: [logStoreRoles.reader, ...(writerNamespace !== undefined ? [logStoreRoles.writer] : [])],
        users: [logStoreNaming.readerUser, ...Object.keys(args.logStore.writerPasswords).map(logStoreNaming.writerUser)],
        reader: { username: logStoreNaming.readerUser, passwordFile: keys.elasticsearchReader },
        ...(writerNamespace !== undefined ? { writer: { username: logStoreNaming.writerUser(writerNamespace), passwordFile: keys.elasticsearchWriter } } : {}),
      },
      mongodb: { url: args.runState.mongodb.url, caFile: keys.ca, username: args.runState.mongodb.username, passwordFile: keys.mongodb },
      redis: { url: args.runState.redis.url, caFile: keys.ca, passwordFile: keys.redis },
      postgres: {
        databases: args.nemo.databases.map((db, i) => ({
          service: db.service,
          database: db.database,
          owner: db.owner,
          passwordFile: keys.postgres(db.service),
          host: hosts[i],
          port: db.port,
          tls: db.tls,
        })),
      },
      gpuPools: args.gpuPools.map((pool) => ({
        name: pool.name,
        role: pool.role,
        // The role label every GPU node carries (README; EKS sets it), and the product GPU feature discovery labels.
        nodeSelector: { ...gpuNodeSelector(pool.role), "nvidia.com/gpu.product": pool.gpuProduct },
        ...(pool.size ? { minSize: pool.size.min, maxSize: pool.size.max } : {}),
      })),
      gpuProbe: { namespace: flywheel, image: args.image },
      nimCaches: args.nimCaches.map((cache) => ({ ...cache })),
      endpoints: [
        // A remote judge only through the proxy that adds its key; a remote embedding model has no row from the Job.
        ...(args.judge.local
          ? [{ name: "judge", url: inClusterServiceUrl(servedModelServiceName("judge"), namespaces.nemo) }]
          : args.judgeProxy
            ? [{ name: "judge", url: inClusterServiceUrl(judgeProxyService.serviceName, flywheel, judgeProxyService.port) }]
            : []),
        ...(args.embedding.local ? [{ name: "embedding", url: inClusterServiceUrl(servedModelServiceName("embedding"), namespaces.nemo) }] : []),
      ],
      ...(args.flywheelApiUrl !== undefined ? { flywheelApi: { url: args.flywheelApiUrl } } : {}),
      networkSample: {
        // A few of the Job's rows in the isolation table (platformNetworkPaths' verifyPlatform paths).
        allowed: [
          { host: hostOf(args.logStore.url), port: elasticsearchHttpPort, description: "Elasticsearch" },
          ...(mongodbHost !== undefined ? [{ host: mongodbHost, port: mongodbPort, description: "MongoDB (a member)" }] : []),
          { host: redisHost.hostname, port: redisPort, description: "Redis" },
          { host: hostOf(args.nemo.urls.entitystore), port: apiServicePort, description: "Entity Store" },
          ...(inClusterDatabase ? [{ host: hosts[args.nemo.databases.indexOf(inClusterDatabase)], port: inClusterDatabase.port, description: `PostgreSQL (${inClusterDatabase.service}'s database in CloudNativePG)` }] : []),
          ...(args.flywheelApiUrl !== undefined ? [{ host: hostOf(args.flywheelApiUrl), port: flywheelApiService.port, description: "the Flywheel API" }] : []),
        ],
        denied: verifyPlatformDeniedSample.map((sample) => ({ ...sample })),
      },
    });

    const hosts = pulumi.all(args.nemo.databases.map((db) => db.host));
    const credentials = secret(`${name}-credentials`, {
      name: verifyPlatformNaming.credentialsSecret,
      namespace: flywheel,
      stringData: {
        [keys.ca]: args.logStore.caCertPem,
        [keys.elasticsearchReader]: args.logStore.readerPassword,
        ...(writerNamespace !== undefined ? { [keys.elasticsearchWriter]: args.logStore.writerPasswords[writerNamespace] } : {}),
        [keys.mongodb]: args.runState.mongodb.password,
        [keys.redis]: args.runState.redis.password,
        ...Object.fromEntries(args.nemo.databases.map((db) => [keys.postgres(db.service), db.password])),
      },
    }, { parent: this, provider: args.provider });

    this.verifyConfig = hosts.apply((known) => build(known));
    applyChartOf(name, hosts, (known) => {
      const chart = new Chart(new App(), name);
      new VerifyPlatform(chart, "verify", { namespace: flywheel, config: build(known), image: args.image });
      return chart;
    }, { parent: this, provider: args.provider, dependsOn: [...args.dependsOn, credentials] });
    this.registerOutputs({});
  }
}
