import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { App, Chart } from "cdk8s";
import { standardLabels } from "../../constructs/common/labels";
import { mongoConnectionUri, type MongoDbEndpoint, MongoDbReplicaSet, mongodbTlsKeys, redisCertificateIpAddresses, redisExporterPasswordFile, RedisServer, redisTlsKeys, redisUrlWithPassword } from "../../constructs/data";
import { ReplicaDisruptionBudget } from "../../constructs/data/replica-disruption-budget";
import { jobEnvironment } from "../../flywheel-job/src/contract";
import type { StackSettings } from "../../stacks/config/schema";
import { generatedPassword } from "../generated-password";
import { applyChart } from "../kubernetes/cdk8s-chart";
import { pinnedRelease, type HelmChartPin } from "../kubernetes/helm";
import { OperatorCrds } from "../kubernetes/operator-crds";
import { secret } from "../kubernetes/secrets";
import { optionalNodeSelector, persistentStorage } from "./construct-props";
import { issueServerCertificate, type StackCertificateAuthority } from "./stack-certificate-authority";

const mongodbName = "flywheel-mongodb";
const redisName = "flywheel-redis";

/** Names of the run-state services and of the Secret the flywheel Jobs connect with. */
export const runStateNaming = {
  mongodb: mongodbName,
  redis: redisName,
  /** In the run-state namespace: Redis's `kubernetes.io/tls` Secret, issued by the stack's CA. */
  redisTls: `${redisName}-tls`,
  /** In the run-state namespace: MongoDB's `kubernetes.io/tls` Secret, issued by the stack's CA, and the CA's ConfigMap (`ca.crt`) the operator reads. */
  mongodbTls: `${mongodbName}-tls`,
  mongodbCa: `${mongodbName}-ca`,
  /** In the flywheel namespace: ELASTICSEARCH_*, MONGODB_URL, REDIS_URL. */
  connectionsSecret: "flywheel-data-connections",
  /** With metrics: the basic-auth user of MongoDB's metrics endpoint, and its Secret (`username`, `password`), which Prometheus reads too. */
  mongodbMetricsUser: "prometheus",
  mongodbMetricsSecret: `${mongodbName}-metrics`,
} as const;

/** In-cluster URLs of the run-state services, without credentials. */
export interface RunStateUrls {
  readonly mongodb: string;
  readonly redis: string;
}

export interface RunStateArgs {
  /** Namespace of MongoDB, its operator (which watches only this namespace) and Redis. */
  readonly namespace: string;
  /** Namespace of the flywheel Jobs, which get the connections Secret. */
  readonly flywheelNamespace: string;
  /** `data-flywheel:platform.mongodb`: replica-set members and their storage. */
  readonly mongodb: StackSettings["platform"]["mongodb"];
  /** `data-flywheel:platform.redis`: persistence and storage. */
  readonly redis: StackSettings["platform"]["redis"];
  /** The MongoDB server version, the Redis image and the pinned MongoDB Controllers for Kubernetes release. */
  readonly versions: {
    readonly mongodb: string;
    readonly redisImage: string;
    readonly mongodbOperator: { readonly chart: HelmChartPin; readonly crdUrls: readonly string[] };
  };
  /** Production: MongoDB members spread across zones. */
  readonly production: boolean;
  /**
   * StorageClass of the MongoDB and Redis volumes.
   * @default the cluster's default StorageClass
   */
  readonly storageClass?: string;
  /** Nodes the operator, MongoDB and Redis run on; empty for any node. */
  readonly nodeSelector: Readonly<Record<string, string>>;
  /** The stack's CA, which issues Redis's certificate; the Jobs trust it through the CA ConfigMap they mount. */
  readonly certificateAuthority: StackCertificateAuthority;
  /** The log store's reader: the connections Secret carries its credentials with MongoDB's and Redis's. */
  readonly logReader: { readonly url: string; readonly username: string; readonly password: pulumi.Output<string> };
  /**
   * URN of the component that declared these resources before RunState did: each resource RunState
   * declares directly aliases to it, and so keeps its URN (`dataServicesAliases` explains why).
   * @default no aliases
   */
  readonly formerParent?: pulumi.Input<string>;
  /**
   * Serve Prometheus metrics: MongoDB's members through `spec.prometheus` (basic auth, a generated
   * password), Redis through a redis_exporter sidecar with this image.
   * @default no metrics
   */
  readonly metrics?: { readonly redisExporterImage: string };
  /** The cluster's Kubernetes provider. */
  readonly provider: k8s.Provider;
}

/**
 * What the flywheel's runs record and coordinate through: a MongoDB replica set (run records,
 * through MongoDB Controllers for Kubernetes, namespaced) and Redis (the GPU budget's leases), with
 * generated passwords, and the Secret in the flywheel namespace the Jobs connect to every data
 * service with.
 */
export class RunState extends pulumi.ComponentResource {
  /** In-cluster URLs (no credentials). */
  readonly urls: RunStateUrls;
  /** MongoDB's replica set and Redis: a run needs both. */
  readonly stores: k8s.yaml.v2.ConfigGroup;
  /** The flywheel Jobs' connections Secret (`runStateNaming.connectionsSecret`). */
  readonly connections: k8s.core.v1.Secret;
  /** When Redis's certificate expires (RFC 3339), which its expiry alert is rendered with. */
  readonly redisCertificateNotAfter: pulumi.Output<string>;
  /** When MongoDB's certificate expires (RFC 3339), which its expiry alert is rendered with. */
  readonly mongodbCertificateNotAfter: pulumi.Output<string>;
  /** The replica set, for its backup: hosts, replica set, user. */
  readonly mongodb: MongoDbEndpoint;
  /** The replica set user's password (a Pulumi secret). */
  readonly mongodbPassword: pulumi.Output<string>;
  /** Redis's password (a Pulumi secret), which the flywheel Jobs' REDIS_URL carries. */
  readonly redisPassword: pulumi.Output<string>;

  constructor(name: string, args: RunStateArgs, opts?: pulumi.ComponentResourceOptions) {
    super("data-flywheel:platform:RunState", name, {}, opts);
    const ns = args.namespace;
    const aliases = args.formerParent === undefined ? undefined : [{ parent: args.formerParent }];
    const child = { parent: this, aliases };
    const k8sOpts = { ...child, provider: args.provider };
    const passwordSecrets = { mongodb: `${mongodbName}-password`, redis: `${redisName}-password` };

    const mongoPassword = generatedPassword(`${name}-mongodb`, this, aliases);
    const mongoSecret = secret(`${name}-mongodb`, { name: passwordSecrets.mongodb, namespace: ns, stringData: { password: mongoPassword.result } }, k8sOpts);
    const redisPassword = generatedPassword(`${name}-redis`, this, aliases);
    // With metrics, the exporter's Redis user has a password of its own: Redis hashes one key, the exporter reads the other.
    const redisMetricsKeys = { password: "metrics-password", exporterFile: "exporter-passwords.json" };
    const redisMetricsPassword = args.metrics && generatedPassword(`${name}-redis-metrics`, this);
    const redisSecret = secret(`${name}-redis`, {
      name: passwordSecrets.redis,
      namespace: ns,
      stringData: {
        password: redisPassword.result,
        ...(redisMetricsPassword
          ? { [redisMetricsKeys.password]: redisMetricsPassword.result, [redisMetricsKeys.exporterFile]: redisMetricsPassword.result.apply(redisExporterPasswordFile) }
          : {}),
      },
    }, k8sOpts);
    // Redis serves TLS only, with a certificate for its Service's names and the exporter's loopback.
    const redisCertificate = issueServerCertificate(`${name}-redis-tls`, args.certificateAuthority, {
      dnsNames: RedisServer.certificateDnsNames(redisName, ns),
      commonName: `${redisName}.${ns}.svc`,
      ipAddresses: redisCertificateIpAddresses,
    }, { parent: this });
    const redisTlsSecret = secret(`${name}-redis-tls`, {
      name: runStateNaming.redisTls,
      namespace: ns,
      type: "kubernetes.io/tls",
      stringData: {
        [redisTlsKeys.certificate]: redisCertificate.certPem,
        [redisTlsKeys.privateKey]: redisCertificate.privateKeyPem,
        [redisTlsKeys.ca]: args.certificateAuthority.certPem,
      },
    }, { parent: this, provider: args.provider });
    // MongoDB serves TLS only. Its members present the certificate to each other too, so it may
    // authenticate a client as well as a server.
    const mongoCertificate = issueServerCertificate(`${name}-mongodb-tls`, args.certificateAuthority, {
      dnsNames: MongoDbReplicaSet.certificateDnsNames(mongodbName, ns, args.mongodb.members),
      commonName: `${mongodbName}-svc.${ns}.svc`,
      clientAuth: true,
    }, { parent: this });
    const mongoTlsSecret = secret(`${name}-mongodb-tls`, {
      name: runStateNaming.mongodbTls,
      namespace: ns,
      type: "kubernetes.io/tls",
      stringData: { [mongodbTlsKeys.certificate]: mongoCertificate.certPem, [mongodbTlsKeys.privateKey]: mongoCertificate.privateKeyPem },
    }, { parent: this, provider: args.provider });
    const mongoCaConfigMap = new k8s.core.v1.ConfigMap(`${name}-mongodb-ca`, {
      metadata: { name: runStateNaming.mongodbCa, namespace: ns },
      data: { [mongodbTlsKeys.ca]: args.certificateAuthority.certPem },
    }, { parent: this, provider: args.provider });
    const mongoMetricsSecret = args.metrics && secret(`${name}-mongodb-metrics`, {
      name: runStateNaming.mongodbMetricsSecret,
      namespace: ns,
      stringData: { username: runStateNaming.mongodbMetricsUser, password: generatedPassword(`${name}-mongodb-metrics`, this).result },
    }, k8sOpts);

    const mongoCrds = new OperatorCrds(`${name}-mongodb-crds`, { urls: args.versions.mongodbOperator.crdUrls, provider: args.provider }, child);
    const mongoOperator = pinnedRelease(`${name}-mongodb-operator`, {
      chart: args.versions.mongodbOperator.chart,
      releaseName: "mongodb-kubernetes",
      // In the namespace it manages: it watches only its own namespace, with namespaced roles.
      namespace: ns,
      skipCrds: true,
      values: {
        operator: {
          watchedResources: ["mongodbcommunity"],
          enableClusterMongoDBRoles: false,
          // registerConfiguration stays on: the chart documents that without it the operator does not
          // start outside OLM (no webhook certificates). Without the cluster role it cannot register the
          // cluster-wide ValidatingWebhookConfiguration; it logs that and works (chart values, webhook.*).
          webhook: { installClusterRole: false },
          nodeSelector: args.nodeSelector,
          resources: { requests: { cpu: "200m", memory: "200Mi" }, limits: { cpu: "1", memory: "1Gi" } },
        },
        // MongoDB 8.0.12 and later are published as UBI 9 images only.
        community: { mongodb: { imageType: "ubi9" } },
      },
    }, { ...k8sOpts, dependsOn: [mongoCrds] });

    const nodeSelector = optionalNodeSelector(args.nodeSelector);
    const chart = new Chart(new App(), `${name}-state`);
    const mongodb = new MongoDbReplicaSet(chart, "mongodb", {
      name: mongodbName,
      namespace: ns,
      version: args.versions.mongodb,
      members: args.mongodb.members,
      highAvailability: args.production,
      user: { password: { name: passwordSecrets.mongodb } },
      storage: { data: persistentStorage(args.mongodb.storageGiB, args.storageClass), logs: persistentStorage(2, args.storageClass) },
      nodeSelector,
      ...(args.metrics ? { metrics: { username: runStateNaming.mongodbMetricsUser, password: { name: runStateNaming.mongodbMetricsSecret } } } : {}),
      tls: { certificateSecretName: runStateNaming.mongodbTls, caConfigMapName: runStateNaming.mongodbCa },
    });
    // The operator makes no PodDisruptionBudget (MongoDB Controllers for Kubernetes 1.9.1 has none):
    // a drain takes at most one member at a time, so the replica set keeps its majority.
    if (mongodb.members > 1) {
      new ReplicaDisruptionBudget(chart, "mongodb-disruption-budget", {
        name: mongodbName,
        namespace: ns,
        // The operator's StatefulSet selector, `app: <name>-svc` (mongodb-community-operator/controllers/construct/mongodbstatefulset.go).
        podSelector: { app: mongodb.serviceName },
        replicas: mongodb.members,
        labels: standardLabels(mongodbName, "mongodb"),
      });
    }
    const redis = new RedisServer(chart, "redis", {
      name: redisName,
      namespace: ns,
      image: args.versions.redisImage,
      password: { name: passwordSecrets.redis },
      tlsSecretName: runStateNaming.redisTls,
      appendOnly: args.redis.persistence,
      storage: persistentStorage(args.redis.storageGiB, args.storageClass),
      nodeSelector,
      ...(args.metrics
        ? {
            exporter: {
              image: args.metrics.redisExporterImage,
              password: { name: passwordSecrets.redis, key: redisMetricsKeys.password },
              passwordFile: { name: passwordSecrets.redis, key: redisMetricsKeys.exporterFile },
            },
          }
        : {}),
    });
    this.stores = applyChart(`${name}-state`, chart, {
      ...k8sOpts,
      dependsOn: [mongoCrds, mongoOperator, mongoSecret, mongoTlsSecret, mongoCaConfigMap, redisSecret, redisTlsSecret, ...(mongoMetricsSecret ? [mongoMetricsSecret] : [])],
    });

    this.connections = secret(`${name}-connections`, {
      name: runStateNaming.connectionsSecret,
      namespace: args.flywheelNamespace,
      stringData: {
        [jobEnvironment.ELASTICSEARCH_URL]: args.logReader.url,
        [jobEnvironment.ELASTICSEARCH_USERNAME]: args.logReader.username,
        [jobEnvironment.ELASTICSEARCH_PASSWORD]: args.logReader.password,
        [jobEnvironment.MONGODB_URL]: mongoPassword.result.apply((password) => mongoConnectionUri(mongodb, password)),
        [jobEnvironment.REDIS_URL]: redisPassword.result.apply((password) => redisUrlWithPassword(redis.url, password)),
      },
    }, k8sOpts);

    this.redisCertificateNotAfter = redisCertificate.notAfter;
    this.mongodbCertificateNotAfter = mongoCertificate.notAfter;
    this.mongodb = { hosts: mongodb.hosts, replicaSetName: mongodb.replicaSetName, username: mongodb.username, database: mongodb.database, authDatabase: mongodb.authDatabase, tls: mongodb.tls };
    this.mongodbPassword = mongoPassword.result;
    this.redisPassword = redisPassword.result;
    this.urls = { mongodb: mongodb.connectionStringWithoutPassword, redis: redis.url };
    this.registerOutputs({ urls: this.urls });
  }
}
