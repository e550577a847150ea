import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";
import { App, Chart } from "cdk8s";
import {
  ElasticsearchBootstrapJob,
  ElasticsearchCluster,
  fileRealmUserKeys,
  logStoreRoles,
  logStoreRolesYaml,
  mongoConnectionUri,
  MongoDbReplicaSet,
  RedisServer,
  redisUrlWithPassword,
  rolesFileKey,
} from "../../constructs/data";
import { IrsaRole } from "../aws/irsa-role";
import { generatedPassword } from "../generated-password";
import type { AwsIdentity } from "../cluster-target";
import { applyChart } from "../kubernetes/cdk8s-chart";
import { pinnedRelease, type HelmChartPin } from "../kubernetes/helm";
import { OperatorCrds } from "../kubernetes/operator-crds";
import { secret } from "../kubernetes/secrets";
import { jobEnvironment } from "../../flywheel-job/src/contract";

export interface DataServicesArgs {
  /** Namespace of Elasticsearch, MongoDB (and its operator) and Redis. */
  readonly namespace: string;
  /** Namespace of the flywheel Jobs, which get the connection Secret. */
  readonly flywheelNamespace: string;
  /** Existing namespaces of applications that write logs; each gets the writer's Secret. */
  readonly logWriterNamespaces: readonly string[];
  readonly production: boolean;
  readonly elasticsearch: {
    readonly nodes: number;
    readonly storageGiB: number;
    readonly logRetentionDays: number;
    readonly snapshots: boolean;
    /**
     * Name of the snapshot bucket (S3 names are global).
     * @default `<cluster name>-log-snapshots-<region>`
     */
    readonly snapshotBucket?: string;
    readonly version: string;
  };
  readonly mongodb: {
    readonly members: number;
    readonly storageGiB: number;
    readonly version: string;
    readonly operator: { readonly chart: HelmChartPin; readonly crdUrls: readonly string[] };
  };
  readonly redis: { readonly persistence: boolean; readonly storageGiB: number; readonly image: string };
  readonly bootstrapImage: string;
  /** StorageClass for the volumes; the cluster default when undefined. */
  readonly storageClass?: string;
  readonly nodeSelector: Readonly<Record<string, string>>;
  /** ECK's CRDs and release: Elasticsearch waits for them and is deleted before them. */
  readonly eck: readonly pulumi.Resource[];
  /** Set on EKS: the snapshot bucket's IAM role is assumed through IRSA. */
  readonly aws?: AwsIdentity;
  readonly provider: k8s.Provider;
  readonly tags?: Record<string, string>;
}

/** Names of the log store, its users and the Secrets consumers mount. */
export const dataServiceNames = {
  elasticsearch: "flywheel-logs",
  mongodb: "flywheel-mongodb",
  redis: "flywheel-redis",
  logIndex: "flywheel",
  readerUser: "flywheel-reader",
  writerUser: "log-writer",
  /** In the flywheel namespace: ELASTICSEARCH_*, MONGODB_URL, REDIS_URL. */
  connectionsSecret: "flywheel-data-connections",
  /** In the flywheel namespace and each writer namespace: the CA that signed Elasticsearch's certificate (`ca.crt`). */
  caConfigMap: "flywheel-logs-ca",
  /** In each writer namespace: `url`, `username`, `password`, `ca.crt`. */
  writerSecret: "flywheel-log-writer",
  snapshotServiceAccount: "elasticsearch-snapshots",
  /** In the data namespace: the ARN of the snapshot role (key `roleArn`), which the Elasticsearch pods read. */
  snapshotRoleConfigMap: "elasticsearch-snapshots-role",
} as const;


/**
 * The flywheel's data services: Elasticsearch for production logs (TLS from a CA this stack owns,
 * least-privilege reader and writer users, a log data stream with retention, S3 snapshots in
 * production), MongoDB for run records and Redis for the GPU budget. Every credential is generated
 * here and written as a Secret into each namespace that uses it.
 */
export class DataServices extends pulumi.ComponentResource {
  /** In-cluster URLs (no credentials). */
  readonly urls: { readonly elasticsearch: string; readonly mongodb: string; readonly redis: string };
  /** What the flywheel Jobs wait for. */
  readonly ready: pulumi.Resource[];

  constructor(name: string, args: DataServicesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("data-flywheel:platform:DataServices", name, {}, opts);
    const ns = args.namespace;
    const k8sOpts = { parent: this, provider: args.provider };
    const names = dataServiceNames;
    const secretNames = {
      httpTls: `${names.elasticsearch}-http-tls`,
      reader: `${names.elasticsearch}-user-${names.readerUser}`,
      writer: `${names.elasticsearch}-user-${names.writerUser}`,
      roles: `${names.elasticsearch}-roles`,
      mongodb: `${names.mongodb}-password`,
      redis: `${names.redis}-password`,
    };

    // TLS: a CA of this stack's own signs Elasticsearch's HTTP certificate, so every consumer, in any
    // namespace, trusts the same CA, which outlives certificate renewals.
    const caKey = new tls.PrivateKey(`${name}-ca`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, { parent: this });
    const ca = new tls.SelfSignedCert(`${name}-ca`, {
      privateKeyPem: caKey.privateKeyPem,
      isCaCertificate: true,
      validityPeriodHours: 10 * 365 * 24,
      allowedUses: ["cert_signing", "crl_signing"],
      subject: { commonName: "data-flywheel log store CA", organization: "data-flywheel" },
    }, { parent: this });
    const serverKey = new tls.PrivateKey(`${name}-es-http`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, { parent: this });
    const serverRequest = new tls.CertRequest(`${name}-es-http`, {
      privateKeyPem: serverKey.privateKeyPem,
      dnsNames: ElasticsearchCluster.httpCertificateDnsNames(names.elasticsearch, ns),
      subject: { commonName: `${names.elasticsearch}-es-http.${ns}.svc` },
    }, { parent: this });
    const serverCert = new tls.LocallySignedCert(`${name}-es-http`, {
      certRequestPem: serverRequest.certRequestPem,
      caPrivateKeyPem: caKey.privateKeyPem,
      caCertPem: ca.certPem,
      validityPeriodHours: 2 * 365 * 24,
      // `pulumi up` in the last 90 days of the certificate's life issues a new one.
      earlyRenewalHours: 90 * 24,
      allowedUses: ["digital_signature", "key_encipherment", "server_auth"],
    }, { parent: this });
    const httpTls = secret(`${name}-es-http-tls`, {
      name: secretNames.httpTls,
      namespace: ns,
      type: "kubernetes.io/tls",
      stringData: { "tls.crt": serverCert.certPem, "tls.key": serverKey.privateKeyPem, "ca.crt": ca.certPem },
    }, k8sOpts);

    const readerPassword = generatedPassword(`${name}-es-reader`, this);
    const writerPassword = generatedPassword(`${name}-es-writer`, this);
    const fileRealmUser = (id: string, secretName: string, username: string, role: string, pw: random.RandomPassword): k8s.core.v1.Secret =>
      secret(`${name}-${id}`, {
        name: secretName,
        namespace: ns,
        type: "kubernetes.io/basic-auth",
        stringData: { [fileRealmUserKeys.username]: username, [fileRealmUserKeys.password]: pw.result, [fileRealmUserKeys.roles]: role },
      }, k8sOpts);
    const users = [
      fileRealmUser("es-reader", secretNames.reader, names.readerUser, logStoreRoles.reader, readerPassword),
      fileRealmUser("es-writer", secretNames.writer, names.writerUser, logStoreRoles.writer, writerPassword),
    ];
    const roles = new k8s.core.v1.Secret(`${name}-es-roles`, {
      metadata: { name: secretNames.roles, namespace: ns },
      stringData: { [rolesFileKey]: logStoreRolesYaml({ logIndex: names.logIndex }) },
    }, k8sOpts);

    const snapshots = args.elasticsearch.snapshots && args.aws ? this.snapshotStorage(name, args, args.aws) : undefined;

    const mongoPassword = generatedPassword(`${name}-mongodb`, this);
    const mongoSecret = secret(`${name}-mongodb`, { name: secretNames.mongodb, namespace: ns, stringData: { password: mongoPassword.result } }, k8sOpts);
    const redisPassword = generatedPassword(`${name}-redis`, this);
    const redisSecret = secret(`${name}-redis`, { name: secretNames.redis, namespace: ns, stringData: { password: redisPassword.result } }, k8sOpts);

    const mongoCrds = new OperatorCrds(`${name}-mongodb-crds`, { urls: args.mongodb.operator.crdUrls, provider: args.provider }, { parent: this });
    const mongoOperator = pinnedRelease(`${name}-mongodb-operator`, {
      chart: args.mongodb.operator.chart,
      releaseName: "mongodb-kubernetes",
      // In the namespace it manages: it watches only its own namespace, with namespaced roles.
      namespace: ns,
      skipCrds: true,
      values: {
        operator: {
          watchedResources: ["mongodbcommunity"],
          enableClusterMongoDBRoles: false,
          webhook: { registerConfiguration: false, installClusterRole: false },
          nodeSelector: args.nodeSelector,
          resources: { requests: { cpu: "200m", memory: "200Mi" }, limits: { cpu: "1", memory: "1Gi" } },
        },
        // MongoDB 8.0.12 and later are published as UBI 9 images only.
        community: { mongodb: { imageType: "ubi9" } },
      },
    }, { ...k8sOpts, dependsOn: [mongoCrds] });

    const storage = (sizeGiB: number): { size: string; storageClassName?: string } => ({
      size: `${sizeGiB}Gi`,
      ...(args.storageClass ? { storageClassName: args.storageClass } : {}),
    });
    const nodeSelector = Object.keys(args.nodeSelector).length > 0 ? args.nodeSelector : undefined;

    const logChart = new Chart(new App(), `${name}-logs`);
    const elasticsearch = new ElasticsearchCluster(logChart, "elasticsearch", {
      name: names.elasticsearch,
      namespace: ns,
      version: args.elasticsearch.version,
      nodeCount: args.elasticsearch.nodes,
      highAvailability: args.production,
      storage: storage(args.elasticsearch.storageGiB),
      httpTlsSecretName: secretNames.httpTls,
      fileRealmSecretNames: [secretNames.reader, secretNames.writer],
      rolesSecretNames: [secretNames.roles],
      snapshots: snapshots
        ? { serviceAccountName: names.snapshotServiceAccount, roleArnConfigMap: { name: names.snapshotRoleConfigMap, key: "roleArn" }, region: args.aws?.region }
        : undefined,
      nodeSelector,
    });
    new ElasticsearchBootstrapJob(logChart, "bootstrap", {
      name: `${names.elasticsearch}-bootstrap`,
      elasticsearch,
      logIndex: names.logIndex,
      retentionDays: args.elasticsearch.logRetentionDays,
      image: args.bootstrapImage,
      snapshots: snapshots ? { bucket: snapshots.bucket, schedule: {} } : undefined,
      nodeSelector,
    });
    const logStore = applyChart(`${name}-logs`, logChart, {
      parent: this,
      provider: args.provider,
      dependsOn: [...args.eck, httpTls, roles, ...users, ...(snapshots?.resources ?? [])],
    });

    const stateChart = new Chart(new App(), `${name}-state`);
    const mongodb = new MongoDbReplicaSet(stateChart, "mongodb", {
      name: names.mongodb,
      namespace: ns,
      version: args.mongodb.version,
      members: args.mongodb.members,
      highAvailability: args.production,
      user: { password: { name: secretNames.mongodb } },
      storage: { data: storage(args.mongodb.storageGiB), logs: storage(2) },
      nodeSelector,
    });
    const redis = new RedisServer(stateChart, "redis", {
      name: names.redis,
      namespace: ns,
      image: args.redis.image,
      password: { name: secretNames.redis },
      appendOnly: args.redis.persistence,
      storage: storage(args.redis.storageGiB),
      nodeSelector,
    });
    const state = applyChart(`${name}-state`, stateChart, {
      parent: this,
      provider: args.provider,
      dependsOn: [mongoCrds, mongoOperator, mongoSecret, redisSecret],
    });

    const connections = secret(`${name}-connections`, {
      name: names.connectionsSecret,
      namespace: args.flywheelNamespace,
      stringData: {
        [jobEnvironment.ELASTICSEARCH_URL]: elasticsearch.url,
        [jobEnvironment.ELASTICSEARCH_USERNAME]: names.readerUser,
        [jobEnvironment.ELASTICSEARCH_PASSWORD]: readerPassword.result,
        [jobEnvironment.MONGODB_URL]: mongoPassword.result.apply((pw) => mongoConnectionUri(mongodb, pw)),
        [jobEnvironment.REDIS_URL]: redisPassword.result.apply((pw) => redisUrlWithPassword(redis.url, pw)),
      },
    }, k8sOpts);
    const caConfigMap = new k8s.core.v1.ConfigMap(`${name}-ca-flywheel`, {
      metadata: { name: names.caConfigMap, namespace: args.flywheelNamespace },
      data: { "ca.crt": ca.certPem },
    }, k8sOpts);
    for (const writerNamespace of args.logWriterNamespaces) {
      secret(`${name}-writer-${writerNamespace}`, {
        name: names.writerSecret,
        namespace: writerNamespace,
        stringData: { url: elasticsearch.url, username: names.writerUser, password: writerPassword.result, "ca.crt": ca.certPem },
      }, k8sOpts);
    }

    this.urls = { elasticsearch: elasticsearch.url, mongodb: mongodb.connectionStringWithoutPassword, redis: redis.url };
    this.ready = [logStore, state, connections, caConfigMap];
    this.registerOutputs({});
  }

  /** An encrypted, private, versioned S3 bucket for snapshots and the role Elasticsearch assumes to write it. */
  private snapshotStorage(
    name: string,
    args: DataServicesArgs,
    identity: AwsIdentity,
  ): { bucket: string; resources: pulumi.Resource[] } {
    // Snapshots outlive a production stack: `pulumi destroy` leaves the bucket and its settings.
    const child = { parent: this, retainOnDelete: args.production };
    const bucketName = args.elasticsearch.snapshotBucket ?? `${identity.clusterName}-log-snapshots-${identity.region}`;
    const bucket = new aws.s3.Bucket(`${name}-snapshots`, { bucket: bucketName, tags: args.tags ?? {} }, child);
    new aws.s3.BucketServerSideEncryptionConfiguration(`${name}-snapshots`, {
      bucket: bucket.id,
      rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" }, bucketKeyEnabled: true }],
    }, child);
    new aws.s3.BucketPublicAccessBlock(`${name}-snapshots`, {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    }, child);
    new aws.s3.BucketVersioning(`${name}-snapshots`, { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } }, child);
    const role = new IrsaRole(`${name}-snapshots`, {
      oidcProviderArn: identity.oidcProviderArn,
      oidcIssuerUrl: identity.oidcIssuerUrl,
      namespace: args.namespace,
      serviceAccount: dataServiceNames.snapshotServiceAccount,
      policy: bucket.arn.apply((arn) => ({
        Version: "2012-10-17" as const,
        Statement: [
          { Effect: "Allow" as const, Action: ["s3:ListBucket", "s3:GetBucketLocation", "s3:ListBucketMultipartUploads", "s3:ListBucketVersions"], Resource: arn },
          {
            Effect: "Allow" as const,
            Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
            Resource: `${arn}/*`,
          },
        ],
      })),
      tags: args.tags,
    }, child);
    const serviceAccount = new k8s.core.v1.ServiceAccount(`${name}-snapshots`, {
      metadata: {
        name: dataServiceNames.snapshotServiceAccount,
        namespace: args.namespace,
        annotations: { "eks.amazonaws.com/role-arn": role.roleArn },
      },
    }, { parent: this, provider: args.provider });
    const roleArn = new k8s.core.v1.ConfigMap(`${name}-snapshots-role`, {
      metadata: { name: dataServiceNames.snapshotRoleConfigMap, namespace: args.namespace },
      data: { roleArn: role.roleArn },
    }, { parent: this, provider: args.provider });
    return { bucket: bucketName, resources: [serviceAccount, roleArn] };
  }
}
