import { elasticsearchHttpPort, mongodbBackupPodLabels, mongodbMetricsPort, mongodbPort, postgresPort, redisMetricsPort, redisPort } from "../../constructs/data";
import { elasticsearchExporterComponent, elasticsearchExporterPort } from "../../constructs/monitoring/elasticsearch-exporter";
import { type AddressSet, type NetworkPath, type PathEnd, type PodSet, tcp } from "../../constructs/network/network-path";
import { apiServicePort, nemoContainerPorts } from "../../constructs/nim/urls";
import { candidateNimComponent, flywheelApiService, judgeProxyService, labelKeys, nimPort, servingModelComponent, verifyPlatformNaming, verifyServingNaming } from "../../flywheel-job/src/contract";
import { logStoreNaming } from "./log-store";
import { kubePrometheusStackRelease } from "./monitor-selection";
import { monitoringNaming } from "./monitoring";
import { namespaces } from "./namespaces";
import { mlflowNaming, nemoServiceNames } from "./nemo-microservices";
import { servedModelServiceName } from "./flywheel-models";
import { prometheusAdapterNaming } from "./prometheus-adapter";
import { runStateNaming } from "./run-state";
import { postgresBackupOperatorsNaming } from "./postgres-backup-operators";
import { secretsOperatorNaming } from "./secrets-operator";

/** Labels the network policies select the flywheel's pods by. */
export const flywheelPodLabels = {
  job: { [labelKeys.component]: "flywheel-job" },
  // The job labels the NIMServices it creates, and their pods, with this.
  candidateNim: { [labelKeys.component]: candidateNimComponent },
} as const;

/** The labels of the NeMo services' CloudNativePG instances: `cnpg.io/cluster: <Cluster name>`. */
export const postgresPodLabels = { "cnpg.io/cluster": "nemo-postgres" } as const;

/** The container port CloudNativePG's instance manager serves PostgreSQL's metrics on, by name and number. */
export const cnpgMetricsPort = { name: "metrics", port: 9187 } as const;

/**
 * Ports the charts' and operators' pods listen on, as their values and sources set them. Where a
 * Service's port differs from its pods' (MLflow 80 → 5000, Data Store 8000 → 3000, Evaluator 8000 →
 * 7331), a path lists both: the VPC CNI's policy agent wants the Service port to equal the container
 * port, and may match either (AWS, "Restrict pod traffic with Kubernetes policies", Considerations).
 */
const podPorts = {
  dns: 53,
  /** Argo server, `server.secure: true` (argo-helm argo-workflows 1.0.18, templates/server/server-deployment.yaml:83). */
  argoServer: 2746,
  /** Milvus standalone (milvus-helm 4.2.58, standalone-deployment.yaml:84). */
  milvus: 19530,
  mlflowPod: mlflowNaming.podPort,
  mlflowService: mlflowNaming.servicePort,
  /** Elasticsearch transport between the cluster's nodes. */
  elasticsearchTransport: 9300,
  /** CloudNativePG's instance manager status endpoint, which the operator polls. */
  cnpgInstanceStatus: 8000,
  /** ECK's and CloudNativePG's webhook servers (chart values: eck-operator 3.5.0 :149-169, cloudnative-pg 0.27.1 :53-60). */
  operatorWebhook: 9443,
  /** Volcano's admission webhook (volcano 1.15.0 values :23,28,69). */
  volcanoWebhook: 8443,
  https: 443,
  /** Prometheus's web port and its config reloader's (kube-prometheus-stack 88.5.3 values `prometheus.service.targetPort`, `reloaderWebPort`). */
  prometheus: monitoringNaming.prometheusPort,
  prometheusReloader: 8080,
  /** The Prometheus Operator's TLS port, its metrics and admission webhooks (values `prometheusOperator.tls.internalPort`; Service 443 → it). */
  prometheusOperator: 10250,
  /** Grafana's pod (values `grafana.service.targetPort`; Service 80 → it). */
  grafana: 3000,
  /** kube-state-metrics 8.4.0 (values `kube-state-metrics.service.port`). */
  kubeStateMetrics: 8080,
  pushgateway: monitoringNaming.pushgatewayPort,
  /** CoreDNS's metrics, scraped by kube-prometheus-stack's `coreDns` ServiceMonitor. */
  dnsMetrics: 9153,
  /** On every node's address: node-exporter (host network, values `prometheus-node-exporter.service.port`) and the kubelet. */
  nodeExporter: 9100,
  kubelet: 10250,
  /** The DCGM exporter's metrics (gpu-operator v25.10.1 assets/state-dcgm-exporter, `DCGM_EXPORTER_LISTEN` :9400). */
  dcgmExporter: 9400,
  /** The EKS Pod Identity agent's credentials endpoint (http://169.254.170.23/v1/credentials; AWS, "Learn how EKS Pod Identity grants pods access to AWS services"). */
  podIdentityAgent: 80,
} as const;

/**
 * The verify Job's denied sample: addresses its pod has no row to, which must not connect. Port 80
 * on the internet host, not 443: the API server's row is every address on its ports (a NetworkPolicy
 * cannot name the API server), so 443 is open to the verify pod as to every caller of the API.
 */
export const verifyPlatformDeniedSample = [
  { host: "169.254.169.254", port: podPorts.podIdentityAgent, description: "the EC2 instance metadata service (node credentials)" },
  { host: "1.1.1.1", port: 80, description: "an internet host" },
  { host: `milvus.${namespaces.nemo}.svc.cluster.local`, port: podPorts.milvus, description: "Milvus, another namespace's pod the verify pod has no row to" },
] as const;

/** What decides which paths a stack needs. */
export interface NetworkPathsInput {
  /** The namespaces the stack creates; paths touching no pod of them are dropped. */
  readonly namespaces: readonly string[];
  /** Ports the API server listens on, as pods reach it. */
  readonly apiServerPorts: readonly number[];
  /** Where the control plane calls webhooks from: the VPC on EKS, `existingCluster.controlPlaneCidrs` elsewhere. */
  readonly controlPlaneCidrs: readonly string[];
  /** `platform.elasticsearch.logWriterNamespaces`: applications that write logs, to Elasticsearch only. */
  readonly logWriterNamespaces: readonly string[];
  /**
   * Where the NeMo services' PostgreSQL runs: CloudNativePG pods in `nemo` for every service, or a
   * server (RDS) whose addresses are in `cidrs` for every service but Data Store, whose database stays
   * in CloudNativePG.
   */
  readonly postgres: { readonly kind: "in-cluster" } | { readonly kind: "external"; readonly cidrs: readonly string[] };
  /** Whether Customizer (and with it training pods) is installed. */
  readonly customizer: boolean;
  readonly guardrails: boolean;
  /** Whether the judge and the embedding model are remote endpoints or NIMs in `nemo`. */
  readonly judge: "remote" | "local";
  readonly embedding: "remote" | "local";
  /** Whether Elasticsearch snapshots to S3. */
  readonly elasticsearchSnapshots: boolean;
  /**
   * Whether MongoDB is backed up to S3 (`platform.backups.enabled` on EKS).
   * @default false
   */
  readonly mongodbBackups?: boolean;
  /**
   * Whether CloudNativePG's databases are backed up to S3 through the barman-cloud plugin, with
   * cert-manager for its certificates (`platform.backups.enabled` on EKS).
   * @default false
   */
  readonly postgresBackups?: boolean;
  /**
   * The port of the S3-compatible endpoint the backups write to (`platform.backups.endpoint`, on a
   * cluster you bring): the writers reach any address on it, since a NetworkPolicy names addresses,
   * not the endpoint's host name.
   * @default AWS S3 and STS over HTTPS
   */
  readonly backupEndpointPort?: number;
  /** Whether the stack schedules flywheel jobs (workloads); without them no job or candidate NIM runs. */
  readonly flywheelJobs: boolean;
  /**
   * The Flywheel API's callers (`flywheel.api.clientNamespaces`, and the ingress controller's
   * namespace when `flywheel.api.ingress` is set); absent when the stack does not deploy the API.
   */
  readonly flywheelApi?: { readonly clientNamespaces: readonly string[]; readonly ingressControllerNamespace?: string };
  /**
   * Whether the stack installs its own monitoring (kube-prometheus-stack and the Pushgateway in
   * `monitoring`); not with `platform.monitoring.external` or `enabled: false`.
   * @default false
   */
  readonly monitoring?: boolean;
  /**
   * Whether the data services serve metrics (the Elasticsearch exporter, MongoDB's `spec.prometheus`,
   * Redis's exporter sidecar), which they do whenever monitoring is on, with the stack's own
   * Prometheus or an `external` one.
   * @default false
   */
  readonly dataServiceMetrics?: boolean;
  /**
   * Whether the stack installs prometheus-adapter beside its own monitoring, for serving entries
   * that scale (`replicas.min` below `replicas.max`).
   * @default false
   */
  readonly prometheusAdapter?: boolean;
  /**
   * The models the stack serves to applications (`data-flywheel:serving`), in the serving namespace.
   * @default none
   */
  readonly serving?: readonly ServingPathsEntry[];
  /**
   * Whether the stack installs the External Secrets Operator (`secrets.source: aws-secrets-manager`).
   * @default false
   */
  readonly secretsOperator?: boolean;
  /**
   * Whether the stack declares the verify-platform CronJob (`flywheel.image` is set), whose pod
   * reaches every store and service it checks and nothing its configuration's denied sample lists.
   * @default false
   */
  readonly verifyPlatform?: boolean;
}

/** What of a serving entry decides its paths. */
export interface ServingPathsEntry {
  /** The entry's name, its NIMService's. */
  readonly name: string;
  /** The namespaces of the applications that call it. */
  readonly clientNamespaces: readonly string[];
  /** Whether it serves a LoRA adapter, which it loads from Entity Store. */
  readonly adapter: boolean;
  /** Whether the Flywheel API serves its clients the in-context examples of a run (`iclExamplesFrom`). */
  readonly iclExamples: boolean;
}

/** One serving entry's pods, by the label the NIM operator gives its NIMService's pods. */
export function servingModelPods(entryName: string): PodSet {
  return pods(`serving-${entryName}`, namespaces.serving, { matchLabels: { app: entryName } }, nimOperatorSource);
}

const nimOperatorSource = "k8s-nim-operator v3.1.2 internal/render/manifests/deployment.yaml:24-31 (`app: <CR name>`)";

function pods(name: string, namespace: string, selector: PodSet["selector"], labelSource: string, verified = true): PodSet {
  return { kind: "pods", name, namespace, selector, labelSource, verified };
}

/** A NIM-operator Deployment (NeMo microservice or NIMService) by its resource's name. */
function nimOperatorPods(name: string, namespace: string): PodSet {
  return pods(name, namespace, { matchLabels: { app: name } }, nimOperatorSource);
}

/** Pods of this project's data constructs, by the instance label `standardLabels` gives them. */
function ownPods(name: string, namespace: string, instance: string, source: string): PodSet {
  return pods(name, namespace, { matchLabels: { "app.kubernetes.io/instance": instance } }, source);
}

/** Every pod of a namespace, as a caller of DNS. */
function namespacePods(namespace: string): PodSet {
  return pods(`${namespace}-pods`, namespace, "all", "every pod of the namespace");
}

/** Every pod set a path of the platform names. */
export const platformPods = {
  flywheelJob: pods("flywheel-job", namespaces.flywheel, { matchLabels: flywheelPodLabels.job }, "constructs/flywheel (FlywheelSchedule pod template)"),
  candidateNims: pods("candidate-nims", namespaces.flywheel, { matchLabels: flywheelPodLabels.candidateNim }, "flywheel-job/src/backends/nemo-25/candidate-nim-service.ts (NIMService spec.labels)"),
  flywheelNimCaches: pods("flywheel-nimcache-jobs", namespaces.flywheel, { matchLabels: { app: "k8s-nim-operator" } }, "k8s-nim-operator v3.1.2 internal/controller/nimcache_controller.go:995-1001"),
  judgeProxy: pods("judge-proxy", namespaces.flywheel, { matchLabels: { [labelKeys.component]: judgeProxyService.component } }, "flywheel-job/src/contract.ts judgeProxyService"),
  flywheelApi: pods("flywheel-api", namespaces.flywheel, { matchLabels: { [labelKeys.component]: flywheelApiService.component } }, "flywheel-job/src/contract.ts flywheelApiService"),
  datastore: nimOperatorPods(nemoServiceNames.datastore, namespaces.nemo),
  entitystore: nimOperatorPods(nemoServiceNames.entitystore, namespaces.nemo),
  evaluator: nimOperatorPods(nemoServiceNames.evaluator, namespaces.nemo),
  customizer: nimOperatorPods(nemoServiceNames.customizer, namespaces.nemo),
  guardrail: nimOperatorPods(nemoServiceNames.guardrail, namespaces.nemo),
  judgeNim: nimOperatorPods(servedModelServiceName("judge"), namespaces.nemo),
  embeddingNim: nimOperatorPods(servedModelServiceName("embedding"), namespaces.nemo),
  nemoNimCaches: pods("nemo-nimcache-jobs", namespaces.nemo, { matchLabels: { app: "k8s-nim-operator" } }, "k8s-nim-operator v3.1.2 internal/controller/nimcache_controller.go:995-1001"),
  evaluatorWorkflows: pods(
    "evaluator-workflows",
    namespaces.nemo,
    { matchExpressions: [{ key: "workflows.argoproj.io/workflow", operator: "Exists" }] },
    // The label is on every workflow pod; which of Evaluator's workflow pods call the target and the judge is not documented.
    "argo-workflows v4.0.6 workflow/controller/workflowpod.go:204-205",
    false,
  ),
  argoServer: pods(
    "argo-server",
    namespaces.nemo,
    { matchLabels: { "app.kubernetes.io/name": "argo-workflows-server", "app.kubernetes.io/instance": "argo-workflows" } },
    "argo-helm argo-workflows 1.0.18 templates/_helpers.tpl:77-98, templates/server/server-deployment.yaml:21-25",
  ),
  argoController: pods(
    "argo-controller",
    namespaces.nemo,
    { matchLabels: { "app.kubernetes.io/name": "argo-workflows-workflow-controller", "app.kubernetes.io/instance": "argo-workflows" } },
    "argo-helm argo-workflows 1.0.18 templates/_helpers.tpl:77-98 (controller.name, values :333)",
  ),
  milvus: pods("milvus", namespaces.nemo, { matchLabels: { "app.kubernetes.io/name": "milvus", "app.kubernetes.io/instance": "milvus" } }, "milvus-helm 4.2.58 templates/_helpers.tpl:187-190"),
  mlflow: pods("mlflow", namespaces.nemo, { matchLabels: { "app.kubernetes.io/name": "mlflow", "app.kubernetes.io/instance": mlflowNaming.release } }, "community-charts mlflow 1.11.5 templates/_helpers.tpl:49-53"),
  postgres: pods(
    "nemo-postgres",
    namespaces.nemo,
    { matchLabels: postgresPodLabels },
    "https://cloudnative-pg.io/documentation/1.18/samples/networkpolicy-example.yaml (cnpg.io/cluster: <Cluster name>)",
  ),
  postgresBootstrap: ownPods("nemo-postgres-bootstrap", namespaces.nemoDatabase, "nemo-postgres-bootstrap", "constructs/data/postgres/postgres-bootstrap-job.ts (standardLabels)"),
  nemoOperator: pods(
    "nemo-operator",
    namespaces.nemo,
    { matchLabels: { "control-plane": "controller-manager" } },
    "kubebuilder convention; the NGC nemo-operator 25.8.0 chart's values are not available",
    false,
  ),
  trainingPods: pods(
    "training-pods",
    namespaces.nemo,
    { matchExpressions: [{ key: "volcano.sh/job-name", operator: "Exists" }] },
    "volcano 1.15.0 pkg/controllers/job/job_controller_util.go:148-152; that Customizer's training pods are Volcano Job pods: https://docs.nvidia.com/nemo/microservices/latest/set-up/manage-custom-resources/custom-resources.html",
    false,
  ),
  customizerJobs: pods(
    "customizer-jobs",
    namespaces.nemo,
    { matchExpressions: [{ key: "batch.kubernetes.io/job-name", operator: "Exists" }] },
    "Kubernetes Job controller (batch.kubernetes.io/job-name); Customizer's model-download Jobs carry no documented label of their own",
    false,
  ),
  elasticsearch: ownPods("elasticsearch", namespaces.data, logStoreNaming.elasticsearch, "constructs/data/elasticsearch/elasticsearch-cluster.ts (podTemplate labels; ECK keeps them, nodespec/podspec.go)"),
  elasticsearchBootstrap: ownPods(
    "elasticsearch-bootstrap",
    namespaces.data,
    `${logStoreNaming.elasticsearch}-bootstrap`,
    "constructs/data/elasticsearch/elasticsearch-bootstrap-job.ts (standardLabels)",
  ),
  mongodb: pods(
    "mongodb",
    namespaces.data,
    { matchLabels: { app: `${runStateNaming.mongodb}-svc` } },
    "mongodb-kubernetes 1.9.1 mongodb-community-operator/controllers/construct/mongodbstatefulset.go:111-113 (`app: <name>-svc`)",
  ),
  mongodbBackup: pods("mongodb-backup", namespaces.data, { matchLabels: mongodbBackupPodLabels }, "constructs/data/mongodb/mongodb-backup.ts (mongodbBackupPodLabels)"),
  certManagerController: pods("cert-manager", namespaces.certManager, { matchLabels: postgresBackupOperatorsNaming.certManagerPodLabels.controller }, "cert-manager v1.21.1 templates/_helpers.tpl (cert-manager.selectorLabels)", false),
  certManagerWebhook: pods("cert-manager-webhook", namespaces.certManager, { matchLabels: postgresBackupOperatorsNaming.certManagerPodLabels.webhook }, "cert-manager v1.21.1 templates/_helpers.tpl (webhook.selectorLabels)", false),
  certManagerCainjector: pods("cert-manager-cainjector", namespaces.certManager, { matchLabels: postgresBackupOperatorsNaming.certManagerPodLabels.cainjector }, "cert-manager v1.21.1 templates/_helpers.tpl (cainjector.selectorLabels)", false),
  // The post-install Job that waits until the webhook admits a Certificate; only ever in this namespace.
  certManagerStartupCheck: pods("cert-manager-startupapicheck", namespaces.certManager, { matchLabels: { "app.kubernetes.io/component": "startupapicheck" } }, "cert-manager v1.21.1 templates/startupapicheck-job.yaml (startupapicheck labels)", false),
  barmanCloudPlugin: pods("barman-cloud-plugin", namespaces.dataOperators, { matchLabels: postgresBackupOperatorsNaming.pluginPodLabels }, "plugin-barman-cloud 0.7.0 templates/_helpers.tpl (selectorLabels)"),
  mongodbOperator: pods("mongodb-operator", namespaces.data, { matchLabels: { "app.kubernetes.io/name": "mongodb-kubernetes-operator" } }, "mongodb-kubernetes 1.9.1 helm_chart/templates/operator.yaml:13-21"),
  redis: ownPods("redis", namespaces.data, runStateNaming.redis, "constructs/data/redis/redis-server.ts (standardLabels)"),
  elasticsearchExporter: pods(
    "elasticsearch-exporter",
    namespaces.data,
    { matchLabels: { "app.kubernetes.io/name": elasticsearchExporterComponent, "app.kubernetes.io/instance": logStoreNaming.exporter } },
    "constructs/monitoring/elasticsearch-exporter.ts (standardLabels)",
  ),
  eckOperator: pods("eck-operator", namespaces.dataOperators, { matchLabels: { "app.kubernetes.io/name": "eck-operator" } }, "eck-operator 3.5.0 templates/_helpers.tpl:59-65"),
  cnpgOperator: pods("cnpg-operator", namespaces.dataOperators, { matchLabels: { "app.kubernetes.io/name": "cloudnative-pg" } }, "cloudnative-pg chart 0.27.1 templates/_helpers.tpl:59-62"),
  nimOperator: pods("nim-operator", namespaces.nimOperator, { matchLabels: { "app.kubernetes.io/name": "k8s-nim-operator" } }, "k8s-nim-operator 3.1.2 chart templates/_helpers.tpl:48-51"),
  volcanoAdmission: pods("volcano-admission", namespaces.volcano, { matchLabels: { app: "volcano-admission" } }, "volcano 1.15.0 installer/helm/chart/volcano/templates/admission.yaml:111"),
  // Admission, controllers, scheduler, the admission-init Job.
  volcanoAll: namespacePods(namespaces.volcano),
  // The operator, NFD and the operands (host-network DaemonSets are not subject to NetworkPolicy).
  gpuOperatorAll: namespacePods(namespaces.gpuOperator),
  dcgmExporter: pods("dcgm-exporter", namespaces.gpuOperator, { matchLabels: { app: "nvidia-dcgm-exporter" } }, "gpu-operator v25.10.1 assets/state-dcgm-exporter/0800_daemonset.yaml (app: nvidia-dcgm-exporter)", false),
  prometheus: pods(
    "prometheus",
    namespaces.monitoring,
    { matchLabels: { "app.kubernetes.io/name": "prometheus", "operator.prometheus.io/name": `${kubePrometheusStackRelease}-prometheus` } },
    "kube-prometheus-stack 88.5.3 templates/prometheus/service.yaml:73-79 (the Service's selector of the operator-built pods)",
  ),
  prometheusOperator: pods(
    "prometheus-operator",
    namespaces.monitoring,
    { matchLabels: { app: `${kubePrometheusStackRelease}-operator`, release: kubePrometheusStackRelease } },
    "kube-prometheus-stack 88.5.3 templates/prometheus-operator/deployment.yaml:21-24",
  ),
  prometheusAdmissionJobs: pods(
    "prometheus-admission-jobs",
    namespaces.monitoring,
    { matchExpressions: [{ key: "app", operator: "In", values: [`${kubePrometheusStackRelease}-admission-create`, `${kubePrometheusStackRelease}-admission-patch`] }] },
    "kube-prometheus-stack 88.5.3 templates/prometheus-operator/admission-webhooks/job-patch/job-createSecret.yaml:26, job-patchWebhook.yaml:34",
  ),
  grafana: pods(
    "grafana",
    namespaces.monitoring,
    { matchLabels: { "app.kubernetes.io/name": "grafana", "app.kubernetes.io/instance": kubePrometheusStackRelease } },
    "grafana-community grafana 12.11.1 templates/_helpers.tpl (grafana.selectorLabels)",
  ),
  kubeStateMetrics: pods(
    "kube-state-metrics",
    namespaces.monitoring,
    { matchLabels: { "app.kubernetes.io/name": "kube-state-metrics", "app.kubernetes.io/instance": kubePrometheusStackRelease } },
    "kube-state-metrics 8.4.0 templates/_helpers.tpl:79-85",
  ),
  pushgateway: pods(
    "pushgateway",
    namespaces.monitoring,
    { matchLabels: { "app.kubernetes.io/name": "prometheus-pushgateway", "app.kubernetes.io/instance": monitoringNaming.pushgatewayRelease } },
    "prometheus-pushgateway 3.8.0 templates/_helpers.tpl:74-77",
  ),
  prometheusAdapter: pods(
    "prometheus-adapter",
    namespaces.monitoring,
    { matchLabels: { "app.kubernetes.io/name": prometheusAdapterNaming.podName, "app.kubernetes.io/instance": prometheusAdapterNaming.release } },
    "prometheus-adapter 5.3.0 templates/_helpers.tpl (k8s-prometheus-adapter.selectorLabels)",
  ),
  servingModels: pods("serving-models", namespaces.serving, { matchLabels: { [labelKeys.component]: servingModelComponent } }, "constructs/serving/serving-model.ts (NIMService spec.labels)"),
  servingNimCaches: pods("serving-nimcache-jobs", namespaces.serving, { matchLabels: { app: "k8s-nim-operator" } }, "k8s-nim-operator v3.1.2 internal/controller/nimcache_controller.go:995-1001"),
  verifyPlatform: pods("verify-platform", namespaces.flywheel, { matchLabels: { [labelKeys.component]: verifyPlatformNaming.component } }, "constructs/verify/verify-platform.ts (the CronJob's pod template)"),
  verifyServing: pods("verify-serving", namespaces.flywheel, { matchLabels: { [labelKeys.component]: verifyServingNaming.component } }, "constructs/serving/verify-serving.ts (the CronJob's pod template)"),
  secretsOperator: pods(
    secretsOperatorNaming.release,
    namespaces.externalSecrets,
    { matchLabels: secretsOperatorNaming.podLabels },
    "external-secrets 2.9.0 templates/_helpers.tpl:141-144 (external-secrets.selectorLabels), templates/deployment.yaml:33-34",
  ),
  kubeDns: pods("kube-dns", "kube-system", { matchLabels: { "k8s-app": "kube-dns" } }, "EKS CoreDNS add-on and kubeadm (k8s-app: kube-dns)"),
} as const;

/**
 * The platform's allowed paths, caller → callee, for one stack: the one table NetworkPolicies are
 * generated from (`NamespaceNetworkPolicies`). Everything not listed is denied.
 */
export function platformNetworkPaths(input: NetworkPathsInput): NetworkPath[] {
  const p = platformPods;
  const anyAddress: AddressSet = { kind: "addresses", name: "internet", cidrs: ["0.0.0.0/0"] };
  // Vanilla NetworkPolicy cannot name the API server: its ports, to any address.
  const apiServer: AddressSet = { kind: "addresses", name: "api-server", cidrs: ["0.0.0.0/0"] };
  const controlPlane: AddressSet = { kind: "addresses", name: "control-plane", cidrs: [...input.controlPlaneCidrs] };
  // The server of every service's database but Data Store's: CloudNativePG's pods, or RDS's subnets.
  const externalPostgres: AddressSet | undefined =
    input.postgres.kind === "external" ? { kind: "addresses", name: "external-postgres", cidrs: [...input.postgres.cidrs] } : undefined;
  const postgres: PathEnd = externalPostgres ?? p.postgres;
  const datastorePorts = tcp(nemoContainerPorts.datastore, apiServicePort);
  const evaluatorPorts = tcp(nemoContainerPorts.evaluator, apiServicePort);
  const mlflowPorts = tcp(podPorts.mlflowPod, podPorts.mlflowService);
  // The nodes' own addresses: in the VPC on EKS, in `existingCluster.controlPlaneCidrs` on a cluster you bring.
  const nodes: AddressSet = { kind: "addresses", name: "nodes", cidrs: [...input.controlPlaneCidrs] };
  // The Pod Identity agent listens on a link-local address of every node (host network). The VPC
  // CNI's policy agent filters a pod's egress to link-local addresses like any other
  // (aws/aws-network-policy-agent#120), so a default-deny pod must be let through to it.
  const podIdentityAgent: AddressSet = { kind: "addresses", name: "pod-identity-agent", cidrs: ["169.254.170.23/32"] };
  const path = (from: PathEnd, to: PathEnd, ports: NetworkPath["ports"], why: string): NetworkPath => ({ from, to, ports, why });
  const toApi = (from: PodSet, why: string): NetworkPath => path(from, apiServer, tcp(...input.apiServerPorts), why);

  const flywheelJobPaths: (NetworkPath | false)[] = [
    path(p.flywheelJob, p.elasticsearch, tcp(elasticsearchHttpPort), "read the production logs"),
    path(p.flywheelJob, p.mongodb, tcp(mongodbPort), "run records (every member, by pod name)"),
    path(p.flywheelJob, p.redis, tcp(redisPort), "the GPU budget"),
    path(p.flywheelJob, p.datastore, datastorePorts, "upload datasets"),
    path(p.flywheelJob, p.entitystore, tcp(nemoContainerPorts.entitystore), "models and adapters"),
    path(p.flywheelJob, p.evaluator, evaluatorPorts, "start and read evaluations"),
    input.customizer && path(p.flywheelJob, p.customizer, tcp(nemoContainerPorts.customizer), "start fine-tuning"),
    path(p.flywheelJob, p.candidateNims, tcp(nimPort), "wait for the candidate NIMs to serve"),
    input.judge === "local" && path(p.flywheelJob, p.judgeNim, tcp(apiServicePort), "the judge NIM this stack runs"),
    input.embedding === "local" && path(p.flywheelJob, p.embeddingNim, tcp(apiServicePort), "embeddings for in-context examples"),
    input.judge === "remote" && path(p.flywheelJob, p.judgeProxy, tcp(judgeProxyService.port), "the judge URL of its configuration, which it hands to Evaluator"),
    input.embedding === "remote" && path(p.flywheelJob, anyAddress, tcp(podPorts.https), "the remote embedding endpoint"),
    toApi(p.flywheelJob, "create, watch and delete the run's NIMServices"),
    path(p.flywheelJob, p.mlflow, mlflowPorts, "log each evaluation, as the blueprint does (FLYWHEEL_MLFLOW_URL)"),
    input.customizer && path(p.candidateNims, p.entitystore, tcp(nemoContainerPorts.entitystore), "LoRA adapters (the NIMService's PEFT source)"),
    input.customizer && path(p.candidateNims, p.datastore, datastorePorts, "LoRA adapter files"),
    path(p.nimOperator, p.candidateNims, tcp(nimPort), "the operator asks a NIM for its models before reporting it Ready"),
    path(p.evaluatorWorkflows, p.candidateNims, tcp(nimPort), "the evaluation target"),
  ];
  const api = input.flywheelApi;
  const serving = input.serving ?? [];
  const servingClient = (namespace: string): PodSet => pods(`serving-client-${namespace}`, namespace, "all", "serving[].clientNamespaces");
  // A namespace whose entries' examples the API serves is let through once, however many entries name it.
  const iclClientNamespaces = [...new Set(serving.flatMap((entry) => (entry.iclExamples ? entry.clientNamespaces : [])))];
  const servingPaths: (NetworkPath | false)[] =
    serving.length === 0
      ? []
      : [
          ...serving.flatMap((entry): (NetworkPath | false)[] => {
            const model = servingModelPods(entry.name);
            return [
              ...entry.clientNamespaces.map((namespace) => path(servingClient(namespace), model, tcp(apiServicePort), `the application calls the served model ${entry.name}`)),
              entry.adapter && path(model, p.entitystore, tcp(nemoContainerPorts.entitystore), "its LoRA adapter (the NIMService's PEFT source)"),
              entry.adapter && path(model, p.datastore, datastorePorts, "the LoRA adapter's files"),
            ];
          }),
          ...(api
            ? iclClientNamespaces.map((namespace) =>
                path(servingClient(namespace), p.flywheelApi, tcp(flywheelApiService.port), "the in-context examples of a served entry (GET /api/jobs/{id}/icl-examples)"),
              )
            : []),
          path(p.nimOperator, p.servingModels, tcp(apiServicePort), "the operator asks a NIM for its models before reporting it Ready"),
          path(p.servingNimCaches, anyAddress, tcp(podPorts.https), "download model weights from NGC"),
          path(p.verifyServing, p.servingModels, tcp(apiServicePort), "list each entry's models and send it a chat completion"),
          toApi(p.verifyServing, "wait until each entry's NIMService is Ready"),
          path(p.verifyServing, p.datastore, datastorePorts, "read the records of each entry's evaluation set (--smoke)"),
        ];
  const flywheelApiPaths: (NetworkPath | false)[] = api
    ? [
        ...api.clientNamespaces.map((namespace) =>
          path(pods(`api-client-${namespace}`, namespace, "all", "flywheel.api.clientNamespaces"), p.flywheelApi, tcp(flywheelApiService.port), "the applications' scripts and notebooks call the API"),
        ),
        api.ingressControllerNamespace !== undefined &&
          path(pods("ingress-controller", api.ingressControllerNamespace, "all", "flywheel.api.ingress.controllerNamespace"), p.flywheelApi, tcp(flywheelApiService.port), "the Ingress for flywheel.api.ingress.host"),
        path(p.flywheelApi, p.mongodb, tcp(mongodbPort), "run records (every member, by pod name)"),
        path(p.flywheelApi, p.datastore, datastorePorts, "delete a run's datasets"),
        path(p.flywheelApi, p.entitystore, tcp(nemoContainerPorts.entitystore), "delete a run's customized models"),
        toApi(p.flywheelApi, "read the workloads' CronJobs, create and read the Jobs of on-demand runs"),
      ]
    : [];
  const verifyPlatformPaths: (NetworkPath | false)[] = [
    toApi(p.verifyPlatform, "read operators, pods, nodes, NIMCaches and the stores' resources; create and remove the --probe-gpu pods"),
    path(p.verifyPlatform, p.datastore, datastorePorts, "Data Store's health endpoint"),
    path(p.verifyPlatform, p.entitystore, tcp(nemoContainerPorts.entitystore), "Entity Store's health endpoint"),
    path(p.verifyPlatform, p.evaluator, evaluatorPorts, "Evaluator's health endpoint"),
    input.customizer && path(p.verifyPlatform, p.customizer, tcp(nemoContainerPorts.customizer), "Customizer's health endpoint"),
    input.guardrails && path(p.verifyPlatform, p.guardrail, tcp(nemoContainerPorts.guardrail), "Guardrails' health endpoint"),
    path(p.verifyPlatform, p.elasticsearch, tcp(elasticsearchHttpPort), "the data stream, pipeline, roles and users; _security/_authenticate as the reader and as the writer"),
    path(p.verifyPlatform, p.mongodb, tcp(mongodbPort), "the replica set has a primary (every member, by pod name)"),
    path(p.verifyPlatform, p.redis, tcp(redisPort), "PING with its password"),
    path(p.verifyPlatform, postgres, tcp(postgresPort), "each service's database, as its owner"),
    externalPostgres !== undefined && path(p.verifyPlatform, p.postgres, tcp(postgresPort), "Data Store's database in CloudNativePG, as its owner"),
    // A remote judge only through its proxy, which runs with the flywheel's Jobs.
    input.judge === "local" ? path(p.verifyPlatform, p.judgeNim, tcp(apiServicePort), "the judge lists its models") : input.flywheelJobs && path(p.verifyPlatform, p.judgeProxy, tcp(judgeProxyService.port), "the judge, through the proxy that adds its key, lists its models"),
    input.embedding === "local" && path(p.verifyPlatform, p.embeddingNim, tcp(apiServicePort), "the embedding model lists its models"),
    input.flywheelApi !== undefined && path(p.verifyPlatform, p.flywheelApi, tcp(flywheelApiService.port), "the Flywheel API answers"),
  ];
  const monitoringPaths: (NetworkPath | false)[] = [
    path(p.prometheus, p.prometheus, tcp(podPorts.prometheus, podPorts.prometheusReloader), "its own metrics and its config reloader's, every replica's"),
    path(p.prometheus, p.prometheusOperator, tcp(podPorts.prometheusOperator), "the operator's metrics"),
    path(p.prometheus, p.kubeStateMetrics, tcp(podPorts.kubeStateMetrics), "the state of Jobs, CronJobs, pods and nodes"),
    path(p.prometheus, p.grafana, tcp(podPorts.grafana), "Grafana's metrics"),
    path(p.prometheus, p.pushgateway, tcp(podPorts.pushgateway), "the metrics pushed there"),
    path(p.prometheus, p.kubeDns, tcp(podPorts.dnsMetrics), "CoreDNS's metrics"),
    path(p.prometheus, nodes, tcp(podPorts.nodeExporter, podPorts.kubelet), "node-exporter (host network) and the kubelet's and cAdvisor's metrics"),
    toApi(p.prometheus, "discover targets; the API server's metrics"),
    path(p.grafana, p.prometheus, tcp(podPorts.prometheus), "its Prometheus data source"),
    toApi(p.grafana, "its sidecars load dashboards and data sources from ConfigMaps"),
    toApi(p.prometheusOperator, "reconcile Prometheus, monitors and rules into StatefulSets and Secrets"),
    toApi(p.kubeStateMetrics, "list and watch the objects it reports"),
    toApi(p.prometheusAdmissionJobs, "create the webhook certificate's Secret and patch it into the webhook configurations"),
    path(controlPlane, p.prometheusOperator, tcp(podPorts.prometheusOperator), "the operator's admission webhooks for PrometheusRules and AlertmanagerConfigs (Service 443 → 10250)"),
    input.prometheusAdapter === true && path(p.prometheusAdapter, p.prometheus, tcp(podPorts.prometheus), "the serving NIMs' metrics it serves to their HPAs"),
    input.prometheusAdapter === true && toApi(p.prometheusAdapter, "delegate authentication and authorization of the API server's requests; list the pods and namespaces it maps series to"),
    input.prometheusAdapter === true &&
      path(controlPlane, p.prometheusAdapter, tcp(prometheusAdapterNaming.listenPort), "the API server aggregates custom.metrics.k8s.io from it (APIService; Service 443 → 6443)"),
    input.namespaces.includes(namespaces.gpuOperator) && path(p.prometheus, p.dcgmExporter, tcp(podPorts.dcgmExporter), "the GPUs' utilisation, memory, power and XID errors"),
    input.judge === "local" && path(p.prometheus, p.judgeNim, tcp(apiServicePort), "the judge NIM's serving metrics (/v1/metrics)"),
    input.embedding === "local" && path(p.prometheus, p.embeddingNim, tcp(apiServicePort), "the embedding NIM's serving metrics (/v1/metrics)"),
    input.flywheelJobs && path(p.prometheus, p.candidateNims, tcp(nimPort), "the candidate NIMs' serving metrics (/v1/metrics), through the ServiceMonitor the NIM operator makes for each"),
    input.flywheelApi !== undefined && path(p.prometheus, p.flywheelApi, tcp(flywheelApiService.port), "the Flywheel API's /metrics"),
    path(p.prometheus, p.postgres, tcp(cnpgMetricsPort.port), "PostgreSQL's metrics from CloudNativePG's instance manager"),
    input.secretsOperator === true && path(p.prometheus, p.secretsOperator, tcp(secretsOperatorNaming.metricsPort.port), "the External Secrets Operator's sync status of every ExternalSecret"),
    ...(input.dataServiceMetrics === true
      ? [
          path(p.prometheus, p.elasticsearchExporter, tcp(elasticsearchExporterPort.port), "Elasticsearch's metrics, from its exporter"),
          path(p.prometheus, p.mongodb, tcp(mongodbMetricsPort.port), "MongoDB's metrics from every member's agent (spec.prometheus)"),
          path(p.prometheus, p.redis, tcp(redisMetricsPort.port), "Redis's metrics from its exporter sidecar"),
        ]
      : []),
    input.flywheelJobs && path(p.flywheelJob, p.pushgateway, tcp(podPorts.pushgateway), "push the run's metrics at each stage's end and at exit"),
    serving.length > 0 && path(p.prometheus, p.servingModels, tcp(apiServicePort), "the served models' metrics (/v1/metrics), which prometheus-adapter turns into their HPAs' Pods metrics"),
  ];
  const rows: (NetworkPath | false)[] = [
    // DNS: every namespace's pods resolve the Services they call.
    ...input.namespaces.map((namespace) =>
      path(namespacePods(namespace), p.kubeDns, [{ protocol: "UDP", port: podPorts.dns }, { protocol: "TCP", port: podPorts.dns }], "resolve Service names"),
    ),

    // The flywheel job and the candidate NIMs its runs create.
    ...(input.flywheelJobs ? flywheelJobPaths : []),

    // The NIMs' caches and the judge proxy.
    path(p.flywheelNimCaches, anyAddress, tcp(podPorts.https), "download model weights from NGC"),
    input.judge === "remote" && path(p.judgeProxy, anyAddress, tcp(podPorts.https), "the remote judge, with the key the proxy adds"),

    // NeMo Evaluator and its workflows.
    path(p.evaluator, postgres, tcp(postgresPort), "its database (and the init container's wait-for-postgres)"),
    path(p.evaluator, p.argoServer, tcp(podPorts.argoServer), "submit and watch evaluation workflows"),
    path(p.evaluator, p.milvus, tcp(podPorts.milvus), "vector database"),
    path(p.evaluator, p.datastore, datastorePorts, "datasets"),
    path(p.evaluator, p.entitystore, tcp(nemoContainerPorts.entitystore), "model entities"),
    toApi(p.evaluator, "its Role: pods and secrets"),
    input.judge === "remote"
      ? path(p.evaluatorWorkflows, p.judgeProxy, tcp(judgeProxyService.port), "llm-judge metric, through the proxy that adds the key")
      : path(p.evaluatorWorkflows, p.judgeNim, tcp(apiServicePort), "llm-judge metric"),
    path(p.evaluatorWorkflows, p.datastore, datastorePorts, "download the evaluation dataset"),
    path(p.evaluatorWorkflows, p.evaluator, evaluatorPorts, "report results"),
    path(p.evaluatorWorkflows, p.entitystore, tcp(nemoContainerPorts.entitystore), "model entities"),
    toApi(p.evaluatorWorkflows, "the executor writes workflowtaskresults"),
    toApi(p.argoServer, "workflows, pods and their logs"),
    toApi(p.argoController, "workflows and their pods"),
    input.judge === "local" && path(p.nimOperator, p.judgeNim, tcp(apiServicePort), "readiness check"),
    input.embedding === "local" && path(p.nimOperator, p.embeddingNim, tcp(apiServicePort), "readiness check"),
    (input.judge === "local" || input.embedding === "local") && path(p.nemoNimCaches, anyAddress, tcp(podPorts.https), "download model weights from NGC"),

    // The other NeMo services.
    // Always CloudNativePG's: Gitea connects without TLS (NemoMicroservices, datastorePostgresSizing).
    path(p.datastore, p.postgres, tcp(postgresPort), "Gitea's database"),
    path(p.entitystore, postgres, tcp(postgresPort), "its database"),
    path(p.entitystore, p.datastore, datastorePorts, "model repositories"),
    path(p.mlflow, postgres, tcp(postgresPort), "MLflow's backend store"),
    input.guardrails && path(p.guardrail, postgres, tcp(postgresPort), "its database"),
    ...(input.customizer
      ? [
          path(p.customizer, postgres, tcp(postgresPort), "its database"),
          path(p.customizer, p.datastore, datastorePorts, "training datasets"),
          path(p.customizer, p.entitystore, tcp(nemoContainerPorts.entitystore), "models and adapters"),
          path(p.customizer, p.mlflow, mlflowPorts, "experiment tracking"),
          path(p.customizer, anyAddress, tcp(podPorts.https), "Weights & Biases, when configured"),
          toApi(p.customizer, "creates training jobs, pods, volumes and services"),
          path(p.customizerJobs, anyAddress, tcp(podPorts.https), "download base models from NGC or Hugging Face"),
          path(p.trainingPods, p.datastore, datastorePorts, "training data"),
          path(p.trainingPods, p.entitystore, tcp(nemoContainerPorts.entitystore), "models"),
          path(p.trainingPods, p.mlflow, mlflowPorts, "metrics"),
          path(p.trainingPods, p.customizer, tcp(nemoContainerPorts.customizer), "progress"),
          path(p.trainingPods, anyAddress, tcp(podPorts.https), "Weights & Biases, when configured"),
        ]
      : []),
    toApi(p.nemoOperator, "reconciles NemoTrainingJobs into Volcano Jobs"),

    // PostgreSQL: CloudNativePG's cluster in every stack, and the external server's bootstrap Job.
    path(p.cnpgOperator, p.postgres, tcp(podPorts.cnpgInstanceStatus, postgresPort), "the instance manager's status and the database"),
    path(p.postgres, p.postgres, tcp(postgresPort), "replication between instances"),
    toApi(p.postgres, "the instance manager reports to the API server"),
    externalPostgres !== undefined && path(p.postgresBootstrap, externalPostgres, tcp(postgresPort), "create each service's database and owner (all but Data Store's)"),

    // Elasticsearch, MongoDB, Redis.
    path(p.eckOperator, p.elasticsearch, tcp(elasticsearchHttpPort), "cluster management"),
    path(p.elasticsearch, p.elasticsearch, tcp(podPorts.elasticsearchTransport), "transport between nodes"),
    input.elasticsearchSnapshots && path(p.elasticsearch, anyAddress, tcp(podPorts.https), "snapshots to S3, credentials from STS"),
    path(p.elasticsearchBootstrap, p.elasticsearch, tcp(elasticsearchHttpPort), "create the data stream, pipeline, roles"),
    ...input.logWriterNamespaces.map((namespace) =>
      path(pods(`log-writer-${namespace}`, namespace, "all", "platform.elasticsearch.logWriterNamespaces"), p.elasticsearch, tcp(elasticsearchHttpPort), "the application writes its LLM logs"),
    ),
    path(p.mongodbOperator, p.mongodb, tcp(mongodbPort), "configure the replica set"),
    path(p.mongodb, p.mongodb, tcp(mongodbPort), "replication between members"),
    toApi(p.mongodb, "the readiness probe and agent read and annotate their pod"),
    input.mongodbBackups === true && path(p.mongodbBackup, p.mongodb, tcp(mongodbPort), "mongodump reads the database over TLS (every member, by pod name)"),
    input.mongodbBackups === true &&
      (input.backupEndpointPort !== undefined
        ? path(p.mongodbBackup, anyAddress, tcp(input.backupEndpointPort), "the archive to the S3-compatible endpoint (platform.backups.endpoint), whose host a NetworkPolicy cannot name")
        : path(p.mongodbBackup, anyAddress, tcp(podPorts.https), "the archive to S3 and the role's credentials from STS, which a NetworkPolicy cannot name")),
    ...(input.postgresBackups === true
      ? [
          input.backupEndpointPort !== undefined
            ? path(p.postgres, anyAddress, tcp(input.backupEndpointPort), "base backups and WAL to the S3-compatible endpoint (platform.backups.endpoint) through the barman-cloud sidecar")
            : path(p.postgres, anyAddress, tcp(podPorts.https), "base backups and WAL to S3 through the barman-cloud sidecar, and the role's credentials from STS"),
          path(p.cnpgOperator, p.barmanCloudPlugin, tcp(postgresBackupOperatorsNaming.pluginService.port), "the operator calls the barman-cloud plugin over mTLS (CNPG-I)"),
          toApi(p.barmanCloudPlugin, "reconcile ObjectStores, read the clusters' Secrets"),
          toApi(p.certManagerController, "issue the plugin's certificates"),
          toApi(p.certManagerCainjector, "inject the CA into webhook configurations"),
          toApi(p.certManagerWebhook, "its serving certificate and the API server's delegated authentication"),
          toApi(p.certManagerStartupCheck, "wait until the webhook admits a Certificate"),
          path(controlPlane, p.certManagerWebhook, tcp(postgresBackupOperatorsNaming.certManagerWebhookPort), "cert-manager's admission webhooks (Service cert-manager-webhook 443 → 10250)"),
        ]
      : []),

    // Operators and their webhooks.
    toApi(p.nimOperator, "reconcile NIM resources"),
    toApi(p.eckOperator, "reconcile Elasticsearch"),
    toApi(p.cnpgOperator, "reconcile PostgreSQL clusters"),
    toApi(p.mongodbOperator, "reconcile the replica set"),
    toApi(p.volcanoAll, "scheduler, controllers and admission"),
    toApi(p.gpuOperatorAll, "GPU operator and its operands"),
    path(controlPlane, p.eckOperator, tcp(podPorts.operatorWebhook), "ECK's validating webhook (Service eck-operator-webhook 443 → 9443)"),
    path(controlPlane, p.cnpgOperator, tcp(podPorts.operatorWebhook), "CloudNativePG's webhooks (Service cnpg-webhook-service 443 → 9443)"),
    path(controlPlane, p.volcanoAdmission, tcp(podPorts.volcanoWebhook), "Volcano's admission webhooks (Service volcano-admission-service 443 → 8443)"),

    // The External Secrets Operator: no webhook, so nothing calls it.
    input.secretsOperator === true && toApi(p.secretsOperator, "watch ExternalSecrets and its ClusterSecretStore, write the Secrets they declare"),
    input.secretsOperator === true && path(p.secretsOperator, anyAddress, tcp(podPorts.https), "AWS Secrets Manager (secretsmanager.<region>.amazonaws.com), which a NetworkPolicy cannot name"),
    input.secretsOperator === true && path(p.secretsOperator, podIdentityAgent, tcp(podPorts.podIdentityAgent), "its role's credentials from the node's EKS Pod Identity agent"),

    // The models served to applications: their callers, the operator, the caches, the verify Job.
    ...servingPaths,

    // The Flywheel API: its clients, and what it reads and deletes.
    ...flywheelApiPaths,

    // The verify-platform Job: each store and service it checks, the API server for the rest.
    ...(input.verifyPlatform === true ? verifyPlatformPaths : []),

    // The stack's own monitoring.
    ...(input.monitoring ? monitoringPaths : []),
    // The exporters, for the stack's Prometheus or an external one.
    input.dataServiceMetrics === true && path(p.elasticsearchExporter, p.elasticsearch, tcp(elasticsearchHttpPort), "cluster health and every node's stats, as the monitor-only user"),
  ];
  const created = new Set(input.namespaces);
  return rows
    .filter((row): row is NetworkPath => row !== false)
    .filter((row) => [row.from, row.to].some((end) => end.kind === "pods" && created.has(end.namespace)));
}
