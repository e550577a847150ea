import { ebsCsiDriverKeyPolicy, stackKeyPolicy, type KeyPurpose, type KeyScope } from "../../infra/aws/key-policies";
import type { PolicyStatement } from "../../infra/aws/iam-policies";

const scope: KeyScope = { partition: "aws", region: "us-east-1", accountId: "111122223333", dnsSuffix: "amazonaws.com" };
const autoScalingRole = "arn:aws:iam::111122223333:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling";
const purposes: KeyPurpose[] = ["ebs", "efs", "rds", "s3"];

const statement = (purpose: KeyPurpose, sid: string): PolicyStatement | undefined => stackKeyPolicy(scope, purpose).Statement.find((s) => s.Sid === sid);

describe("stackKeyPolicy", () => {
  it.each(purposes)("lets the account administer the %s key, so IAM policies apply and nobody is locked out", (purpose) => {
    expect(statement(purpose, "AccountAdministersKey")).toEqual({
      Sid: "AccountAdministersKey",
      Effect: "Allow",
      Principal: { AWS: "arn:aws:iam::111122223333:root" },
      Action: "kms:*",
      Resource: "*",
    });
  });

  it("lets EC2 Auto Scaling's service-linked role use the EBS key and grant it only to AWS resources, or nodes cannot launch", () => {
    expect(statement("ebs", "AutoScalingUsesKey")).toMatchObject({ Principal: { AWS: autoScalingRole }, Action: expect.arrayContaining(["kms:Decrypt", "kms:GenerateDataKey*"]) });
    expect(statement("ebs", "AutoScalingAttachesVolumes")).toEqual({
      Sid: "AutoScalingAttachesVolumes",
      Effect: "Allow",
      Principal: { AWS: autoScalingRole },
      Action: "kms:CreateGrant",
      Resource: "*",
      Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } },
    });
    expect(stackKeyPolicy(scope, "ebs").Statement.some((s) => JSON.stringify(s.Principal) === JSON.stringify({ AWS: "*" }))).toBe(false);
  });

  it.each([
    ["efs", "elasticfilesystem.us-east-1.amazonaws.com"],
    ["rds", "rds.us-east-1.amazonaws.com"],
    ["s3", "s3.us-east-1.amazonaws.com"],
  ] as const)("lets this account's principals use the %s key only through %s", (purpose, service) => {
    const use = statement(purpose, "AccountUsesKeyThroughService");
    expect(use?.Condition).toEqual({ StringEquals: { "kms:CallerAccount": "111122223333", "kms:ViaService": service } });
    expect(stackKeyPolicy(scope, purpose).Statement).toHaveLength(2);
  });

  it("builds ARNs and service names in the key's own partition", () => {
    const china: KeyScope = { partition: "aws-cn", region: "cn-north-1", accountId: "111122223333", dnsSuffix: "amazonaws.com.cn" };
    expect(JSON.stringify(stackKeyPolicy(china, "ebs"))).toContain("arn:aws-cn:iam::111122223333:role/aws-service-role/autoscaling.amazonaws.com/");
    expect(stackKeyPolicy(china, "rds").Statement[1].Condition?.StringEquals["kms:ViaService"]).toBe("rds.cn-north-1.amazonaws.com.cn");
  });
});

describe("ebsCsiDriverKeyPolicy", () => {
  it("lets the driver use the one key and create grants only for AWS resources", () => {
    const key = "arn:aws:kms:us-east-1:111122223333:key/ebs";
    const policy = ebsCsiDriverKeyPolicy(key);
    expect(policy.Statement.every((s) => s.Resource === key)).toBe(true);
    expect(policy.Statement[0]).toMatchObject({ Action: ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"], Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } } });
    expect(policy.Statement[1].Action).toEqual(expect.arrayContaining(["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*", "kms:DescribeKey"]));
  });
});
