import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { IrsaRole } from "./irsa-role";

/** Pinned versions of the EKS add-ons this project manages, by add-on name. */
export interface EksAddonVersions {
  readonly "vpc-cni": string;
  readonly coredns: string;
  readonly "kube-proxy": string;
  readonly "aws-ebs-csi-driver": string;
  readonly "aws-efs-csi-driver": string;
  /** Installed only with `EksAddonsArgs.podIdentityAgent`. */
  readonly "eks-pod-identity-agent": string;
}

export interface EksAddonsArgs {
  readonly clusterName: pulumi.Input<string>;
  readonly oidcProviderArn: pulumi.Input<string>;
  readonly oidcIssuerUrl: pulumi.Input<string>;
  readonly versions: EksAddonVersions;
  /** Add-ons are installed after these exist: their pods need nodes to run on. */
  readonly after: pulumi.Resource[];
  /**
   * Install the EKS Pod Identity agent, the DaemonSet that hands pods the credentials of the role
   * their ServiceAccount is associated with (`aws.eks.PodIdentityAssociation`). Without it such pods
   * get no AWS credentials at all.
   * @default false
   */
  readonly podIdentityAgent?: boolean;
  readonly tags?: Record<string, string>;
}

/**
 * The cluster's EKS add-ons at pinned versions: networking (with NetworkPolicy enforcement, which
 * the VPC CNI leaves off by default so policies would be silently ignored), DNS, kube-proxy, and
 * the EBS and EFS CSI drivers with IAM roles for their service accounts, and, when asked for, the
 * EKS Pod Identity agent.
 */
export class EksAddons extends pulumi.ComponentResource {
  /** The add-ons, for resources that need storage or networking to be ready. */
  readonly addons: aws.eks.Addon[];

  constructor(name: string, args: EksAddonsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("data-flywheel:aws:EksAddons", name, {}, opts);
    const tags = args.tags ?? {};
    const irsa = (addon: string, serviceAccount: string, policyArn: string): IrsaRole =>
      new IrsaRole(`${name}-${addon}`, {
        oidcProviderArn: args.oidcProviderArn,
        oidcIssuerUrl: args.oidcIssuerUrl,
        namespace: "kube-system",
        serviceAccount,
        managedPolicyArns: [policyArn],
        tags,
      }, { parent: this });

    const ebsRole = irsa("ebs-csi", "ebs-csi-controller-sa", "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy");
    const efsRole = irsa("efs-csi", "efs-csi-controller-sa", "arn:aws:iam::aws:policy/service-role/AmazonEFSCSIDriverPolicy");

    const addon = (addonName: keyof EksAddonVersions, extra: Partial<aws.eks.AddonArgs> = {}): aws.eks.Addon =>
      new aws.eks.Addon(`${name}-${addonName}`, {
        clusterName: args.clusterName,
        addonName,
        addonVersion: args.versions[addonName],
        // EKS installs self-managed vpc-cni, coredns and kube-proxy with the cluster; the add-on takes them over.
        resolveConflictsOnCreate: "OVERWRITE",
        resolveConflictsOnUpdate: "PRESERVE",
        tags,
        ...extra,
      }, { parent: this, dependsOn: args.after });

    this.addons = [
      addon("vpc-cni", { configurationValues: JSON.stringify({ enableNetworkPolicy: "true" }) }),
      addon("coredns"),
      addon("kube-proxy"),
      addon("aws-ebs-csi-driver", { serviceAccountRoleArn: ebsRole.roleArn }),
      addon("aws-efs-csi-driver", { serviceAccountRoleArn: efsRole.roleArn }),
      // Its permission to exchange tokens (eks-auth:AssumeRoleForPodIdentity) comes from the node
      // role's AmazonEKSWorkerNodePolicy.
      ...(args.podIdentityAgent ? [addon("eks-pod-identity-agent")] : []),
    ];
    this.registerOutputs({});
  }
}
