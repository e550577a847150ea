import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { IrsaRole, type IrsaRoleArgs } from "./irsa-role";
import { ebsCsiDriverKeyPolicy } from "./key-policies";
import { managedPolicyArns } from "./managed-policy-arns";

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
  /**
   * Install the EKS Pod Identity agent, the DaemonSet that hands pods the credentials of the role
   * their ServiceAccount is associated with (`aws.eks.PodIdentityAssociation`). Without it such pods
   * get no AWS credentials at all.
   * @default false
   */
  readonly podIdentityAgent?: boolean;
  /**
   * Customer-managed KMS key the EBS CSI driver encrypts volumes with (the StorageClasses'
   * `kmsKeyId`): its role gets the key's use and grants (`ebsCsiDriverKeyPolicy`).
   * @default none: volumes use the AWS-managed `aws/ebs` key, which needs no grant
   */
  readonly ebsKmsKeyArn?: pulumi.Input<string>;
  readonly tags?: Record<string, string>;
}

/** The service account the VPC CNI's `aws-node` DaemonSet runs as, in kube-system. */
export const cniServiceAccount = "aws-node";

/**
 * The cluster's EKS add-ons at pinned versions, in two steps because they sit on both sides of the
 * node groups. The constructor installs networking, which a node needs before it can become Ready:
 * the VPC CNI with an IAM role for its service account (so the node role needs no network
 * permissions), and with NetworkPolicy enforcement, which it leaves off by default so policies
 * would be silently ignored. `installOnNodes` then installs the add-ons whose pods need nodes to
 * run on: DNS, kube-proxy, the EBS and EFS CSI drivers with roles of their own, and, when asked
 * for, the EKS Pod Identity agent.
 */
export class EksAddons extends pulumi.ComponentResource {
  /**
   * The VPC CNI add-on. Node groups depend on it: a new node's `aws-node` pod must start with the
   * add-on's role, since the node role has no network permissions.
   */
  readonly networking: aws.eks.Addon;
  /** Role the VPC CNI's pods assume (service account `aws-node`). */
  readonly cniRoleArn: pulumi.Output<string>;
  private readonly name: string;
  private readonly args: EksAddonsArgs;

  constructor(name: string, args: EksAddonsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("data-flywheel:aws:EksAddons", name, {}, opts);
    this.name = name;
    this.args = args;
    const cniRole = this.irsa("vpc-cni", cniServiceAccount, managedPolicyArns.eksCni);
    this.cniRoleArn = cniRole.roleArn;
    // Needs no node: the add-on's pods are a DaemonSet, and it is active before any node exists.
    this.networking = this.addon("vpc-cni", [], {
      serviceAccountRoleArn: cniRole.roleArn,
      configurationValues: JSON.stringify({ enableNetworkPolicy: "true" }),
    });
    this.registerOutputs({ cniRoleArn: this.cniRoleArn });
  }

  /**
   * Installs the add-ons whose pods need nodes to run on, after `nodes`, and returns every add-on
   * (networking included), for resources that need storage or networking to be ready. Call it once.
   */
  installOnNodes(nodes: pulumi.Resource[]): aws.eks.Addon[] {
    const ebsKmsKeyArn = this.args.ebsKmsKeyArn;
    const ebsKeyPolicy = ebsKmsKeyArn === undefined ? undefined : pulumi.output(ebsKmsKeyArn).apply(ebsCsiDriverKeyPolicy);
    const ebsRole = this.irsa("ebs-csi", "ebs-csi-controller-sa", "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy", ebsKeyPolicy);
    const efsRole = this.irsa("efs-csi", "efs-csi-controller-sa", "arn:aws:iam::aws:policy/service-role/AmazonEFSCSIDriverPolicy");
    return [
      this.networking,
      this.addon("coredns", nodes),
      this.addon("kube-proxy", nodes),
      this.addon("aws-ebs-csi-driver", nodes, { serviceAccountRoleArn: ebsRole.roleArn }),
      this.addon("aws-efs-csi-driver", nodes, { serviceAccountRoleArn: efsRole.roleArn }),
      // Its permission to exchange tokens (eks-auth:AssumeRoleForPodIdentity) comes from the node
      // role's AmazonEKSWorkerNodePolicy.
      ...(this.args.podIdentityAgent ? [this.addon("eks-pod-identity-agent", nodes)] : []),
    ];
  }

  private irsa(addon: string, serviceAccount: string, policyArn: string, policy?: IrsaRoleArgs["policy"]): IrsaRole {
    return new IrsaRole(`${this.name}-${addon}`, {
      oidcProviderArn: this.args.oidcProviderArn,
      oidcIssuerUrl: this.args.oidcIssuerUrl,
      namespace: "kube-system",
      serviceAccount,
      managedPolicyArns: [policyArn],
      policy,
      tags: this.args.tags ?? {},
    }, { parent: this });
  }

  private addon(addonName: keyof EksAddonVersions, after: pulumi.Resource[], extra: Partial<aws.eks.AddonArgs> = {}): aws.eks.Addon {
    return new aws.eks.Addon(`${this.name}-${addonName}`, {
      clusterName: this.args.clusterName,
      addonName,
      addonVersion: this.args.versions[addonName],
      // EKS installs self-managed vpc-cni, coredns and kube-proxy with the cluster; the add-on takes them over.
      resolveConflictsOnCreate: "OVERWRITE",
      resolveConflictsOnUpdate: "PRESERVE",
      tags: this.args.tags ?? {},
      ...extra,
    }, { parent: this, dependsOn: after });
  }
}
