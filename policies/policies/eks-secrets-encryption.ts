import type { ResourceValidationPolicy } from "@pulumi/policy";
import { validateResourceType } from "../lib/kubernetes";

interface ClusterInputs {
  readonly name?: string;
  readonly encryptionConfig?: { readonly resources?: readonly string[]; readonly provider?: { readonly keyArn?: string } };
}

/**
 * Kubernetes Secrets hold the NGC key and every database password; without envelope encryption
 * they sit in etcd protected only by EKS's own disk encryption.
 */
export const eksSecretsEncryption: ResourceValidationPolicy = {
  name: "eks-secrets-encryption",
  description:
    "EKS envelope-encrypts Kubernetes Secrets with a customer-managed KMS key. " +
    "Mandatory (the development config lowers it to advisory): the Secrets hold the NGC key and every data-service password.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps: "Set aws.cluster.secretsEncryption to true in the stack file.",
  validateResource: validateResourceType<ClusterInputs>("aws:eks/cluster:Cluster", (cluster, args, reportViolation) => {
    const config = cluster.encryptionConfig;
    if (!config?.resources?.includes("secrets") || !config.provider?.keyArn) {
      reportViolation(
        `EKS cluster "${cluster.name ?? args.name}" does not envelope-encrypt Secrets with a KMS key (encryptionConfig is ${config ? "incomplete" : "unset"}). ` +
          "Fix: set aws.cluster.secretsEncryption to true.",
      );
    }
  }),
};
