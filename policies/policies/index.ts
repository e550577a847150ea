import type { Policies } from "@pulumi/policy";
import { bucketCustomerManagedKey } from "./bucket-customer-managed-key";
import { containerResources } from "./container-resources";
import { cronJobBounded } from "./cronjob-bounded";
import { eksControlPlaneLogging } from "./eks-control-plane-logging";
import { eksEndpointAccess } from "./eks-endpoint-access";
import { eksSecretsEncryption } from "./eks-secrets-encryption";
import { elasticsearchDurable } from "./elasticsearch-durable";
import { externalCredentialsFromSecretsManager } from "./external-credentials-from-secrets-manager";
import { gpuNodePoolTainted } from "./gpu-node-pool-tainted";
import { gpuNodesReserved } from "./gpu-nodes-reserved";
import { gpuWorkloadScheduling } from "./gpu-workload-scheduling";
import { helmReleasePinned } from "./helm-release-pinned";
import { helmReleaseSecurityValues } from "./helm-release-security-values";
import { imagePinned } from "./image-pinned";
import { imageRegistryAllowed } from "./image-registry-allowed";
import { kmsKeyRotation } from "./kms-key-rotation";
import { mongodbReplicaSet } from "./mongodb-replica-set";
import { namespaceDefaultDeny } from "./namespace-default-deny";
import { namespaceSecretsUsed } from "./namespace-secrets-used";
import { nimserviceAdmissionPolicy } from "./nimservice-admission-policy";
import { noPlaintextSecrets } from "./no-plaintext-secrets";
import { noSecretOnCommandLine } from "./no-secret-on-command-line";
import { nfsFromSecurityGroups } from "./nfs-from-security-groups";
import { nodeImdsv2Required } from "./node-imdsv2-required";
import { nodeRoleNoCniPolicy } from "./node-role-no-cni-policy";
import { nodeRoleSsmAccess } from "./node-role-ssm-access";
import { podDisruptionBudget } from "./pod-disruption-budget";
import { podSecurityLevel } from "./pod-security-level";
import { podsNonRoot } from "./pods-non-root";
import { rdsInstanceDurable } from "./rds-instance-durable";
import { rdsInstancePrivate } from "./rds-instance-private";
import { redisDurable } from "./redis-durable";
import { s3BucketHardened } from "./s3-bucket-hardened";
import { servingAdapterId } from "./serving-adapter-id";
import { servingEvidence } from "./serving-evidence";
import { servingForcedPromotion } from "./serving-forced-promotion";
import { servingProductionReplicas } from "./serving-production-replicas";
import { statefulStoreBackedUp } from "./stateful-store-backed-up";
import { storageEncrypted } from "./storage-encrypted";
import { storeTlsRequired } from "./store-tls-required";
import { volumeBackupPlan } from "./volume-backup-plan";
import { verifyPlatformReadOnly } from "./verify-platform-read-only";
import { vpcFlowLogs } from "./vpc-flow-logs";

/** Every policy of the pack, by area. */
export const policies: Policies = [
  // GPU scheduling
  gpuNodePoolTainted,
  gpuWorkloadScheduling,
  gpuNodesReserved,
  // The EKS cluster and its nodes
  eksEndpointAccess,
  eksSecretsEncryption,
  eksControlPlaneLogging,
  nodeImdsv2Required,
  nodeRoleNoCniPolicy,
  nodeRoleSsmAccess,
  nfsFromSecurityGroups,
  storageEncrypted,
  bucketCustomerManagedKey,
  kmsKeyRotation,
  s3BucketHardened,
  vpcFlowLogs,
  volumeBackupPlan,
  rdsInstancePrivate,
  // Workloads
  containerResources,
  imagePinned,
  imageRegistryAllowed,
  noPlaintextSecrets,
  noSecretOnCommandLine,
  podsNonRoot,
  cronJobBounded,
  // Helm releases
  helmReleasePinned,
  helmReleaseSecurityValues,
  // Data services and disruption
  elasticsearchDurable,
  mongodbReplicaSet,
  statefulStoreBackedUp,
  redisDurable,
  rdsInstanceDurable,
  storeTlsRequired,
  podDisruptionBudget,
  // Isolation: the network, Pod Security, Secrets, admission
  namespaceDefaultDeny,
  podSecurityLevel,
  namespaceSecretsUsed,
  externalCredentialsFromSecretsManager,
  nimserviceAdmissionPolicy,
  verifyPlatformReadOnly,
  // Served models: their evidence, their replicas, their adapter
  servingEvidence,
  servingForcedPromotion,
  servingProductionReplicas,
  servingAdapterId,
];
