import * as pulumi from "@pulumi/pulumi";
import { ngcSecretNames } from "../../flywheel-job/src/contract";
import { AccessLogBucket } from "../aws/access-log-bucket";
import { type BackupEndpoint, backupEndpointKeyReference, backupEndpointOf, backupEndpointPort, backupEndpointSecret, BackupStorage, createsBackupBucket } from "./backup-storage";
import { IrsaRole } from "../aws/irsa-role";
import { postgresBackupPolicy } from "../aws/postgres-backup-policy";
import { SecretsReaderIdentity } from "../aws/secrets-reader-identity";
import type { ClusterTarget } from "../cluster-target";
import { CredentialSecrets, ngcSecrets } from "../kubernetes/credential-secrets";
import { DataOperators } from "./data-operators";
import { mongodbTlsKeys } from "../../constructs/data";
import { MongoDbBackups } from "./mongodb-backups";
import { DataServiceMonitors } from "./data-service-monitors";
import type { CredentialSource } from "./external-credentials";
import { FlywheelApiDeployment, type FlywheelApiEndpoints } from "./flywheel-api-deployment";
import { dataServicesAliases } from "./data-services-aliases";
import { FlywheelModels } from "./flywheel-models";
import { FlywheelWorkloads } from "./flywheel-workloads";
import { GpuOperator } from "./gpu-operator";
import { JudgeProxyDeployment } from "./judge-proxy-deployment";
import { LogStore, logStoreNaming } from "./log-store";
import { type MonitorSelection, monitorSelection } from "./monitor-selection";
import { MonitoringStack } from "./monitoring";
import { type NamespaceKey, namespaces, PlatformNamespaces } from "./namespaces";
import { NemoDependencies } from "./nemo-dependencies";
import { NemoMicroservices, type NemoMicroservicesArgs, nemoPostgresName } from "./nemo-microservices";
import { flywheelPodLabels } from "./network-paths";
import { NimOperator } from "./nim-operator";
import { PlatformAlerts } from "./platform-alerts";
import { platformOperators, PlatformVerification } from "./platform-verification";
import { PostgresBackupOperators } from "./postgres-backup-operators";
import { PlatformDashboards } from "./platform-dashboards";
import { PlatformMonitors } from "./platform-monitors";
import { PrometheusAdapter } from "./prometheus-adapter";
import { applyPlatformNetworkPolicies } from "./platform-network-policies";
import { type PlatformEndpoints, platformEndpoints } from "./platform-endpoints";
import { RunState, runStateNaming } from "./run-state";
import { SecretsOperator, secretsOperatorNaming } from "./secrets-operator";
import { ServingModels } from "./serving-models";
import type { FlywheelSchedules } from "../../stacks/config/load";
import type { StackSettings } from "../../stacks/config/schema";
import { defaultMaxRunHours } from "../../stacks/config/schema/workloads";
import type { versions } from "../../stacks/config/versions";

/** Pinned versions the platform installs. */
export type PlatformVersions = typeof versions;

export interface FlywheelPlatformArgs {
  readonly cluster: ClusterTarget;
  readonly versions: PlatformVersions;
  /** What the stack config says about the data services and NeMo (`data-flywheel:platform`). */
  readonly settings: StackSettings["platform"];
  /** The candidate, judge and embedding models (`data-flywheel:models`). */
  readonly models: StackSettings["models"];
  /**
   * The models served to applications (`data-flywheel:serving`), the stack's name and the job image
   * `flywheel verify serving` runs from; absent without serving entries.
   */
  readonly serving?: { readonly entries: StackSettings["serving"]; readonly stack: string; readonly verifyImage: string };
  /** The scheduled flywheels, with their validated job configurations; absent without workloads. */
  readonly schedules?: FlywheelSchedules;
  /**
   * The stack's name and the job image (`flywheel.image`) `flywheel verify platform` runs from; absent
   * without an image, when the stack has no verify-platform CronJob.
   */
  readonly verifyPlatform?: { readonly stack: string; readonly image: string };
  /** The Flywheel API (`data-flywheel:flywheel.api`) and the job image it runs; absent when it is not enabled. */
  readonly flywheelApi?: {
    readonly image: string;
    readonly settings: StackSettings["flywheel"]["api"];
    readonly startTimeoutMinutes: number;
  };
  /** The price of a GPU-hour (`data-flywheel:flywheel.gpuHourlyCost`): the Flywheel dashboard's cost panels start from it. */
  readonly gpuHourlyCost?: number;
  readonly production: boolean;
  /** Where the external credentials come from: Pulumi config, or AWS Secrets Manager through the External Secrets Operator. */
  readonly credentials: CredentialSource;
  /** The NGC key as `pulumi up` reads it, to log in to NGC's private chart repository. */
  readonly ngcChartRepositoryKey: pulumi.Output<string>;
  /**
   * A PostgreSQL server outside the cluster (RDS) for the NeMo services but Data Store, whose database
   * stays in CloudNativePG (NemoMicroservices); `cidrs` are where the server's addresses are.
   */
  readonly externalPostgres?: {
    readonly address: pulumi.Output<string>;
    readonly cidrs: readonly string[];
    readonly adminUsername: string;
    readonly adminPassword: pulumi.Output<string>;
  };
  /**
   * Where the control plane calls admission webhooks from, which the operators' webhook pods admit:
   * the VPC on EKS (the control plane's ENIs are in its subnets),
   * `existingCluster.controlPlaneCidrs` on a cluster you bring.
   */
  readonly controlPlaneCidrs: readonly string[];
  readonly tags?: Record<string, string>;
}

/**
 * Everything that runs on the cluster for the flywheel: GPU software, the NIM operator, data
 * services, NeMo microservices and their dependencies, wired and ordered so that one `pulumi up`
 * builds it on an empty cluster and `pulumi destroy` takes it down in reverse.
 */
export class FlywheelPlatform extends pulumi.ComponentResource {
  readonly namespaces: PlatformNamespaces;
  readonly nemo: NemoMicroservices;
  readonly models: FlywheelModels;
  /** The models served to applications, when the stack has serving entries. */
  readonly serving?: ServingModels;
  /** The stack's outputs: where the services are and the Secrets to use them with. */
  readonly endpoints: PlatformEndpoints;
  /** Where the Flywheel API is and the Secrets of its tokens, when the stack deploys it. */
  readonly flywheelApi?: FlywheelApiEndpoints;
  /** The labels monitors, rules and dashboards carry to be picked up; absent when monitoring is off. */
  readonly monitorSelection?: MonitorSelection;
  /** The stack's own monitoring, unless `platform.monitoring` is `external` or off. */
  readonly monitoring?: MonitoringStack;

  constructor(name: string, args: FlywheelPlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    super("data-flywheel:platform:FlywheelPlatform", name, {}, opts);
    const { cluster, versions } = args;
    const provider = cluster.provider;
    const child = { parent: this };
    this.monitorSelection = monitorSelection(args.settings.monitoring);
    // Installed unless monitoring is off or an existing Prometheus Operator does it (`external`).
    const ownMonitoring = args.settings.monitoring.external ? undefined : this.monitorSelection;
    const installsMonitoring = ownMonitoring !== undefined;
    // An entry's HPA scales on NIM metrics only prometheus-adapter serves; the config refuses one without the stack's own Prometheus.
    const servingAutoscales = (args.serving?.entries ?? []).some((entry) => entry.replicas.min < entry.replicas.max);
    const installsPrometheusAdapter = installsMonitoring && servingAutoscales;

    const readsSecretsManager = args.credentials.source === "aws-secrets-manager";
    // Backups need a bucket: the stack's on EKS, or one at an S3-compatible endpoint on a cluster
    // you bring (the schema refuses them there without one).
    const backupEndpoint = args.settings.backups.enabled && cluster.aws === undefined ? backupEndpointOf(`FlywheelPlatform ${name}`, args.settings.backups, args.credentials) : undefined;
    const backsUp = args.settings.backups.enabled && (cluster.aws !== undefined || backupEndpoint !== undefined);

    this.namespaces = new PlatformNamespaces(`${name}-namespaces`, {
      provider,
      dependsOn: cluster.ready,
      omit: [
        ...(args.settings.gpuOperator.enabled ? [] : ["gpuOperator" as const]),
        // Only a server outside the cluster has master credentials and a bootstrap Job to keep apart.
        ...(args.externalPostgres ? [] : ["nemoDatabase" as const]),
        ...(installsMonitoring ? [] : ["monitoring" as const]),
        ...(args.serving ? [] : ["serving" as const]),
        ...(readsSecretsManager ? [] : ["externalSecrets" as const]),
        ...(backsUp ? [] : ["certManager" as const]),
      ],
    }, child);
    const inNamespace = (key: keyof typeof namespaces): pulumi.CustomResourceOptions => ({
      parent: this,
      provider,
      dependsOn: [this.namespaces.byKey[key]].filter((n) => n !== undefined),
    });
    const afterNamespaces = { parent: this, dependsOn: [...this.namespaces.all] };

    // The namespaces whose Secrets carry external credentials, and the only ones the store serves.
    const credentialNamespaces = [namespaces.nemo, namespaces.flywheel, ...(args.serving ? [namespaces.serving] : [])];
    const secretsOperator =
      args.credentials.source === "aws-secrets-manager" ? this.secretsOperator(name, args, args.credentials.names, credentialNamespaces, afterNamespaces) : undefined;
    const credentials = new CredentialSecrets(args.credentials, secretsOperator && { name: secretsOperator.storeName, ready: secretsOperator.ready }, provider);

    // In nemo only Customizer's model downloads and a local judge or embedding NIM read the API key.
    const nemoReadsNgcApiKey =
      args.models.candidates.some((m) => m.customization !== undefined) || args.models.judge.type === "local" || args.models.embedding.type === "local";
    ngcSecrets(credentials, `${name}-nemo`, namespaces.nemo, inNamespace("nemo"), { apiKey: nemoReadsNgcApiKey });
    ngcSecrets(credentials, `${name}-flywheel`, namespaces.flywheel, inNamespace("flywheel"));
    if (args.serving) {
      ngcSecrets(credentials, `${name}-serving`, namespaces.serving, inNamespace("serving"));
    }

    if (ownMonitoring) {
      this.monitoring = new MonitoringStack(`${name}-monitoring`, {
        charts: versions.charts,
        crdUrls: versions.crds.prometheusOperator,
        namespace: namespaces.monitoring,
        prometheus: args.settings.monitoring.prometheus,
        selection: ownMonitoring,
        storageClass: cluster.storage.durableStorageClass,
        nodeSelector: cluster.systemNodeSelector,
        provider,
      }, afterNamespaces);
      if (installsPrometheusAdapter) {
        new PrometheusAdapter(`${name}-prometheus-adapter`, {
          chart: versions.charts.prometheusAdapter,
          namespace: namespaces.monitoring,
          nodeSelector: cluster.systemNodeSelector,
          provider,
          dependsOn: [this.monitoring.release],
        }, afterNamespaces);
      }
    }

    // What every monitor waits for: the CRDs of the stack's own Prometheus Operator (none with `external`).
    const monitorDependencies = this.monitoring?.dependencies ?? [];
    const monitorLabels = this.monitorSelection?.monitorLabels;

    if (args.settings.gpuOperator.enabled) {
      new GpuOperator(`${name}-gpu-operator`, {
        chart: versions.charts.gpuOperator,
        namespace: namespaces.gpuOperator,
        driver: args.settings.gpuOperator.driver,
        toolkit: args.settings.gpuOperator.toolkit,
        ...(monitorLabels ? { monitorLabels } : {}),
        dependsOn: monitorDependencies,
        provider,
      }, afterNamespaces);
    }

    const nimOperator = new NimOperator(`${name}-nim-operator`, {
      chart: versions.charts.nimOperator,
      crdUrls: versions.crds.nimOperator,
      image: versions.images.nimOperator,
      namespace: namespaces.nimOperator,
      nodeSelector: cluster.systemNodeSelector,
      provider,
      // After prometheus-operator's CRDs: the operator looks for the ServiceMonitor CRD once, at start,
      // to cache only the ServiceMonitors it labels (k8s-nim-operator v3.1.2 internal/k8sutil/k8sutil.go).
    }, { ...afterNamespaces, dependsOn: [...this.namespaces.all, ...monitorDependencies] });

    const dataOperators = new DataOperators(`${name}-data-operators`, {
      eck: { chart: versions.charts.eckOperator, crdUrls: versions.crds.eck },
      cloudnativePg: { chart: versions.charts.cloudnativePg, crdUrls: versions.crds.cloudnativePg },
      namespace: namespaces.dataOperators,
      elasticsearchNamespace: namespaces.data,
      nodeSelector: cluster.systemNodeSelector,
      provider,
    }, afterNamespaces);

    const nemoDependencies = new NemoDependencies(`${name}-nemo-dependencies`, {
      charts: versions.charts,
      volcanoImageTag: versions.images.volcano,
      nemoNamespace: namespaces.nemo,
      volcanoNamespace: namespaces.volcano,
      storageClass: cluster.storage.storageClass,
      pullSecretName: ngcSecretNames.pullSecret,
      ngcApiKey: args.ngcChartRepositoryKey,
      nodeSelector: cluster.systemNodeSelector,
      provider,
    }, afterNamespaces);

    const { settings } = args;
    const data = versions.images.data;
    // Both were one DataServices component: declared under its name, here, they keep its resources'
    // names, and the aliases their URNs (dataServicesAliases says how).
    const dataName = `${name}-data`;
    const formerDataServices = dataServicesAliases(dataName, this.urn);
    // One bucket per stack receives the server access logs of every bucket the stack creates (EKS only).
    const accessLogBucket = (settings.elasticsearch.snapshots || createsBackupBucket(settings.backups)) && cluster.aws ? new AccessLogBucket(`${name}-access-logs`, { tags: args.tags }, { parent: this }) : undefined;
    const logStore = new LogStore(dataName, {
      namespace: namespaces.data,
      flywheelNamespace: namespaces.flywheel,
      settings: settings.elasticsearch,
      version: data.elasticsearchVersion,
      bootstrapImage: data.curlImage,
      production: args.production,
      storageClass: cluster.storage.durableStorageClass,
      nodeSelector: cluster.systemNodeSelector,
      eck: dataOperators.eck,
      aws: cluster.aws,
      accessLogBucket,
      // The data services serve metrics whenever something scrapes them (own or external Prometheus).
      metrics: this.monitorSelection !== undefined,
      provider,
      tags: args.tags,
    }, { ...afterNamespaces, aliases: formerDataServices.logStore });
    const runState = new RunState(dataName, {
      namespace: namespaces.data,
      flywheelNamespace: namespaces.flywheel,
      mongodb: settings.mongodb,
      redis: settings.redis,
      versions: {
        mongodb: data.mongodbVersion,
        redisImage: data.redisImage,
        mongodbOperator: { chart: versions.charts.mongodbKubernetes, crdUrls: versions.crds.mongodbKubernetes },
      },
      production: args.production,
      storageClass: cluster.storage.durableStorageClass,
      nodeSelector: cluster.systemNodeSelector,
      certificateAuthority: logStore.certificateAuthority,
      logReader: { url: logStore.url, username: logStoreNaming.readerUser, password: logStore.readerPassword },
      formerParent: formerDataServices.runStateFormerParent,
      ...(this.monitorSelection ? { metrics: { redisExporterImage: data.redisExporterImage } } : {}),
      provider,
    }, afterNamespaces);

    // Backups to one bucket shared by the stores: on EKS the stack's (or an existing one), at an
    // endpoint an existing one, whose owner keeps its lifecycle.
    const backupStorage = backupEndpoint
      ? new BackupStorage(`${name}-backups`, {
          bucketName: backupEndpoint.bucket,
          region: backupEndpoint.region,
          create: false,
          retentionDays: settings.backups.retentionDays,
          stores: ["mongodb"],
          retainOnDelete: args.production,
          tags: args.tags,
        }, { parent: this })
      : backsUp && cluster.aws
      ? new BackupStorage(`${name}-backups`, {
          bucketName: settings.backups.bucket ?? `${cluster.aws.clusterName}-backups-${cluster.aws.region}`,
          region: settings.backups.region ?? cluster.aws.region,
          create: createsBackupBucket(settings.backups),
          retentionDays: settings.backups.retentionDays,
          // PostgreSQL's prefix has no lifecycle rule: the plugin expires base backups and their WAL
          // together, and expiring WAL by age alone would break the restore of a kept backup.
          stores: ["mongodb"],
          ...(cluster.aws.bucketKmsKeyArn ? { kmsKeyArn: cluster.aws.bucketKmsKeyArn } : {}),
          accessLogBucket,
          retainOnDelete: args.production,
          tags: args.tags,
        }, { parent: this })
      : undefined;
    // CloudNativePG's databases (all of NeMo's, or Data Store's beside RDS) to the same bucket, through the barman-cloud plugin.
    const backupSigner = backupEndpoint ? { endpoint: backupEndpoint } : cluster.aws ? { aws: cluster.aws } : undefined;
    const postgresBackup = backupStorage && backupSigner ? this.postgresBackup(name, args, backupStorage, backupSigner, dataOperators.cloudnativePg, afterNamespaces) : undefined;

    const ngcSecretRefs = { ngcApiKey: ngcSecretNames.apiKey, pullSecret: ngcSecretNames.pullSecret };
    this.nemo = new NemoMicroservices(`${name}-nemo`, {
      namespace: namespaces.nemo,
      storage: cluster.storage,
      postgres: args.externalPostgres
        ? { kind: "external", ...args.externalPostgres, image: data.postgresImage, bootstrapNamespace: namespaces.nemoDatabase }
        : { kind: "in-cluster", instances: settings.postgres.instances, storageGiB: settings.postgres.storageGiB, image: data.postgresImage },
      production: args.production,
      guardrails: settings.guardrails,
      customizableModels: args.models.candidates.flatMap((m) => (m.customization ? [{ name: m.name, customization: m.customization }] : [])),
      mlflowChart: versions.charts.mlflow,
      secretNames: ngcSecretRefs,
      credentials,
      nodeSelector: cluster.systemNodeSelector,
      nimOperator: nimOperator.dependencies,
      cloudnativePg: dataOperators.cloudnativePg,
      ...(postgresBackup ? { postgresBackup } : {}),
      dependencies: nemoDependencies.releases,
      provider,
    }, afterNamespaces);

    const inferencePool = cluster.gpuPools.find((pool) => pool.role === "inference");
    if (!inferencePool) {
      throw new Error(`FlywheelPlatform ${name}: the cluster has no GPU pool with role inference; the candidate models and their caches need one`);
    }
    // A cache for every model a workload tries: its weights are downloaded once, not per run.
    const scheduled = new Set(args.schedules?.workloads.flatMap((w) => w.jobConfig.candidates.map((c) => c.model)) ?? []);
    this.models = new FlywheelModels(`${name}-models`, {
      candidates: args.models.candidates
        .filter((m) => scheduled.has(m.name))
        .map((m) => ({ name: m.name, image: m.image, gpus: m.gpus, cacheSizeGiB: m.cacheSizeGiB, ...(m.profiles ? { profiles: m.profiles } : {}), lora: m.customization !== undefined })),
      judge: args.models.judge,
      embedding: args.models.embedding,
      flywheelNamespace: namespaces.flywheel,
      servingNamespace: namespaces.nemo,
      storage: cluster.storage,
      inferencePool,
      cpuNodeSelector: cluster.systemNodeSelector,
      secretNames: ngcSecretRefs,
      ...(monitorLabels ? { monitorLabels } : {}),
      dependsOn: [...nimOperator.dependencies, ...this.namespaces.all, ...monitorDependencies],
      provider,
    }, { parent: this });

    if (args.serving) {
      this.serving = new ServingModels(`${name}-serving`, {
        entries: args.serving.entries,
        stack: args.serving.stack,
        namespace: namespaces.serving,
        flywheelNamespace: namespaces.flywheel,
        verifyImage: args.serving.verifyImage,
        candidates: args.models.candidates,
        storage: cluster.storage,
        inferencePool,
        cpuNodeSelector: cluster.systemNodeSelector,
        entitystoreUrl: this.nemo.urls.entitystore,
        datastoreUrl: this.nemo.urls.datastore,
        secretNames: ngcSecretRefs,
        ...(monitorLabels ? { monitorLabels } : {}),
        production: args.production,
        dependsOn: [...nimOperator.dependencies, ...this.namespaces.all, ...monitorDependencies],
        provider,
      }, { parent: this });
    }

    const networkPolicies = applyPlatformNetworkPolicies(`${name}-network-policies`, {
      namespaces: (Object.keys(this.namespaces.byKey) as NamespaceKey[]).map((key) => namespaces[key]),
      apiServerPorts: cluster.apiServerPorts,
      controlPlaneCidrs: args.controlPlaneCidrs,
      logWriterNamespaces: settings.elasticsearch.logWriterNamespaces,
      postgres: args.externalPostgres ? { kind: "external", cidrs: args.externalPostgres.cidrs } : { kind: "in-cluster" },
      customizer: args.models.candidates.some((m) => m.customization !== undefined),
      guardrails: settings.guardrails,
      judge: args.models.judge.type,
      embedding: args.models.embedding.type,
      elasticsearchSnapshots: settings.elasticsearch.snapshots && cluster.aws !== undefined,
      mongodbBackups: backsUp,
      postgresBackups: backsUp,
      ...(backupEndpoint ? { backupEndpointPort: backupEndpointPort(backupEndpoint.url) } : {}),
      flywheelJobs: args.schedules !== undefined,
      monitoring: installsMonitoring,
      dataServiceMetrics: this.monitorSelection !== undefined,
      prometheusAdapter: installsPrometheusAdapter,
      secretsOperator: readsSecretsManager,
      verifyPlatform: args.verifyPlatform !== undefined,
      serving: (args.serving?.entries ?? []).map((entry) => ({
        name: entry.name,
        clientNamespaces: entry.clientNamespaces,
        adapter: entry.adapter !== undefined,
        iclExamples: entry.iclExamplesFrom !== undefined,
      })),
      ...(args.flywheelApi
        ? {
            flywheelApi: {
              clientNamespaces: args.flywheelApi.settings.clientNamespaces,
              ...(args.flywheelApi.settings.ingress ? { ingressControllerNamespace: args.flywheelApi.settings.ingress.controllerNamespace } : {}),
            },
          }
        : {}),
    }, afterNamespaces);

    if (backupStorage && backupSigner) {
      const uploadImage = args.schedules?.image ?? args.flywheelApi?.image;
      if (uploadImage === undefined) {
        throw new Error(`FlywheelPlatform ${name}: platform.backups needs the job image (flywheel.image), which uploads the archives`);
      }
      const storage = backupStorage;
      new MongoDbBackups(`${name}-mongodb-backup`, {
        namespace: namespaces.data,
        mongodb: runState.mongodb,
        password: runState.mongodbPassword,
        certificateAuthority: { name: runStateNaming.mongodbCa, key: mongodbTlsKeys.ca },
        schedule: settings.backups.schedule,
        dumpImage: data.mongoToolsImage,
        uploadImage,
        target: storage.target,
        storageGiB: settings.mongodb.storageGiB,
        signer: backupSigner,
        dependsOn: [runState.stores, networkPolicies, storage],
        provider,
        tags: args.tags,
      }, { parent: this });
    }

    // A remote judge is called through the judge proxy, which alone holds its key.
    const judgeProxy = args.schedules && this.models.judge.needsApiKey
      ? new JudgeProxyDeployment(`${name}-judge-proxy`, {
        namespace: namespaces.flywheel,
        judge: this.models.judge,
        credentials,
        image: args.schedules.image,
        nodeSelector: cluster.systemNodeSelector,
        dependsOn: [...this.namespaces.all, networkPolicies],
        provider,
      }, { parent: this })
      : undefined;

    if (args.schedules) {
      new FlywheelWorkloads(`${name}-workloads`, {
        namespace: namespaces.flywheel,
        schedules: args.schedules,
        connectionsSecret: runStateNaming.connectionsSecret,
        elasticsearchCaConfigMap: logStoreNaming.caConfigMap,
        credentials,
        podLabels: flywheelPodLabels.job,
        ...(this.monitoring ? { pushgatewayUrl: this.monitoring.pushgatewayUrl } : {}),
        // The stack always installs MLflow with NeMo (Customizer's tracking server): every run logs its evaluations there.
        mlflowUrl: this.nemo.mlflowUrl,
        // The stores, then what the Jobs mount to reach them.
        dependsOn: [logStore.elasticsearch, runState.stores, runState.connections, logStore.caConfigMap, ...this.nemo.ready, this.models, networkPolicies, ...(judgeProxy ? [judgeProxy] : [])],
        provider,
      }, { parent: this });
    }

    if (args.flywheelApi) {
      this.flywheelApi = new FlywheelApiDeployment(`${name}-flywheel-api`, {
        namespace: namespaces.flywheel,
        image: args.flywheelApi.image,
        settings: args.flywheelApi.settings,
        startTimeoutMinutes: args.flywheelApi.startTimeoutMinutes,
        connectionsSecret: runStateNaming.connectionsSecret,
        certificateAuthority: { name: logStoreNaming.caConfigMap, key: logStoreNaming.caKey },
        nemo: this.nemo.urls,
        nodeSelector: cluster.systemNodeSelector,
        // Its store and what it mounts to reach it; Data Store and Entity Store only when a run is deleted.
        dependsOn: [...this.namespaces.all, runState.stores, runState.connections, logStore.caConfigMap, networkPolicies],
        provider,
      }, { parent: this }).endpoints;
    }

    if (args.verifyPlatform) {
      new PlatformVerification(`${name}-verify-platform`, {
        stack: args.verifyPlatform.stack,
        image: args.verifyPlatform.image,
        operators: [
          platformOperators.eck,
          platformOperators.cloudnativePg,
          platformOperators.nimOperator,
          ...(args.settings.gpuOperator.enabled ? [platformOperators.gpuOperator] : []),
          ...(readsSecretsManager ? [platformOperators.secretsOperator] : []),
          ...(backsUp ? [platformOperators.certManager, platformOperators.barmanCloudPlugin] : []),
        ],
        nemo: { urls: this.nemo.urls, databases: this.nemo.serviceDatabases },
        logStore: { url: logStore.url, readerPassword: logStore.readerPassword, writerPasswords: logStore.writerPasswords, caCertPem: logStore.certificateAuthority.certPem },
        runState: {
          mongodb: { url: runState.urls.mongodb, hosts: runState.mongodb.hosts, username: runState.mongodb.username, password: runState.mongodbPassword },
          redis: { url: runState.urls.redis, password: runState.redisPassword },
        },
        gpuPools: cluster.gpuPools,
        nimCaches: this.models.nimCaches,
        judge: { ...this.models.judge, local: args.models.judge.type === "local" },
        embedding: { ...this.models.embedding, local: args.models.embedding.type === "local" },
        judgeProxy: judgeProxy !== undefined,
        ...(this.flywheelApi ? { flywheelApiUrl: this.flywheelApi.url } : {}),
        dependsOn: [...this.namespaces.all, networkPolicies],
        provider,
      }, { parent: this });
    }

    if (this.monitorSelection) {
      new PlatformMonitors(`${name}-monitors`, {
        selection: this.monitorSelection,
        flywheelApi: args.flywheelApi !== undefined,
        secretsOperator: readsSecretsManager,
        dependsOn: [...this.namespaces.all, ...monitorDependencies],
        provider,
      }, { parent: this });
      new DataServiceMonitors(`${name}-data-monitors`, {
        selection: this.monitorSelection,
        namespace: namespaces.data,
        elasticsearchUrl: logStore.url,
        elasticsearchExporterImage: data.elasticsearchExporterImage,
        nodeSelector: cluster.systemNodeSelector,
        elasticsearchSnapshots: logStore.snapshotBucket !== undefined,
        dependsOn: [...this.namespaces.all, ...monitorDependencies, logStore, runState.stores, networkPolicies],
        provider,
      }, { parent: this });
      new PlatformAlerts(`${name}-alerts`, {
        selection: this.monitorSelection,
        ownMonitoring: installsMonitoring,
        settings: args.settings.monitoring.alerts,
        maxRunHours: args.schedules?.maxRunHours ?? defaultMaxRunHours,
        flywheelApi: args.flywheelApi !== undefined,
        ...(readsSecretsManager ? { secretSyncNamespaces: credentialNamespaces } : {}),
        ...(logStore.snapshotBucket !== undefined ? { elasticsearchSnapshotsOf: logStoreNaming.logIndex } : {}),
        mongodbBackup: backsUp,
        postgresBackup: backsUp,
        certificateNotAfter: {
          ca: logStore.certificateAuthority.notAfter,
          elasticsearch: logStore.certificateNotAfter,
          redis: runState.redisCertificateNotAfter,
          mongodb: runState.mongodbCertificateNotAfter,
        },
        dependsOn: [...this.namespaces.all, ...monitorDependencies],
        provider,
      }, { parent: this });
      // The stack's own Grafana searches every namespace; an external one's sidecar must search flywheel's.
      new PlatformDashboards(`${name}-dashboards`, {
        selection: this.monitorSelection,
        namespace: installsMonitoring ? namespaces.monitoring : namespaces.flywheel,
        flywheelNamespace: namespaces.flywheel,
        ...(args.gpuHourlyCost !== undefined ? { gpuHourlyCost: args.gpuHourlyCost } : {}),
        alerts: args.settings.monitoring.alerts,
        dependsOn: this.namespaces.all,
        provider,
      }, { parent: this });
    }

    this.endpoints = platformEndpoints({
      elasticsearchUrl: logStore.url,
      logWriterNamespaces: settings.elasticsearch.logWriterNamespaces,
      runState: runState.urls,
      nemo: this.nemo.urls,
      judge: this.models.judge,
      embedding: this.models.embedding,
      ...(this.serving ? { serving: this.serving.endpoints } : {}),
    });
    this.registerOutputs({ ...this.endpoints, flywheelApi: this.flywheelApi });
  }

  /**
   * What CloudNativePG's backups need before its Cluster names the plugin: cert-manager and the
   * barman-cloud plugin (with their CRDs), and who signs: on EKS an IRSA role for the cluster's
   * ServiceAccount that may touch only its own prefix of the backup bucket, at an S3-compatible
   * endpoint its access keys in a Secret of the cluster's namespace.
   */
  private postgresBackup(
    name: string,
    args: FlywheelPlatformArgs,
    storage: BackupStorage,
    signer: { readonly aws: NonNullable<ClusterTarget["aws"]> } | { readonly endpoint: BackupEndpoint },
    cloudnativePg: readonly pulumi.Resource[],
    opts: pulumi.ComponentResourceOptions,
  ): NonNullable<NemoMicroservicesArgs["postgresBackup"]> {
    const operators = new PostgresBackupOperators(`${name}-postgres-backup-operators`, {
      certManager: { chart: args.versions.charts.certManager, crdUrls: args.versions.crds.certManager },
      barmanCloudPlugin: { chart: args.versions.charts.barmanCloudPlugin, crdUrls: args.versions.crds.barmanCloud },
      certManagerNamespace: namespaces.certManager,
      operatorNamespace: namespaces.dataOperators,
      nodeSelector: args.cluster.systemNodeSelector,
      provider: args.cluster.provider,
      cloudnativePg,
    }, opts);
    const target = storage.target;
    const backup = { bucket: target.bucketName, retentionDays: args.settings.backups.retentionDays };
    if ("endpoint" in signer) {
      const keys = backupEndpointSecret(`${name}-postgres-backup-endpoint-credentials`, namespaces.nemo, signer.endpoint, { parent: this, provider: args.cluster.provider, dependsOn: [...this.namespaces.all] });
      return { ...backup, signer: { endpointUrl: signer.endpoint.url, credentials: backupEndpointKeyReference }, dependsOn: [...operators.ready, keys, storage] };
    }
    const { aws } = signer;
    const role = new IrsaRole(`${name}-postgres-backup`, {
      oidcProviderArn: aws.oidcProviderArn,
      oidcIssuerUrl: aws.oidcIssuerUrl,
      namespace: namespaces.nemo,
      serviceAccount: nemoPostgresName,
      policy: pulumi.output(target.kmsKeyArn).apply((kmsKeyArn) => postgresBackupPolicy({ bucketArn: target.arn, clusterName: nemoPostgresName, ...(kmsKeyArn ? { kmsKeyArn } : {}) })),
      ...(args.tags ? { tags: args.tags } : {}),
    }, { parent: this });
    return { ...backup, signer: { roleArn: role.roleArn }, dependsOn: [...operators.ready, role, storage] };
  }

  /**
   * The External Secrets Operator and the identity it reads AWS Secrets Manager with: a Pod Identity
   * role allowed exactly the named secrets. The operator starts after the association exists (EKS
   * gives credentials only to pods created after it).
   */
  private secretsOperator(
    name: string,
    args: FlywheelPlatformArgs,
    secretNames: Extract<CredentialSource, { source: "aws-secrets-manager" }>["names"],
    allowedNamespaces: readonly string[],
    opts: pulumi.ComponentResourceOptions,
  ): SecretsOperator {
    const aws = args.cluster.aws;
    if (!aws) {
      throw new Error(`FlywheelPlatform ${name}: credentials from aws-secrets-manager need an EKS cluster (cloud aws)`);
    }
    const reader = new SecretsReaderIdentity(`${name}-secrets-reader`, {
      clusterName: aws.clusterName,
      namespace: namespaces.externalSecrets,
      serviceAccount: secretsOperatorNaming.serviceAccount,
      region: aws.region,
      secretNames: Object.values(secretNames).filter((secretName): secretName is string => secretName !== undefined),
      ...(args.tags ? { tags: args.tags } : {}),
    }, { parent: this });
    return new SecretsOperator(`${name}-secrets-operator`, {
      chart: args.versions.charts.externalSecrets,
      crdUrls: args.versions.crds.externalSecrets,
      namespace: namespaces.externalSecrets,
      region: aws.region,
      allowedNamespaces,
      nodeSelector: args.cluster.systemNodeSelector,
      provider: args.cluster.provider,
      dependsOn: reader.ready,
    }, opts);
  }
}

