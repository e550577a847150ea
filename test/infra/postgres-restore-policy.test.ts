import { postgresBackupPolicy } from "../../infra/aws/postgres-backup-policy";
import { postgresRestorePolicy } from "../../infra/aws/postgres-restore-policy";
import type { PolicyDocument } from "../../infra/aws/iam-policies";
import { postgresRestoreRole } from "../../scripts/postgres-restore-role";

const bucketArn = "arn:aws:s3:::flywheel-backups";
const kmsKeyArn = "arn:aws:kms:us-east-1:111122223333:key/restore";

const actions = (policy: PolicyDocument): string[] => policy.Statement.flatMap((s) => (typeof s.Action === "string" ? [s.Action] : [...s.Action]));
const resources = (policy: PolicyDocument): string[] => policy.Statement.flatMap((s) => (s.Resource === undefined ? [] : typeof s.Resource === "string" ? [s.Resource] : [...s.Resource]));

describe("postgresRestorePolicy", () => {
  it("allows listing and reading the source cluster's prefix only", () => {
    const policy = postgresRestorePolicy({ bucketArn, sourceCluster: "nemo-postgres" });
    expect(actions(policy).sort()).toEqual(["s3:GetBucketLocation", "s3:GetObject", "s3:ListBucket"]);
    expect(resources(policy)).toEqual([bucketArn, `${bucketArn}/postgres/nemo-postgres/*`]);
    expect(policy.Statement[0].Condition).toEqual({ StringLikeIfExists: { "s3:prefix": ["postgres/nemo-postgres", "postgres/nemo-postgres/*"] } });
  });

  it("grants no write, delete or multipart action, unlike the backup role", () => {
    const restore = actions(postgresRestorePolicy({ bucketArn, sourceCluster: "nemo-postgres", kmsKeyArn }));
    const writes = /^s3:(Put|Delete|AbortMultipartUpload|Restore)|^kms:(GenerateDataKey|Encrypt)|\*/;
    expect(restore.filter((action) => writes.test(action))).toEqual([]);
    expect(actions(postgresBackupPolicy({ bucketArn, clusterName: "nemo-postgres", kmsKeyArn })).filter((action) => writes.test(action)).length).toBeGreaterThan(0);
  });

  it("may decrypt with the bucket's customer managed key, and names no key without one", () => {
    const withKey = postgresRestorePolicy({ bucketArn, sourceCluster: "nemo-postgres", kmsKeyArn });
    expect(withKey.Statement.find((s) => s.Sid === "BucketKeyDecrypt")).toEqual({ Sid: "BucketKeyDecrypt", Effect: "Allow", Action: ["kms:Decrypt"], Resource: kmsKeyArn });
    expect(actions(postgresRestorePolicy({ bucketArn, sourceCluster: "nemo-postgres" })).some((action) => action.startsWith("kms:"))).toBe(false);
  });

  it("confines another source cluster to its own prefix", () => {
    expect(resources(postgresRestorePolicy({ bucketArn, sourceCluster: "mlflow-postgres" }))).toContain(`${bucketArn}/postgres/mlflow-postgres/*`);
  });
});

describe("postgresRestoreRole (scripts/postgres-restore-role.ts)", () => {
  it("trusts only the recovery Cluster's ServiceAccount in the scratch namespace", () => {
    const role = postgresRestoreRole({ sourceCluster: "nemo-postgres", namespace: "restore-drill", bucket: "flywheel-backups", oidcProviderArn: "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC", oidcIssuerUrl: "https://oidc.eks.us-east-1.amazonaws.com/id/ABC" });
    expect(role.trust.Statement).toHaveLength(1);
    expect(role.trust.Statement[0].Condition?.StringEquals["oidc.eks.us-east-1.amazonaws.com/id/ABC:sub"]).toBe("system:serviceaccount:restore-drill:nemo-postgres-restore");
    expect(role.permissions).toEqual(postgresRestorePolicy({ bucketArn, sourceCluster: "nemo-postgres" }));
  });
});
