import { dataServiceDefaults } from "../../constructs/data";
import { nemoImageDefaults } from "../../constructs/nemo";
import type { EksAddonVersions } from "../../infra/aws/eks-addons";
import type { HelmChartPin } from "../../infra/kubernetes/helm";

/**
 * Every version this project installs, in one place. Bumping one is a reviewed change to this file;
 * nothing floats. The Kubernetes minor versions a stack may choose are the keys of `eks`.
 */

interface EksPins {
  /** EKS add-on versions built for this Kubernetes minor. */
  readonly addons: EksAddonVersions;
  /** The Cluster Autoscaler's minor must match the cluster's. */
  readonly clusterAutoscalerImageTag: string;
}

// Versions seen together on EKS 1.34 clusters; check what your region offers with
// `aws eks describe-addon-versions --kubernetes-version 1.34 --addon-name <name>` and override a
// single add-on with `aws.cluster.addonVersions` in the stack config.
const eks = {
  "1.34": {
    addons: {
      "vpc-cni": "v1.20.4-eksbuild.2",
      coredns: "v1.12.3-eksbuild.1",
      "kube-proxy": "v1.34.0-eksbuild.2",
      "aws-ebs-csi-driver": "v1.48.0-eksbuild.2",
      "aws-efs-csi-driver": "v2.1.1-eksbuild.1",
      // Installed only where a component gets its AWS role through EKS Pod Identity (the External
      // Secrets Operator). The newest build public 1.34 cluster configurations pin (also on 1.35 and
      // 1.36); no AWS page lists builds per version, so confirm it with the call above.
      "eks-pod-identity-agent": "v1.3.10-eksbuild.3",
    },
    // The autoscaler's minor must equal the cluster's: the newest 1.34 patch.
    clusterAutoscalerImageTag: "v1.34.5",
  },
} as const satisfies Record<string, EksPins>;

export type KubernetesVersion = keyof typeof eks;

export const supportedKubernetesVersions = Object.keys(eks) as KubernetesVersion[];

const nvidiaCharts = "https://helm.ngc.nvidia.com/nvidia";
const prometheusCommunityCharts = "https://prometheus-community.github.io/helm-charts";

const charts = {
  clusterAutoscaler: { repository: "https://kubernetes.github.io/autoscaler", chart: "cluster-autoscaler", version: "9.59.0" },
  gpuOperator: { repository: nvidiaCharts, chart: "gpu-operator", version: "v25.10.1" },
  nimOperator: { repository: nvidiaCharts, chart: "k8s-nim-operator", version: "3.1.2" },
  // NGC's NeMo microservices repository needs the NGC API key to read.
  nemoOperator: { repository: `${nvidiaCharts}/nemo-microservices`, chart: "nemo-operator", version: "25.8.0" },
  eckOperator: { repository: "https://helm.elastic.co", chart: "eck-operator", version: "3.5.0" },
  mongodbKubernetes: { repository: "https://mongodb.github.io/helm-charts", chart: "mongodb-kubernetes", version: "1.9.1" },
  cloudnativePg: { repository: "https://cloudnative-pg.github.io/charts", chart: "cloudnative-pg", version: "0.27.1" },
  volcano: { repository: "https://volcano-sh.github.io/helm-charts", chart: "volcano", version: "1.15.0" },
  argoWorkflows: { repository: "https://argoproj.github.io/argo-helm", chart: "argo-workflows", version: "1.0.18" },
  mlflow: { repository: "https://community-charts.github.io/helm-charts", chart: "mlflow", version: "1.11.5" },
  milvus: { repository: "https://zilliztech.github.io/milvus-helm/", chart: "milvus", version: "4.2.58" },
  // Prometheus Operator v0.93.1 (its CRDs below), Prometheus, Grafana, kube-state-metrics, node-exporter.
  kubePrometheusStack: { repository: prometheusCommunityCharts, chart: "kube-prometheus-stack", version: "88.5.3" },
  prometheusPushgateway: { repository: prometheusCommunityCharts, chart: "prometheus-pushgateway", version: "3.8.0" },
  // Serves the NIM metrics the serving entries' HPAs scale on as custom metrics (custom.metrics.k8s.io).
  prometheusAdapter: { repository: prometheusCommunityCharts, chart: "prometheus-adapter", version: "5.3.0" },
  // Syncs Secrets from AWS Secrets Manager (`secrets.source: aws-secrets-manager`); appVersion v2.9.0.
  externalSecrets: { repository: "https://charts.external-secrets.io", chart: "external-secrets", version: "2.9.0" },
  // Installed only with PostgreSQL backups: the barman-cloud plugin's mTLS certificates come from it.
  certManager: { repository: "https://charts.jetstack.io", chart: "cert-manager", version: "v1.21.1" },
  // CloudNativePG's backup plugin (CNPG-I), appVersion v0.13.0; the in-tree barmanObjectStore is deprecated since 1.26.
  barmanCloudPlugin: { repository: "https://cloudnative-pg.github.io/charts", chart: "plugin-barman-cloud", version: "0.7.0" },
} as const satisfies Record<string, HelmChartPin>;

/**
 * CRDs of the operators whose custom resources this project declares, from each operator's release
 * at the pinned version. The charts are installed without them (see README, "Custom resources on a
 * fresh cluster").
 */
const cnpgCrdBase = "https://raw.githubusercontent.com/cloudnative-pg/cloudnative-pg/v1.28.1/config/crd/bases";
const prometheusOperatorCrdBase = "https://raw.githubusercontent.com/prometheus-operator/prometheus-operator/v0.93.1/example/prometheus-operator-crd";
const nimCrdBase = "https://raw.githubusercontent.com/NVIDIA/k8s-nim-operator/v3.1.2/config/crd/bases";
const crds = {
  nimOperator: [
    "nemocustomizers",
    "nemodatastores",
    "nemoentitystores",
    "nemoevaluators",
    "nemoguardrails",
    "nimbuilds",
    "nimcaches",
    "nimpipelines",
    "nimservices",
  ].map((kind) => `${nimCrdBase}/apps.nvidia.com_${kind}.yaml`),
  eck: ["https://download.elastic.co/downloads/eck/3.5.0/crds.yaml"],
  mongodbKubernetes: ["https://raw.githubusercontent.com/mongodb/mongodb-kubernetes/1.9.1/public/crds.yaml"],
  cloudnativePg: [
    "backups",
    "clusterimagecatalogs",
    "clusters",
    "databases",
    "failoverquorums",
    "imagecatalogs",
    "poolers",
    "publications",
    "scheduledbackups",
    "subscriptions",
  ].map((kind) => `${cnpgCrdBase}/postgresql.cnpg.io_${kind}.yaml`),
  // kube-prometheus-stack 88.5.3's appVersion.
  prometheusOperator: [
    "alertmanagerconfigs",
    "alertmanagers",
    "podmonitors",
    "probes",
    "prometheusagents",
    "prometheuses",
    "prometheusrules",
    "scrapeconfigs",
    "servicemonitors",
    "thanosrulers",
  ].map((kind) => `${prometheusOperatorCrdBase}/monitoring.coreos.com_${kind}.yaml`),
  // Every CRD of the release in one file, the generators' included: the controller watches them all.
  externalSecrets: ["https://raw.githubusercontent.com/external-secrets/external-secrets/v2.9.0/deploy/crds/bundle.yaml"],
  // Every CRD of the release in one file, as cert-manager publishes it with each release.
  certManager: ["https://github.com/cert-manager/cert-manager/releases/download/v1.21.1/cert-manager.crds.yaml"],
  barmanCloud: ["https://raw.githubusercontent.com/cloudnative-pg/plugin-barman-cloud/v0.13.0/config/crd/bases/barmancloud.cnpg.io_objectstores.yaml"],
} as const satisfies Record<string, readonly string[]>;

/**
 * Image tags the charts above would otherwise float, and the images this project runs itself. The
 * data-service and NeMo pins are the constructs' defaults (constructs/data/versions.ts,
 * constructs/nemo/images.ts), gathered here so one file lists every version a stack deploys.
 */
const images = {
  // The chart defaults to the moving tag `release-3.0` on GHCR, where only branch builds are pushed;
  // releases are published on nvcr.io.
  nimOperator: { repository: "nvcr.io/nvidia/cloud-native/k8s-nim-operator", tag: "v3.1.2" },
  volcano: "v1.15.0",
  data: dataServiceDefaults,
  nemo: nemoImageDefaults,
} as const;

export const versions = { eks: eks as Record<KubernetesVersion, EksPins>, charts, crds, images } as const;
