import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { App, Chart } from "cdk8s";
import { PostgresBootstrapJob, PostgresCluster, postgresPort, type PostgresServiceDatabase } from "../../constructs/data";
import {
  NemoCustomizer,
  NemoCustomizerConfig,
  NemoDatastore,
  nemoDatastoreSecretData,
  nemoDatastoreSecretNames,
  NemoEntitystore,
  NemoEvaluator,
  NemoGuardrail,
  type CustomizationTarget,
  type SecretsData,
  type NemoDatabase,
} from "../../constructs/nemo";
import { inClusterServiceUrl } from "../../constructs/nim/urls";
import type { ClusterStorage } from "../cluster-target";
import { generatedPassword } from "../generated-password";
import { applyChart, applyChartOf } from "../kubernetes/cdk8s-chart";
import type { CredentialSecrets } from "../kubernetes/credential-secrets";
import { pinnedRelease, type HelmChartPin } from "../kubernetes/helm";
import { secret } from "../kubernetes/secrets";
import type { S3AccessKeyReference } from "../../constructs/common/secrets";
import { optionalNodeSelector, persistentStorage } from "./construct-props";
import { credentialSecretLayouts } from "./external-credentials";
import { nemoDependencyEndpoints } from "./nemo-dependencies";

/**
 * A candidate model Customizer may fine-tune: it becomes a customization target. The flywheel job
 * creates the customization config (GPUs, sequence length) through Customizer's API per run.
 */
export interface CustomizableModel {
  readonly name: string;
  readonly customization: {
    readonly target: string;
    readonly modelUri: string;
    readonly numParameters: number;
    readonly precision: CustomizationTarget["precision"];
  };
}

/** The size of a CloudNativePG cluster. */
export interface PostgresSizing {
  readonly instances: number;
  readonly storageGiB: number;
}

/**
 * Where the services' databases live: a CloudNativePG cluster, or a server outside (RDS) for every
 * service but Data Store, whose database stays in a CloudNativePG cluster of `datastorePostgresSizing`.
 */
export type PostgresPlacement =
  | ({ readonly kind: "in-cluster"; readonly image: string } & PostgresSizing)
  | {
      readonly kind: "external";
      readonly address: pulumi.Output<string>;
      readonly adminUsername: string;
      readonly adminPassword: pulumi.Output<string>;
      /** CloudNativePG's PostgreSQL image: Data Store's cluster runs it, the bootstrap Job its psql. */
      readonly image: string;
      /**
       * Namespace of the admin credentials and the bootstrap Job, which also gets a copy of each
       * service's credentials: not the services' own, where any Argo Workflow could mount the
       * server's master password.
       */
      readonly bootstrapNamespace: string;
    };

export interface NemoMicroservicesArgs {
  readonly namespace: string;
  readonly storage: ClusterStorage;
  readonly postgres: PostgresPlacement;
  readonly production: boolean;
  readonly guardrails: boolean;
  /** Models Customizer gets targets for; without any, Customizer is not deployed. */
  readonly customizableModels: readonly CustomizableModel[];
  readonly mlflowChart: HelmChartPin;
  readonly secretNames: { readonly ngcApiKey: string; readonly pullSecret: string };
  /** Where Customizer's Weights & Biases key comes from, if the stack has one. */
  readonly credentials: CredentialSecrets;
  readonly nodeSelector: Readonly<Record<string, string>>;
  /** The NIM operator (CRDs, release): the NeMo resources wait for it and are deleted before it. */
  readonly nimOperator: readonly pulumi.Resource[];
  /** CloudNativePG (CRDs, release), for the PostgreSQL cluster. */
  readonly cloudnativePg: readonly pulumi.Resource[];
  /**
   * Backups of the in-cluster CloudNativePG cluster (every database, or Data Store's beside an
   * external server) through the barman-cloud plugin: the bucket and retention, who signs (the IRSA
   * role the cluster's ServiceAccount carries on EKS, or an S3-compatible endpoint's access keys in
   * a Secret of the namespace), and what must exist first (the plugin and its CRD, the role or Secret).
   * @default none: no backups
   */
  readonly postgresBackup?: {
    readonly bucket: string;
    readonly retentionDays: number;
    readonly signer: { readonly roleArn: pulumi.Output<string> } | { readonly endpointUrl: string; readonly credentials: S3AccessKeyReference };
    readonly dependsOn: readonly pulumi.Resource[];
  };
  /** Volcano, the NeMo operator, Argo Workflows, Milvus. */
  readonly dependencies: readonly pulumi.Resource[];
  readonly provider: k8s.Provider;
}

/** In-cluster root URLs of the NeMo microservices (no `/v1`). */
export interface NemoUrls {
  readonly datastore: string;
  readonly entitystore: string;
  readonly customizer?: string;
  readonly evaluator: string;
}

/** One NeMo service's PostgreSQL database, as `NemoMicroservices.serviceDatabases` lists it. */
export interface NemoServiceDatabase {
  readonly service: string;
  readonly database: string;
  readonly owner: string;
  readonly host: pulumi.Input<string>;
  readonly port: number;
  readonly tls: boolean;
  readonly password: pulumi.Output<string>;
}

/** Names of the NeMo microservices' resources; the NIM operator names each one's Service the same. */
export const nemoServiceNames = {
  datastore: "nemo-datastore",
  entitystore: "nemo-entitystore",
  evaluator: "nemo-evaluator",
  customizer: "nemo-customizer",
  guardrail: "nemo-guardrail",
} as const;

/**
 * The in-cluster URLs of the NeMo microservices in `namespace`, Customizer's only when it is deployed
 * (a candidate model can be fine-tuned): known before any resource, so the stack's loader writes them
 * into the workloads' job configs and this component serves at them.
 */
export function nemoServiceUrls(namespace: string, customizer: boolean): NemoUrls {
  return {
    datastore: inClusterServiceUrl(nemoServiceNames.datastore, namespace),
    entitystore: inClusterServiceUrl(nemoServiceNames.entitystore, namespace),
    ...(customizer ? { customizer: inClusterServiceUrl(nemoServiceNames.customizer, namespace) } : {}),
    evaluator: inClusterServiceUrl(nemoServiceNames.evaluator, namespace),
  };
}

/** The CloudNativePG cluster (and its ServiceAccount, which the backup role trusts). */
export const nemoPostgresName = "nemo-postgres";
const postgresName = nemoPostgresName;

/**
 * Data Store's CloudNativePG cluster beside an external server. The NIM operator starts Data Store's
 * Gitea with TLS off (k8s-nim-operator v3.1.2 api/apps/v1alpha1/nemo_datastore_types.go sets
 * GITEA__DATABASE__SSL_MODE=disable, and no NeMo resource's databaseConfig has an sslmode field), so
 * it cannot use a server that requires TLS (RDS with rds.force_ssl=1); in the cluster its traffic
 * stays pod to pod, admitted only from Data Store. It holds Gitea's metadata alone (repositories and
 * LFS objects are on Data Store's volume): small. In production a primary and a standby on different
 * nodes where they can (preferred anti-affinity): three instances would need PostgresCluster's
 * highAvailability, and with it a third system node.
 */
export const datastorePostgresSizing: { readonly production: PostgresSizing; readonly other: PostgresSizing } = {
  production: { instances: 2, storageGiB: 10 },
  other: { instances: 1, storageGiB: 10 },
};

/** The service whose database stays in the cluster beside an external server. */
const inClusterOnly = "datastore";

/** MLflow's release, which names its Service, and the Service's and its pods' ports (community-charts mlflow 1.11.5 values :100,104). */
export const mlflowNaming = { release: "mlflow", servicePort: 80, podPort: 5000 } as const;

/** The names MLflow's Service answers to in the cluster, shortest first. */
export function mlflowHostNames(namespace: string): string[] {
  const name = mlflowNaming.release;
  return [name, `${name}.${namespace}`, `${name}.${namespace}.svc`, `${name}.${namespace}.svc.cluster.local`];
}

/** MLflow's in-cluster URL, which Customizer and the flywheel Jobs log to. */
export function mlflowServiceUrl(namespace: string): string {
  return `http://${mlflowHostNames(namespace).at(-1)}:${mlflowNaming.servicePort}`;
}

/**
 * NeMo Data Store, Entity Store, Customizer and Evaluator (and Guardrails when asked for) as NIM
 * operator resources, with a PostgreSQL database and user per service and MLflow for Customizer.
 * Data Store's database is always in the cluster's CloudNativePG (see `datastorePostgresSizing`).
 */
export class NemoMicroservices extends pulumi.ComponentResource {
  readonly urls: NemoUrls;
  /** MLflow's in-cluster URL. */
  readonly mlflowUrl: string;
  /** What the flywheel Jobs wait for. */
  readonly ready: pulumi.Resource[];
  /**
   * Each service's database as a client reaches it: the server's address (the RDS endpoint beside an
   * external server, which requires TLS; CloudNativePG's Service otherwise, plain TCP), and the
   * owner it connects as with that owner's password (a Pulumi secret). No admin login.
   */
  readonly serviceDatabases: readonly NemoServiceDatabase[];

  constructor(name: string, args: NemoMicroservicesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("data-flywheel:platform:NemoMicroservices", name, {}, opts);
    const ns = args.namespace;
    const k8sOpts = { parent: this, provider: args.provider };
    const customize = args.customizableModels.length > 0;
    const services = ["datastore", "entitystore", "evaluator", "mlflow", ...(customize ? ["customizer"] : []), ...(args.guardrails ? ["guardrail"] : [])];

    // One database and owner per service; each password is generated here and read by both
    // CloudNativePG or the bootstrap Job (to create the role) and the service (to log in) from a
    // Secret of the same name in their namespaces.
    const credentials = services.map((service) => ({ service, password: generatedPassword(`${name}-pg-${service}`, this).result }));
    const credentialSecrets = credentials.map(({ service, password }) =>
      secret(`${name}-pg-${service}`, {
        name: `pg-${service}`,
        namespace: ns,
        type: "kubernetes.io/basic-auth",
        stringData: { username: service, password },
      }, k8sOpts));

    const databases = services.map((service) => ({ database: service, owner: service, credentialsSecretName: `pg-${service}` }));
    const { hostOf, ready: postgresGroup } = this.databases(name, args, databases, credentialSecrets, credentials);
    const database = (service: string): NemoDatabase => ({ host: hostOf(service), database: service, user: service, passwordSecret: `pg-${service}` });

    const mlflow = pinnedRelease(`${name}-mlflow`, {
      chart: args.mlflowChart,
      releaseName: mlflowNaming.release,
      namespace: ns,
      values: {
        backendStore: {
          databaseMigration: true,
          // Waits for the database instead of crash-looping into Helm's timeout on a fresh cluster.
          databaseConnectionCheck: true,
          postgres: { enabled: true, host: hostOf("mlflow"), port: postgresPort, database: "mlflow" },
          existingDatabaseSecret: { name: "pg-mlflow", usernameKey: "username", passwordKey: "password" },
        },
        postgresql: { enabled: false },
        // MLflow 3 answers 403 to Host headers other than localhost and private IPs (DNS-rebinding
        // protection); Customizer calls it by its Service name.
        serverAllowedHosts: mlflowHostNames(ns).flatMap((hostName) => [hostName, `${hostName}:*`]),
        extraEnvVars: { PGSSLMODE: "require" },
        nodeSelector: args.nodeSelector,
        resources: { requests: { cpu: "100m", memory: "512Mi" }, limits: { cpu: "1", memory: "1Gi" } },
      },
    }, { ...k8sOpts, dependsOn: postgresGroup });

    const wandb = customize
      ? args.credentials.write(`${name}-wandb`, "customizerWandb", ns, k8sOpts, {
          generated: { encryptionKey: generatedPassword(`${name}-wandb-encryption`, this).result },
          // Customizer reads the key even without a W&B account; empty, it turns W&B off.
          emptyWhenMissing: ["apiKey"],
        })
      : [];

    const chart = new Chart(new App(), `${name}-services`);
    const common = { namespace: ns, imagePullSecrets: [args.secretNames.pullSecret] };
    const datastore = new NemoDatastore(chart, "datastore", {
      ...common,
      name: nemoServiceNames.datastore,
      database: database("datastore"),
      secrets: nemoDatastoreSecretNames(nemoServiceNames.datastore),
      storage: { size: "100Gi", accessMode: "ReadWriteOnce", storageClass: args.storage.durableStorageClass },
    });
    const datastoreSecrets = this.datastoreSecrets(name, ns, datastore.url, k8sOpts);
    const entitystore = new NemoEntitystore(chart, "entitystore", {
      ...common,
      name: nemoServiceNames.entitystore,
      database: database("entitystore"),
      datastoreUrl: datastore.url,
    });
    new NemoEvaluator(chart, "evaluator", {
      ...common,
      name: nemoServiceNames.evaluator,
      database: database("evaluator"),
      datastoreUrl: datastore.url,
      entitystoreUrl: entitystore.url,
      argoWorkflows: { endpoint: nemoDependencyEndpoints.argoServer(ns), serviceAccount: nemoDependencyEndpoints.argoExecutorServiceAccount },
      vectorDbUrl: nemoDependencyEndpoints.milvus(ns),
    });
    if (customize) {
      const config = new NemoCustomizerConfig(chart, "customizer-config", {
        name: nemoServiceNames.customizer,
        namespace: ns,
        targets: args.customizableModels.map((m) => ({
          target: m.customization.target,
          modelUri: m.customization.modelUri,
          baseModel: m.name,
          numParameters: m.customization.numParameters,
          precision: m.customization.precision,
        })),
      });
      new NemoCustomizer(chart, "customizer", {
        ...common,
        name: nemoServiceNames.customizer,
        database: database("customizer"),
        datastoreUrl: datastore.url,
        entitystoreUrl: entitystore.url,
        mlflowUrl: mlflowServiceUrl(ns),
        wandb: { secretName: credentialSecretLayouts.customizerWandb.name },
        config,
        modelDownloads: { ngcApiSecret: args.secretNames.ngcApiKey },
        training: {
          // Base weights are shared by every training job; each job's workspace is its own volume,
          // created in the zone of the node the job lands on.
          modelStorage: { size: "200Gi", accessMode: args.storage.sharedAccessMode, storageClass: args.storage.sharedStorageClass },
          workspaceStorage: { size: "100Gi", accessMode: "ReadWriteOnce", storageClass: args.storage.storageClass },
        },
      });
    }
    if (args.guardrails) {
      new NemoGuardrail(chart, "guardrail", {
        ...common,
        name: nemoServiceNames.guardrail,
        database: database("guardrail"),
        configStore: { volume: { size: "1Gi", accessMode: "ReadWriteOnce", storageClass: args.storage.storageClass } },
      });
    }
    const microservices = applyChart(`${name}-services`, chart, {
      parent: this,
      provider: args.provider,
      dependsOn: [...args.nimOperator, ...args.dependencies, ...postgresGroup, mlflow, ...datastoreSecrets, ...wandb],
    });

    this.urls = nemoServiceUrls(ns, customize);
    const postgres = args.postgres;
    this.serviceDatabases = credentials.map(({ service, password }) => {
      // On the server: its own address, which its certificate names, rather than the ExternalName alias.
      const host = postgres.kind === "external" && service !== inClusterOnly ? postgres.address : undefined;
      return { service, database: service, owner: service, host: host ?? hostOf(service), port: postgresPort, tls: host !== undefined, password };
    });
    this.mlflowUrl = mlflowServiceUrl(ns);
    this.ready = [microservices];
    this.registerOutputs({});
  }

  /**
   * The services' databases and each one's host: a CloudNativePG cluster with a database and owner
   * per service; or, beside an external server, Data Store's in a CloudNativePG cluster and the
   * others' on the server, behind a stable in-cluster name (an ExternalName Service), created with the
   * server's admin credentials by a bootstrap Job.
   */
  private databases(
    name: string,
    args: NemoMicroservicesArgs,
    databases: readonly PostgresServiceDatabase[],
    credentialSecrets: readonly k8s.core.v1.Secret[],
    credentials: readonly { readonly service: string; readonly password: pulumi.Output<string> }[],
  ): { hostOf: (service: string) => string; ready: pulumi.Resource[] } {
    const ns = args.namespace;
    const nodeSelector = optionalNodeSelector(args.nodeSelector);
    const k8sOpts = { parent: this, provider: args.provider };
    const postgres = args.postgres;
    const inCluster = (
      chartName: string,
      clusterDatabases: readonly PostgresServiceDatabase[],
      sizing: PostgresSizing,
      highAvailability: boolean,
    ): { host: string; ready: pulumi.Resource } => {
      const build = (roleArn?: string): { chart: Chart; cluster: PostgresCluster } => {
        const chart = new Chart(new App(), chartName);
        const backup = args.postgresBackup;
        const cluster = new PostgresCluster(chart, "postgres", {
          name: postgresName,
          namespace: ns,
          databases: clusterDatabases,
          instances: sizing.instances,
          highAvailability,
          imageName: postgres.image,
          storage: persistentStorage(sizing.storageGiB, args.storage.durableStorageClass),
          nodeSelector,
          ...(backup && "endpointUrl" in backup.signer
            ? { backup: { bucket: backup.bucket, retentionDays: backup.retentionDays, endpointUrl: backup.signer.endpointUrl, credentials: backup.signer.credentials } }
            : backup && roleArn !== undefined
              ? { backup: { bucket: backup.bucket, retentionDays: backup.retentionDays, roleArn } }
              : {}),
        });
        return { chart, cluster };
      };
      // Built now to validate it and learn its host; with backups signed by a role, again once its ARN is known.
      const { chart, cluster } = build();
      const opts = { ...k8sOpts, dependsOn: [...args.cloudnativePg, ...credentialSecrets, ...(args.postgresBackup?.dependsOn ?? [])] };
      const signer = args.postgresBackup?.signer;
      const ready = signer && "roleArn" in signer
        ? applyChartOf(chartName, signer.roleArn, (roleArn) => build(roleArn).chart, opts)
        : applyChart(chartName, chart, opts);
      return { host: cluster.host, ready };
    };
    if (postgres.kind === "in-cluster") {
      const all = inCluster(`${name}-postgres`, databases, postgres, args.production);
      return { hostOf: () => all.host, ready: [all.ready] };
    }
    const datastore = inCluster(
      `${name}-datastore-postgres`,
      databases.filter((entry) => entry.database === inClusterOnly),
      args.production ? datastorePostgresSizing.production : datastorePostgresSizing.other,
      false,
    );
    const onServer = databases.filter((entry) => entry.database !== inClusterOnly);
    const chart = new Chart(new App(), `${name}-postgres`);
    const service = new k8s.core.v1.Service(`${name}-postgres`, {
      metadata: { name: postgresName, namespace: ns },
      spec: { type: "ExternalName", externalName: postgres.address, ports: [{ name: "postgres", port: postgresPort }] },
    }, k8sOpts);
    const bootstrapNamespace = postgres.bootstrapNamespace;
    const admin = secret(`${name}-pg-admin`, {
      name: "pg-admin",
      namespace: bootstrapNamespace,
      type: "kubernetes.io/basic-auth",
      stringData: { username: postgres.adminUsername, password: postgres.adminPassword },
    }, k8sOpts);
    // The Job sets each owner's password: it reads them from copies beside it.
    const bootstrapCredentials = credentials.filter(({ service }) => service !== inClusterOnly).map(({ service, password }) =>
      secret(`${name}-bootstrap-pg-${service}`, {
        name: `pg-${service}`,
        namespace: bootstrapNamespace,
        type: "kubernetes.io/basic-auth",
        stringData: { username: service, password },
      }, k8sOpts));
    // The ExternalName Service's full name resolves from the bootstrap namespace too.
    const host = `${postgresName}.${ns}.svc.cluster.local`;
    new PostgresBootstrapJob(chart, "bootstrap", {
      name: `${postgresName}-bootstrap`,
      namespace: bootstrapNamespace,
      host,
      adminSecretName: "pg-admin",
      databases: onServer,
      image: postgres.image,
      nodeSelector,
    });
    const bootstrap = applyChart(`${name}-postgres`, chart, { ...k8sOpts, dependsOn: [service, admin, ...credentialSecrets, ...bootstrapCredentials] });
    return { hostOf: (service) => (service === inClusterOnly ? datastore.host : host), ready: [datastore.ready, bootstrap] };
  }

  /** Data Store's five Secrets (Gitea's admin, LFS signing key, init and config scripts). */
  private datastoreSecrets(name: string, namespace: string, rootUrl: string, opts: pulumi.CustomResourceOptions): k8s.core.v1.Secret[] {
    const secretNames = nemoDatastoreSecretNames("nemo-datastore");
    const adminPassword = generatedPassword(`${name}-datastore-admin`, this);
    const lfsKey = new random.RandomBytes(`${name}-datastore-lfs-jwt`, { length: 32 }, { parent: this });
    const data = pulumi
      .all([adminPassword.result, lfsKey.base64])
      .apply(([password, jwt]) =>
        nemoDatastoreSecretData({ secretNames, rootUrl, adminPassword: password, lfsJwtSecret: jwt }),
      );
    return Object.values(secretNames).map((secretName) =>
      secret(`${name}-${secretName}`, { name: secretName, namespace, stringData: data.apply((all: SecretsData) => ({ ...all[secretName] })) }, opts),
    );
  }
}
