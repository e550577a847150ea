/** A minimal IAM policy document type: enough for the trust and permission policies written here. */
export interface PolicyDocument {
  readonly Version: "2012-10-17";
  readonly Statement: readonly PolicyStatement[];
}

export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: "Allow" | "Deny";
  readonly Principal?: Record<string, string | string[]>;
  readonly Action: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly Condition?: Record<string, Record<string, string | string[]>>;
}

/** Trust policy that lets an AWS service (eks.amazonaws.com, ec2.amazonaws.com) assume a role. */
export function serviceTrustPolicy(service: string): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }],
  };
}

/**
 * Trust policy for IAM Roles for Service Accounts: only the named Kubernetes service account, with
 * a token minted for STS, may assume the role.
 */
export function serviceAccountTrustPolicy(oidcProviderArn: string, issuerUrl: string, namespace: string, serviceAccount: string): PolicyDocument {
  const issuer = issuerUrl.replace(/^https:\/\//, "");
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Federated: oidcProviderArn },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: {
            [`${issuer}:sub`]: `system:serviceaccount:${namespace}:${serviceAccount}`,
            [`${issuer}:aud`]: "sts.amazonaws.com",
          },
        },
      },
    ],
  };
}

/**
 * Permissions the Cluster Autoscaler needs: read everything about node groups, but change the size
 * of (and terminate instances in) only the Auto Scaling groups tagged as this cluster's.
 */
export function clusterAutoscalerPolicy(clusterName: string): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "Describe",
        Effect: "Allow",
        Action: [
          "autoscaling:DescribeAutoScalingGroups",
          "autoscaling:DescribeAutoScalingInstances",
          "autoscaling:DescribeLaunchConfigurations",
          "autoscaling:DescribeScalingActivities",
          "autoscaling:DescribeTags",
          "ec2:DescribeImages",
          "ec2:DescribeInstanceTypes",
          "ec2:DescribeLaunchTemplateVersions",
          "ec2:GetInstanceTypesFromInstanceRequirements",
          "eks:DescribeNodegroup",
        ],
        Resource: "*",
      },
      {
        Sid: "ScaleOwnGroups",
        Effect: "Allow",
        Action: ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"],
        Resource: "*",
        Condition: { StringEquals: { [`aws:ResourceTag/k8s.io/cluster-autoscaler/${clusterName}`]: "owned" } },
      },
    ],
  };
}

/**
 * Trust policy for EKS Pod Identity: the EKS Auth service assumes the role for a pod whose
 * ServiceAccount a `PodIdentityAssociation` names, and tags the session with the pod's cluster,
 * namespace and ServiceAccount (hence `sts:TagSession`).
 */
export function podIdentityTrustPolicy(): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: "pods.eks.amazonaws.com" }, Action: ["sts:AssumeRole", "sts:TagSession"] }],
  };
}

/** Where an AWS Secrets Manager secret lives, for the ARN its name gives. */
export interface SecretsManagerScope {
  /** `aws`, `aws-cn`, `aws-us-gov`. */
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
}

/**
 * The ARN pattern of the secret with this name: Secrets Manager appends `-` and six random
 * characters to the name, so `-??????` matches that secret and no other (a bare `<name>*` would
 * also match `<name>-old`, `<name>2`, ...).
 */
export function secretsManagerSecretArn(scope: SecretsManagerScope, name: string): string {
  return `arn:${scope.partition}:secretsmanager:${scope.region}:${scope.accountId}:secret:${name}-??????`;
}

/**
 * Throws unless the names are a non-empty list of distinct Secrets Manager names: no resource would
 * grant nothing, and a `*` or `?` in a name would widen its ARN to other secrets.
 */
export function checkSecretNames(secretNames: readonly string[]): void {
  if (secretNames.length === 0) {
    throw new Error("secret names: the list is empty; the role would read nothing");
  }
  // The characters Secrets Manager allows in a name.
  const unsafe = secretNames.find((name) => !/^[A-Za-z0-9/_+=.@-]{1,512}$/.test(name));
  if (unsafe !== undefined) {
    throw new Error(`secret names: "${unsafe}" is not a Secrets Manager name (letters, digits and /_+=.@-, at most 512 characters)`);
  }
  const duplicate = secretNames.find((name, i) => secretNames.indexOf(name) !== i);
  if (duplicate !== undefined) {
    throw new Error(`secret names: "${duplicate}" is listed twice`);
  }
}

/**
 * Read-only access to exactly the named Secrets Manager secrets: their values and their metadata
 * (the External Secrets Operator reads both), nothing listed, nothing written. Secrets encrypted with
 * a customer-managed KMS key also need `kms:Decrypt` on that key, which this policy does not grant.
 */
export function secretsReaderPolicy(scope: SecretsManagerScope, secretNames: readonly string[]): PolicyDocument {
  checkSecretNames(secretNames);
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "ReadNamedSecrets",
        Effect: "Allow",
        Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
        Resource: secretNames.map((name) => secretsManagerSecretArn(scope, name)),
      },
    ],
  };
}
