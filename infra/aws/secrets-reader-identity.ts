import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { checkSecretNames, podIdentityTrustPolicy, secretsReaderPolicy } from "./iam-policies";

export interface SecretsReaderIdentityArgs {
  readonly clusterName: pulumi.Input<string>;
  /** Namespace of the ServiceAccount the role is for. */
  readonly namespace: string;
  /** The one ServiceAccount whose pods get the role. */
  readonly serviceAccount: string;
  /** Region of the secrets (the stack's). */
  readonly region: string;
  /** Names of the AWS Secrets Manager secrets the role may read; at least one. */
  readonly secretNames: readonly string[];
  readonly tags?: Record<string, string>;
}

/**
 * An IAM role that may read exactly the named Secrets Manager secrets, bound by EKS Pod Identity to
 * one Kubernetes ServiceAccount (the External Secrets Operator's controller). Pod Identity needs no
 * OIDC provider and no annotation on the ServiceAccount; the cluster needs the
 * `eks-pod-identity-agent` add-on (`GpuClusterArgs.podIdentityAgent`).
 */
export class SecretsReaderIdentity extends pulumi.ComponentResource {
  readonly roleArn: pulumi.Output<string>;
  /**
   * The association and the role's policy: what the controller's Deployment waits for. EKS injects
   * the role's credentials only into pods created after the association exists.
   */
  readonly ready: pulumi.Resource[];

  constructor(name: string, args: SecretsReaderIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
    super("data-flywheel:aws:SecretsReaderIdentity", name, {}, opts);
    const parent = { parent: this };
    const tags = args.tags ?? {};
    // Checked now, not once the account is known: a bad list fails the preview with this message.
    checkSecretNames(args.secretNames);

    const partition = aws.getPartitionOutput({}, parent).partition;
    const accountId = aws.getCallerIdentityOutput({}, parent).accountId;
    const role = new aws.iam.Role(name, { assumeRolePolicy: JSON.stringify(podIdentityTrustPolicy()), tags }, parent);
    const policy = new aws.iam.RolePolicy(name, {
      role: role.name,
      policy: pulumi.all([partition, accountId]).apply(([p, account]) => JSON.stringify(secretsReaderPolicy({ partition: p, region: args.region, accountId: account }, args.secretNames))),
    }, parent);
    const association = new aws.eks.PodIdentityAssociation(name, {
      clusterName: args.clusterName,
      namespace: args.namespace,
      serviceAccount: args.serviceAccount,
      roleArn: role.arn,
      tags,
    }, parent);
    this.ready = [association, policy];
    this.roleArn = role.arn;
    this.registerOutputs({ roleArn: this.roleArn });
  }
}
