import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { clusterAutoscalerPolicy } from "./iam-policies";
import { IrsaRole } from "./irsa-role";
import { pinnedRelease, type HelmChartPin } from "../kubernetes/helm";

export interface ClusterAutoscalerArgs {
  readonly clusterName: string;
  readonly region: string;
  readonly oidcProviderArn: pulumi.Input<string>;
  readonly oidcIssuerUrl: pulumi.Input<string>;
  readonly chart: HelmChartPin;
  /** Image tag; must match the cluster's Kubernetes minor version. */
  readonly imageTag: string;
  /** Node selector for the autoscaler pod (the system nodes). */
  readonly nodeSelector: Record<string, string>;
  readonly provider: k8s.Provider;
  readonly tags?: Record<string, string>;
}

const namespace = "kube-system";
const serviceAccount = "cluster-autoscaler";

/**
 * The Cluster Autoscaler for the cluster's managed node groups, discovering them by tag and
 * allowed (through IRSA) to resize only this cluster's groups.
 */
export class ClusterAutoscaler extends pulumi.ComponentResource {
  readonly release: k8s.helm.v3.Release;

  constructor(name: string, args: ClusterAutoscalerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("data-flywheel:aws:ClusterAutoscaler", name, {}, opts);
    const role = new IrsaRole(name, {
      oidcProviderArn: args.oidcProviderArn,
      oidcIssuerUrl: args.oidcIssuerUrl,
      namespace,
      serviceAccount,
      policy: clusterAutoscalerPolicy(args.clusterName),
      tags: args.tags,
    }, { parent: this });

    this.release = pinnedRelease(name, {
      chart: args.chart,
      releaseName: "cluster-autoscaler",
      namespace,
      values: {
        cloudProvider: "aws",
        autoDiscovery: { clusterName: args.clusterName },
        // Nodes require IMDSv2 with a hop limit of 1, so pods cannot look the region up themselves.
        awsRegion: args.region,
        image: { tag: args.imageTag },
        rbac: {
          serviceAccount: {
            create: true,
            name: serviceAccount,
            annotations: { "eks.amazonaws.com/role-arn": role.roleArn },
          },
        },
        customArgs: [
          // One node group per zone for the system nodes: keep them the same size.
          "--balance-similar-node-groups=true",
          // NIM and training pods use emptyDir scratch space; without this an idle GPU node would never scale down.
          "--skip-nodes-with-local-storage=false",
          "--expander=least-waste",
        ],
        nodeSelector: args.nodeSelector,
        resources: { requests: { cpu: "100m", memory: "300Mi" }, limits: { cpu: "500m", memory: "600Mi" } },
        securityContext: { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, fsGroup: 65534 },
        containerSecurityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
      },
    }, { parent: this, provider: args.provider });
    this.registerOutputs({});
  }
}
