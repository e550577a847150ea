/**
 * Prints the restore role's trust and permission policies (README, "Restoring PostgreSQL") as one
 * JSON object, for `aws iam create-role` and `aws iam put-role-policy`. The stack creates no restore
 * role: the scratch namespace is chosen at restore time, and the role must trust only its
 * ServiceAccount.
 * Usage: npx ts-node --transpile-only scripts/postgres-restore-role.ts SOURCE_CLUSTER NAMESPACE BUCKET OIDC_PROVIDER_ARN OIDC_ISSUER_URL [KMS_KEY_ARN]
 */
import { serviceAccountTrustPolicy, type PolicyDocument } from "../infra/aws/iam-policies";
import { postgresRestorePolicy } from "../infra/aws/postgres-restore-policy";
import { recoveryClusterName } from "../constructs/data/cnpg/postgres-recovery-cluster";

export interface RestoreRoleArgs {
  readonly sourceCluster: string;
  readonly namespace: string;
  readonly bucket: string;
  readonly oidcProviderArn: string;
  readonly oidcIssuerUrl: string;
  readonly kmsKeyArn?: string;
}

/** The role trusts only the recovery Cluster's ServiceAccount (named after the Cluster) in `namespace`, and may only read the source's prefix. */
export function postgresRestoreRole(args: RestoreRoleArgs): { readonly trust: PolicyDocument; readonly permissions: PolicyDocument } {
  return {
    trust: serviceAccountTrustPolicy(args.oidcProviderArn, args.oidcIssuerUrl, args.namespace, recoveryClusterName(args.sourceCluster)),
    permissions: postgresRestorePolicy({ bucketArn: `arn:aws:s3:::${args.bucket}`, sourceCluster: args.sourceCluster, ...(args.kmsKeyArn !== undefined ? { kmsKeyArn: args.kmsKeyArn } : {}) }),
  };
}

if (require.main === module) {
  const [sourceCluster, namespace, bucket, oidcProviderArn, oidcIssuerUrl, kmsKeyArn] = process.argv.slice(2);
  if (sourceCluster === undefined || namespace === undefined || bucket === undefined || oidcProviderArn === undefined || oidcIssuerUrl === undefined) {
    process.stderr.write("usage: postgres-restore-role.ts SOURCE_CLUSTER NAMESPACE BUCKET OIDC_PROVIDER_ARN OIDC_ISSUER_URL [KMS_KEY_ARN]\n");
    process.exit(2);
  }
  process.stdout.write(`${JSON.stringify(postgresRestoreRole({ sourceCluster, namespace, bucket, oidcProviderArn, oidcIssuerUrl, ...(kmsKeyArn !== undefined ? { kmsKeyArn } : {}) }), null, 2)}\n`);
}
