import { eksSecretsEncryption } from "../../policies/eks-secrets-encryption";
import { resourceViolations } from "../support/policy-review";
import { edit, eksCluster } from "../support/fixtures";

describe("eks-secrets-encryption", () => {
  it("passes a cluster that envelope-encrypts Secrets with a KMS key", async () => {
    expect(await resourceViolations(eksSecretsEncryption, eksCluster())).toEqual([]);
  });

  it("catches a cluster without encryption", async () => {
    expect(await resourceViolations(eksSecretsEncryption, edit(eksCluster(), "props.encryptionConfig", undefined))).toEqual([
      'EKS cluster "data-flywheel-prod" does not envelope-encrypt Secrets with a KMS key (encryptionConfig is unset). Fix: set aws.cluster.secretsEncryption to true.',
    ]);
  });

  it("catches an encryption config that leaves Secrets out or names no key", async () => {
    expect(await resourceViolations(eksSecretsEncryption, edit(eksCluster(), "props.encryptionConfig.resources", []))).toEqual([
      expect.stringContaining("(encryptionConfig is incomplete)"),
    ]);
    expect(await resourceViolations(eksSecretsEncryption, edit(eksCluster(), "props.encryptionConfig.provider", undefined))).toEqual([
      expect.stringContaining("(encryptionConfig is incomplete)"),
    ]);
  });
});
