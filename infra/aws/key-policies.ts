import type { PolicyDocument, PolicyStatement } from "./iam-policies";

/** The account and region a stack's KMS keys live in. */
export interface KeyScope {
  /** `aws`, `aws-cn`, `aws-us-gov`. */
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  /** DNS suffix of the partition's service endpoints: `amazonaws.com`, `amazonaws.com.cn`. */
  readonly dnsSuffix: string;
}

/** What each stack key encrypts; also the suffix of its alias (`alias/<cluster>-<purpose>`). */
export type KeyPurpose = "ebs" | "efs" | "rds" | "s3" | "backup";

/** The AWS service each purpose's key is used through, as `kms:ViaService` names it. */
const viaServices: Record<Exclude<KeyPurpose, "ebs">, string> = { efs: "elasticfilesystem", rds: "rds", s3: "s3", backup: "backup" };

/** What encrypting and decrypting data with a key takes. */
const useActions = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"];

/**
 * The account administers the key, and IAM policies in the account may grant its use. Without this
 * statement only the principals the key policy names could ever change it again: a key nobody can
 * manage (AWS support has to recover it).
 */
function accountAdministers(scope: KeyScope): PolicyStatement {
  return { Sid: "AccountAdministersKey", Effect: "Allow", Principal: { AWS: `arn:${scope.partition}:iam::${scope.accountId}:root` }, Action: "kms:*", Resource: "*" };
}

/**
 * EC2 Auto Scaling launches every managed node group's instances under its service-linked role,
 * which has no access to customer-managed keys unless the key policy gives it: without these two
 * statements, nodes whose launch template names the key fail to start (the EC2 Auto Scaling User
 * Guide, "Required AWS KMS key policy for use with encrypted volumes"). The role is named, not
 * granted through IAM: a service-linked role's policies cannot be changed.
 */
function autoScalingUsesKey(scope: KeyScope): PolicyStatement[] {
  const role = `arn:${scope.partition}:iam::${scope.accountId}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`;
  return [
    { Sid: "AutoScalingUsesKey", Effect: "Allow", Principal: { AWS: role }, Action: useActions, Resource: "*" },
    {
      Sid: "AutoScalingAttachesVolumes",
      Effect: "Allow",
      Principal: { AWS: role },
      Action: "kms:CreateGrant",
      Resource: "*",
      Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } },
    },
  ];
}

/**
 * Principals of this account may use the key only through the one service it is for, and only for
 * that service's own resources: what AWS's managed keys (`aws/rds`, …) allow, minus every other
 * service. Who may then read the data is the service's own access control (IAM, the bucket policy).
 */
function serviceUsesKey(scope: KeyScope, service: string): PolicyStatement {
  return {
    Sid: "AccountUsesKeyThroughService",
    Effect: "Allow",
    Principal: { AWS: "*" },
    Action: [...useActions, "kms:CreateGrant", "kms:ListGrants"],
    Resource: "*",
    Condition: {
      StringEquals: {
        "kms:CallerAccount": scope.accountId,
        "kms:ViaService": `${service}.${scope.region}.${scope.dnsSuffix}`,
      },
    },
  };
}

/**
 * The key policy of one stack key: the account administers it; EBS keys are used by EC2 Auto
 * Scaling (node root volumes) and by the EBS CSI driver's role (volumes of claims), which gets its
 * own IAM policy naming the key (`ebsCsiDriverKeyPolicy`); EFS, RDS and S3 keys are used through
 * their service only.
 */
export function stackKeyPolicy(scope: KeyScope, purpose: KeyPurpose): PolicyDocument {
  const users = purpose === "ebs" ? autoScalingUsesKey(scope) : [serviceUsesKey(scope, viaServices[purpose])];
  return { Version: "2012-10-17", Statement: [accountAdministers(scope), ...users] };
}

/**
 * What the EBS CSI driver needs to create, attach and delete volumes encrypted with a
 * customer-managed key (the driver's documented KMS policy): use of the key, and grants that only
 * AWS resources (EC2 attaching the volume) may hold.
 */
export function ebsCsiDriverKeyPolicy(keyArn: string): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "GrantsForVolumes",
        Effect: "Allow",
        Action: ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
        Resource: keyArn,
        Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } },
      },
      { Sid: "UseKey", Effect: "Allow", Action: useActions, Resource: keyArn },
    ],
  };
}
