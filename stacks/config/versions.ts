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
    },
    // The autoscaler's minor must equal the cluster's: the newest 1.34 patch.
    clusterAutoscalerImageTag: "v1.34.5",
  },
} as const satisfies Record<string, EksPins>;

export type KubernetesVersion = keyof typeof eks;

export const supportedKubernetesVersions = Object.keys(eks) as KubernetesVersion[];

const charts = {
  clusterAutoscaler: { repository: "https://kubernetes.github.io/autoscaler", chart: "cluster-autoscaler", version: "9.59.0" },
} as const satisfies Record<string, HelmChartPin>;

export const versions = { eks: eks as Record<KubernetesVersion, EksPins>, charts } as const;
