import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { deployerAccessProblem } from "./cluster-access";
import { serviceTrustPolicy } from "./iam-policies";
import { eksKubeconfig } from "./kubeconfig";

export type ControlPlaneLogType = "api" | "audit" | "authenticator" | "controllerManager" | "scheduler";

export interface EksClusterArgs {
  /** EKS cluster name; also the name the autoscaler discovers node groups by. */
  readonly clusterName: string;
  /** Kubernetes minor version, e.g. "1.34". */
  readonly kubernetesVersion: string;
  readonly region: string;
  /** Subnets for the control plane's network interfaces (the private ones). */
  readonly subnetIds: pulumi.Input<string>[];
  readonly endpoint: {
    /** Whether the API endpoint is reachable from the internet (private access is always on). */
    readonly publicAccess: boolean;
    /** Who may reach the public endpoint. */
    readonly publicAccessCidrs: readonly string[];
  };
  /** Envelope-encrypt Kubernetes Secrets with a customer-managed KMS key. */
  readonly secretsEncryption: boolean;
  /** Control-plane log types sent to CloudWatch. */
  readonly controlPlaneLogTypes: readonly ControlPlaneLogType[];
  /**
   * Days to keep control-plane logs.
   * @default 90
   */
  readonly logRetentionDays?: number;
  /** IAM roles given cluster-admin through EKS access entries: people. */
  readonly adminRoleArns: readonly string[];
  /** IAM roles given cluster-admin through EKS access entries: CI deployers. Whoever runs `pulumi up` must be in one of the two lists. */
  readonly ciRoleArns: readonly string[];
  readonly tags?: Record<string, string>;
}

const clusterAdminPolicy = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy";

/**
 * An EKS control plane with API-mode access entries, an OIDC provider for IAM roles for service
 * accounts, optional KMS encryption of Secrets and control-plane logging.
 */
export class EksCluster extends pulumi.ComponentResource {
  readonly clusterName: pulumi.Output<string>;
  readonly endpoint: pulumi.Output<string>;
  readonly certificateAuthorityData: pulumi.Output<string>;
  /** Security group EKS attaches to the control plane and every managed node. */
  readonly clusterSecurityGroupId: pulumi.Output<string>;
  readonly oidcProviderArn: pulumi.Output<string>;
  /** Issuer URL of the cluster's service-account tokens (https://…). */
  readonly oidcIssuerUrl: pulumi.Output<string>;
  /** A kubeconfig that authenticates with `aws eks get-token`; a secret output. */
  readonly kubeconfig: pulumi.Output<string>;
  /** Cluster-admin grants; nothing can use the cluster before they exist. */
  readonly accessPolicyAssociations: aws.eks.AccessPolicyAssociation[];

  constructor(name: string, args: EksClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("data-flywheel:aws:EksCluster", name, {}, opts);
    const parent = { parent: this };
    const tags = args.tags ?? {};

    const role = new aws.iam.Role(`${name}-cluster`, {
      assumeRolePolicy: JSON.stringify(serviceTrustPolicy("eks.amazonaws.com")),
      tags,
    }, parent);
    const rolePolicy = new aws.iam.RolePolicyAttachment(`${name}-cluster`, {
      role: role.name,
      policyArn: "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy",
    }, parent);

    const secretsKey = args.secretsEncryption
      ? new aws.kms.Key(`${name}-secrets`, {
          description: `Envelope encryption of Kubernetes Secrets in EKS cluster ${args.clusterName}`,
          enableKeyRotation: true,
          deletionWindowInDays: 30,
          tags,
        }, parent)
      : undefined;

    // Created before the cluster so the retention is ours; EKS would otherwise create the group
    // with logs kept forever.
    const logGroup = args.controlPlaneLogTypes.length > 0
      ? new aws.cloudwatch.LogGroup(`${name}-control-plane`, {
          name: `/aws/eks/${args.clusterName}/cluster`,
          retentionInDays: args.logRetentionDays ?? 90,
          tags,
        }, parent)
      : undefined;

    const cluster = new aws.eks.Cluster(name, {
      name: args.clusterName,
      version: args.kubernetesVersion,
      roleArn: role.arn,
      vpcConfig: {
        subnetIds: args.subnetIds,
        endpointPrivateAccess: true,
        endpointPublicAccess: args.endpoint.publicAccess,
        publicAccessCidrs: args.endpoint.publicAccess ? [...args.endpoint.publicAccessCidrs] : undefined,
      },
      accessConfig: {
        authenticationMode: "API",
        // Every admin is an explicit access entry below. EKS's automatic entry for the creator would
        // collide with an explicit one for the same role (a CI role that creates the cluster and is
        // listed), and would outlive the person who happened to create the cluster.
        bootstrapClusterCreatorAdminPermissions: false,
      },
      encryptionConfig: secretsKey ? { resources: ["secrets"], provider: { keyArn: secretsKey.arn } } : undefined,
      enabledClusterLogTypes: [...args.controlPlaneLogTypes],
      tags,
    }, { parent: this, dependsOn: [rolePolicy, ...(logGroup ? [logGroup] : [])] });

    const issuerUrl = cluster.identities.apply((ids) => ids[0].oidcs[0].issuer);
    const oidcProvider = new aws.iam.OpenIdConnectProvider(name, {
      url: issuerUrl,
      clientIdLists: ["sts.amazonaws.com"],
      tags,
    }, parent);

    const accessRoles = [
      ...args.adminRoleArns.map((arn, i) => ({ arn, name: `${name}-admin-${i}` })),
      ...args.ciRoleArns.map((arn, i) => ({ arn, name: `${name}-ci-${i}` })),
    ];
    const associations = accessRoles.map((access) => {
      const entry = new aws.eks.AccessEntry(access.name, {
        clusterName: cluster.name,
        principalArn: access.arn,
        type: "STANDARD",
        tags,
      }, parent);
      return new aws.eks.AccessPolicyAssociation(access.name, {
        clusterName: cluster.name,
        principalArn: entry.principalArn,
        policyArn: clusterAdminPolicy,
        accessScope: { type: "cluster" },
      }, parent);
    });
    // Fails the update with a readable message, before any Kubernetes resource, if the deployer
    // could not reach the cluster.
    const caller = aws.getCallerIdentityOutput({}, parent);
    const deployer = aws.iam.getSessionContextOutput({ arn: caller.arn }, parent).issuerArn;
    const listedRoles = accessRoles.map((a) => a.arn);

    this.clusterName = cluster.name;
    this.endpoint = cluster.endpoint;
    this.certificateAuthorityData = cluster.certificateAuthority.data;
    this.clusterSecurityGroupId = cluster.vpcConfig.clusterSecurityGroupId;
    this.oidcProviderArn = oidcProvider.arn;
    this.oidcIssuerUrl = issuerUrl;
    this.accessPolicyAssociations = associations;
    this.kubeconfig = pulumi.secret(
      pulumi
        .all([cluster.name, cluster.endpoint, cluster.certificateAuthority.data, deployer])
        .apply(([clusterName, endpoint, certificateAuthorityData, deployerArn]) => {
          const problem = deployerAccessProblem(deployerArn, listedRoles);
          if (problem) {
            throw new Error(problem);
          }
          return eksKubeconfig({ clusterName, endpoint, certificateAuthorityData, region: args.region });
        }),
    );
    this.registerOutputs({
      clusterName: this.clusterName,
      endpoint: this.endpoint,
      oidcProviderArn: this.oidcProviderArn,
      kubeconfig: this.kubeconfig,
    });
  }
}
