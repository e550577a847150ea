import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { serviceAccountTrustPolicy, type PolicyDocument } from "./iam-policies";

export interface IrsaRoleArgs {
  readonly oidcProviderArn: pulumi.Input<string>;
  readonly oidcIssuerUrl: pulumi.Input<string>;
  readonly namespace: string;
  readonly serviceAccount: string;
  /**
   * AWS managed policies to attach.
   * @default none
   */
  readonly managedPolicyArns?: readonly string[];
  /**
   * An inline policy of the role's own.
   * @default none
   */
  readonly policy?: pulumi.Input<PolicyDocument>;
  readonly tags?: Record<string, string>;
}

/** An IAM role that exactly one Kubernetes service account can assume (IRSA). */
export class IrsaRole extends pulumi.ComponentResource {
  readonly roleArn: pulumi.Output<string>;

  constructor(name: string, args: IrsaRoleArgs, opts?: pulumi.ComponentResourceOptions) {
    super("data-flywheel:aws:IrsaRole", name, {}, opts);
    const parent = { parent: this };
    const role = new aws.iam.Role(name, {
      assumeRolePolicy: pulumi
        .all([args.oidcProviderArn, args.oidcIssuerUrl])
        .apply(([arn, issuer]) => JSON.stringify(serviceAccountTrustPolicy(arn, issuer, args.namespace, args.serviceAccount))),
      tags: args.tags ?? {},
    }, parent);
    (args.managedPolicyArns ?? []).forEach((policyArn, i) => {
      new aws.iam.RolePolicyAttachment(`${name}-${i}`, { role: role.name, policyArn }, parent);
    });
    if (args.policy) {
      new aws.iam.RolePolicy(name, { role: role.name, policy: pulumi.output(args.policy).apply((p) => JSON.stringify(p)) }, parent);
    }
    this.roleArn = role.arn;
    this.registerOutputs({ roleArn: this.roleArn });
  }
}
