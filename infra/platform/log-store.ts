import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";
import { App, Chart } from "cdk8s";
import { ElasticsearchBootstrapJob, ElasticsearchCluster, fileRealmUserKeys, logStoreRoles, logStoreRolesYaml, logWriterUser, rolesFileKey } from "../../constructs/data";
import type { StackSettings } from "../../stacks/config/schema";
import type { AccessLogBucket } from "../aws/access-log-bucket";
import { IrsaRole } from "../aws/irsa-role";
import { SecureBucket } from "../aws/secure-bucket";
import type { AwsIdentity } from "../cluster-target";
import { generatedPassword } from "../generated-password";
import { applyChart } from "../kubernetes/cdk8s-chart";
import { secret } from "../kubernetes/secrets";
import { optionalNodeSelector, persistentStorage } from "./construct-props";
import { issueServerCertificate, type StackCertificateAuthority } from "./stack-certificate-authority";

const elasticsearchName = "flywheel-logs";
const readerUser = "flywheel-reader";
const metricsUser = "flywheel-metrics";

/** Names of the log store, its data stream and users, and the objects consumers mount. */
export const logStoreNaming = {
  elasticsearch: elasticsearchName,
  logIndex: "flywheel",
  readerUser,
  /** The metrics exporter's user (role `monitor` only), when monitoring is on. */
  metricsUser,
  /** The user of one writer namespace, which the `writer` field of its documents names. */
  writerUser: logWriterUser,
  /** In the flywheel namespace (and, with monitoring, the log store's): the stack's CA, which signed Elasticsearch's, Redis's and MongoDB's certificates (`ca.crt`). */
  caConfigMap: `${elasticsearchName}-ca`,
  /** The key of the CA's certificate in `caConfigMap`. */
  caKey: "ca.crt",
  /** In the log store's namespace, with monitoring: the Deployment and Service of the metrics exporter. */
  exporter: `${elasticsearchName}-exporter`,
  /** In each writer namespace: its own user's `url`, `username`, `password`, `ca.crt`. */
  writerSecret: "flywheel-log-writer",
  snapshotServiceAccount: "elasticsearch-snapshots",
  /** In the data namespace: the ARN of the snapshot role (key `roleArn`), which the Elasticsearch pods read. */
  snapshotRoleConfigMap: "elasticsearch-snapshots-role",
} as const;

/** Secrets in the log store's namespace that ECK reads: the HTTP certificate, the file-realm users and their roles. */
export const logStoreSecretNames = {
  httpTls: `${elasticsearchName}-http-tls`,
  reader: `${elasticsearchName}-user-${readerUser}`,
  /** The metrics exporter's file-realm user (`kubernetes.io/basic-auth`), which the exporter reads its credentials from. */
  metrics: `${elasticsearchName}-user-${metricsUser}`,
  /** The file-realm user (`kubernetes.io/basic-auth`) of one writer namespace. */
  writer: (writerNamespace: string): string => `${elasticsearchName}-user-${logWriterUser(writerNamespace)}`,
  roles: `${elasticsearchName}-roles`,
} as const;

export interface LogStoreArgs {
  /** Namespace of Elasticsearch, its users' Secrets and its snapshot service account. */
  readonly namespace: string;
  /** Namespace of the flywheel Jobs, which get the CA as a ConfigMap. */
  readonly flywheelNamespace: string;
  /**
   * `data-flywheel:platform.elasticsearch`: nodes, storage, retention, snapshots and the namespaces
   * of applications that write logs (each gets a writer user of its own and its Secret; they must exist).
   */
  readonly settings: StackSettings["platform"]["elasticsearch"];
  /** Elasticsearch version ECK runs. */
  readonly version: string;
  /** Image of the bootstrap Job (curl) that creates the data stream, its pipeline and retention. */
  readonly bootstrapImage: string;
  /** Production: Elasticsearch nodes spread across zones, and the snapshot bucket outlives the stack. */
  readonly production: boolean;
  /**
   * StorageClass of Elasticsearch's volumes.
   * @default the cluster's default StorageClass
   */
  readonly storageClass?: string;
  /** Nodes Elasticsearch and its bootstrap Job run on; empty for any node. */
  readonly nodeSelector: Readonly<Record<string, string>>;
  /** ECK's CRDs and release: Elasticsearch waits for them and is deleted before them. */
  readonly eck: readonly pulumi.Resource[];
  /**
   * Set on EKS: the snapshot bucket's IAM role is assumed through IRSA. Without it there are no
   * snapshots, whatever `settings.snapshots` says (the schema allows them on EKS only).
   * @default no snapshots
   */
  readonly aws?: AwsIdentity;
  /**
   * Create the metrics exporter's user (`logStoreNaming.metricsUser`, the `monitor` cluster privilege
   * only) and the CA ConfigMap in `namespace` the exporter verifies Elasticsearch with.
   * @default false
   */
  readonly metrics?: boolean;
  /** The cluster's Kubernetes provider. */
  readonly provider: k8s.Provider;
  /**
   * The stack's bucket for S3 server access logs, which the snapshot bucket logs to; needed with snapshots.
   * @default none
   */
  readonly accessLogBucket?: AccessLogBucket;
  /**
   * Tags of the snapshot bucket and role.
   * @default none
   */
  readonly tags?: Record<string, string>;
}

/**
 * Elasticsearch for the production logs: TLS from a CA this stack owns, a least-privilege reader and
 * one least-privilege writer user per writer namespace, the log data stream with its timestamp and
 * writer pipelines and retention, and S3 snapshots when asked. Each namespace that writes logs gets
 * its own user's credentials and the CA, the flywheel namespace the CA; the reader's password is for
 * the flywheel's connections Secret.
 */
export class LogStore extends pulumi.ComponentResource {
  /** In-cluster HTTPS URL (no credentials). */
  readonly url: string;
  /** The reader user's generated password. */
  readonly readerPassword: pulumi.Output<string>;
  /** Per writer namespace (`settings.logWriterNamespaces`): its user's password, a Pulumi secret. */
  readonly writerPasswords: Readonly<Record<string, pulumi.Output<string>>>;
  /** Elasticsearch and its bootstrap Job: a run needs both. */
  readonly elasticsearch: k8s.yaml.v2.ConfigGroup;
  /** The CA's certificate in the flywheel namespace, which the Jobs mount to trust Elasticsearch. */
  readonly caConfigMap: k8s.core.v1.ConfigMap;
  /** Name of the snapshot bucket, when the log store is snapshotted. */
  readonly snapshotBucket?: string;
  /** When Elasticsearch's HTTP certificate expires (RFC 3339), which its expiry alert is rendered with. */
  readonly certificateNotAfter: pulumi.Output<string>;
  /**
   * The stack's CA, declared here (its resources keep the URNs they were first given): it signed
   * Elasticsearch's certificate, and the other data services' certificates are issued from it.
   */
  readonly certificateAuthority: StackCertificateAuthority;

  constructor(name: string, args: LogStoreArgs, opts?: pulumi.ComponentResourceOptions) {
    super("data-flywheel:platform:LogStore", name, {}, opts);
    const ns = args.namespace;
    const k8sOpts = { parent: this, provider: args.provider };

    const { ca, httpTls, notAfter } = this.httpCertificate(name, args);
    this.certificateNotAfter = notAfter;
    this.certificateAuthority = ca;

    const readerPassword = generatedPassword(`${name}-es-reader`, this);
    const fileRealmUser = (id: string, secretName: string, username: string, role: string, password: random.RandomPassword): k8s.core.v1.Secret =>
      secret(`${name}-${id}`, {
        name: secretName,
        namespace: ns,
        type: "kubernetes.io/basic-auth",
        stringData: { [fileRealmUserKeys.username]: username, [fileRealmUserKeys.password]: password.result, [fileRealmUserKeys.roles]: role },
      }, k8sOpts);
    const writers = args.settings.logWriterNamespaces.map((writerNamespace) => ({
      namespace: writerNamespace,
      username: logWriterUser(writerNamespace),
      password: generatedPassword(`${name}-es-writer-${writerNamespace}`, this),
    }));
    const metrics = args.metrics ?? false;
    const users = [
      fileRealmUser("es-reader", logStoreSecretNames.reader, readerUser, logStoreRoles.reader, readerPassword),
      ...(metrics ? [fileRealmUser("es-metrics", logStoreSecretNames.metrics, metricsUser, logStoreRoles.metrics, generatedPassword(`${name}-es-metrics`, this))] : []),
      ...writers.map((writer) =>
        fileRealmUser(`es-writer-${writer.namespace}`, logStoreSecretNames.writer(writer.namespace), writer.username, logStoreRoles.writer, writer.password),
      ),
    ];
    const snapshotted = args.settings.snapshots && args.aws !== undefined;
    const snapshots = snapshotted && args.aws ? this.snapshotStorage(name, args, args.aws) : undefined;
    const roles = new k8s.core.v1.Secret(`${name}-es-roles`, {
      metadata: { name: logStoreSecretNames.roles, namespace: ns },
      stringData: { [rolesFileKey]: logStoreRolesYaml({ logIndex: logStoreNaming.logIndex, metrics, snapshots: snapshotted }) },
    }, k8sOpts);

    const nodeSelector = optionalNodeSelector(args.nodeSelector);
    const chart = new Chart(new App(), `${name}-logs`);
    const elasticsearch = new ElasticsearchCluster(chart, "elasticsearch", {
      name: elasticsearchName,
      namespace: ns,
      version: args.version,
      nodeCount: args.settings.nodes,
      highAvailability: args.production,
      storage: persistentStorage(args.settings.storageGiB, args.storageClass),
      httpTlsSecretName: logStoreSecretNames.httpTls,
      fileRealmSecretNames: [
        logStoreSecretNames.reader,
        ...(metrics ? [logStoreSecretNames.metrics] : []),
        ...writers.map((writer) => logStoreSecretNames.writer(writer.namespace)),
      ],
      rolesSecretNames: [logStoreSecretNames.roles],
      snapshots: snapshots
        ? {
            serviceAccountName: logStoreNaming.snapshotServiceAccount,
            roleArnConfigMap: { name: logStoreNaming.snapshotRoleConfigMap, key: "roleArn" },
            region: args.aws?.region,
          }
        : undefined,
      nodeSelector,
    });
    new ElasticsearchBootstrapJob(chart, "bootstrap", {
      name: `${elasticsearchName}-bootstrap`,
      elasticsearch,
      logIndex: logStoreNaming.logIndex,
      retentionDays: args.settings.logRetentionDays,
      image: args.bootstrapImage,
      snapshots: snapshots ? { bucket: snapshots.bucket, schedule: { expireAfter: `${args.settings.snapshotRetentionDays}d` } } : undefined,
      nodeSelector,
    });
    this.elasticsearch = applyChart(`${name}-logs`, chart, {
      ...k8sOpts,
      dependsOn: [...args.eck, httpTls, roles, ...users, ...(snapshots?.resources ?? [])],
    });

    this.caConfigMap = new k8s.core.v1.ConfigMap(`${name}-ca-flywheel`, {
      metadata: { name: logStoreNaming.caConfigMap, namespace: args.flywheelNamespace },
      data: { [logStoreNaming.caKey]: ca.certPem },
    }, k8sOpts);
    if (metrics) {
      new k8s.core.v1.ConfigMap(`${name}-ca-metrics`, {
        metadata: { name: logStoreNaming.caConfigMap, namespace: ns },
        data: { [logStoreNaming.caKey]: ca.certPem },
      }, k8sOpts);
    }
    for (const writer of writers) {
      secret(`${name}-writer-${writer.namespace}`, {
        name: logStoreNaming.writerSecret,
        namespace: writer.namespace,
        stringData: { url: elasticsearch.url, username: writer.username, password: writer.password.result, "ca.crt": ca.certPem },
      }, k8sOpts);
    }

    this.url = elasticsearch.url;
    this.readerPassword = readerPassword.result;
    this.writerPasswords = Object.fromEntries(writers.map((writer) => [writer.namespace, writer.password.result]));
    this.snapshotBucket = snapshots?.bucket;
    this.registerOutputs({ url: this.url, snapshotBucket: this.snapshotBucket });
  }

  /**
   * A CA of this stack's own signs Elasticsearch's HTTP certificate, so every consumer, in any
   * namespace, trusts the same CA, which outlives certificate renewals.
   */
  private httpCertificate(name: string, args: LogStoreArgs): { ca: StackCertificateAuthority; httpTls: k8s.core.v1.Secret; notAfter: pulumi.Output<string> } {
    const ns = args.namespace;
    const caKey = new tls.PrivateKey(`${name}-ca`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, { parent: this });
    const caCert = new tls.SelfSignedCert(`${name}-ca`, {
      privateKeyPem: caKey.privateKeyPem,
      isCaCertificate: true,
      validityPeriodHours: 10 * 365 * 24,
      allowedUses: ["cert_signing", "crl_signing"],
      subject: { commonName: "data-flywheel log store CA", organization: "data-flywheel" },
    }, { parent: this });
    const ca: StackCertificateAuthority = { certPem: caCert.certPem, privateKeyPem: caKey.privateKeyPem, notAfter: caCert.validityEndTime };
    const server = issueServerCertificate(`${name}-es-http`, ca, {
      dnsNames: ElasticsearchCluster.httpCertificateDnsNames(elasticsearchName, ns),
      commonName: `${elasticsearchName}-es-http.${ns}.svc`,
    }, { parent: this });
    const httpTls = secret(`${name}-es-http-tls`, {
      name: logStoreSecretNames.httpTls,
      namespace: ns,
      type: "kubernetes.io/tls",
      stringData: { "tls.crt": server.certPem, "tls.key": server.privateKeyPem, "ca.crt": ca.certPem },
    }, { parent: this, provider: args.provider });
    return { ca, httpTls, notAfter: server.notAfter };
  }

  /** An encrypted, private, TLS-only, logged, versioned S3 bucket for snapshots and the role Elasticsearch assumes to write it. */
  private snapshotStorage(name: string, args: LogStoreArgs, identity: AwsIdentity): { bucket: string; resources: pulumi.Resource[] } {
    // Snapshots outlive a production stack: `pulumi destroy` leaves the bucket and its settings.
    const child = { parent: this, retainOnDelete: args.production };
    const bucketName = args.settings.snapshotBucket ?? `${identity.clusterName}-log-snapshots-${identity.region}`;
    if (!args.accessLogBucket) {
      throw new Error(`LogStore ${name}: S3 snapshots need the stack's access log bucket (accessLogBucket)`);
    }
    // The bucket's resources were first declared directly in this component: formerParent keeps their URNs.
    const bucket = new SecureBucket(`${name}-snapshots`, {
      bucketName,
      versioning: true,
      // Elasticsearch deletes the snapshots it no longer needs; S3 keeps their old versions this long.
      noncurrentVersionExpirationDays: 30,
      kmsKeyArn: identity.bucketKmsKeyArn,
      accessLogs: args.accessLogBucket.targetFor(bucketName),
      retainOnDelete: args.production,
      formerParent: this,
      tags: args.tags,
    }, child);
    const role = new IrsaRole(`${name}-snapshots`, {
      oidcProviderArn: identity.oidcProviderArn,
      oidcIssuerUrl: identity.oidcIssuerUrl,
      namespace: args.namespace,
      serviceAccount: logStoreNaming.snapshotServiceAccount,
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
        name: logStoreNaming.snapshotServiceAccount,
        namespace: args.namespace,
        annotations: { "eks.amazonaws.com/role-arn": role.roleArn },
      },
    }, { parent: this, provider: args.provider });
    const roleArn = new k8s.core.v1.ConfigMap(`${name}-snapshots-role`, {
      metadata: { name: logStoreNaming.snapshotRoleConfigMap, namespace: args.namespace },
      data: { roleArn: role.roleArn },
    }, { parent: this, provider: args.provider });
    return { bucket: bucketName, resources: [...bucket.resources, serviceAccount, roleArn] };
  }
}
