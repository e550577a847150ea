import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/**
 * The current value of an AWS Secrets Manager secret, read by `pulumi up` with the deployer's own
 * credentials (which then need `secretsmanager:GetSecretValue` on it), as a Pulumi secret. Only for
 * what Pulumi itself must log in with; everything the cluster reads comes through the operator.
 */
export function secretsManagerValue(secretName: string, opts?: pulumi.InvokeOptions): pulumi.Output<string> {
  return pulumi.secret(aws.secretsmanager.getSecretVersionOutput({ secretId: secretName }, opts).secretString);
}
