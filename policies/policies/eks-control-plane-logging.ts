import type { ResourceValidationPolicy } from "@pulumi/policy";
import { policyConfig } from "../lib/config";
import { validateResourceType } from "../lib/kubernetes";

export type ControlPlaneLogType = "api" | "audit" | "authenticator" | "controllerManager" | "scheduler";

export interface EksControlPlaneLoggingConfig {
  /** Log types the control plane must send to CloudWatch. */
  readonly requiredLogTypes: readonly ControlPlaneLogType[];
}

export const eksControlPlaneLoggingDefaults: EksControlPlaneLoggingConfig = { requiredLogTypes: ["api", "audit", "authenticator"] };

interface ClusterInputs {
  readonly name?: string;
  readonly enabledClusterLogTypes?: readonly string[];
}

/** Without audit and authenticator logs nobody can say who changed what in the cluster. */
export const eksControlPlaneLogging: ResourceValidationPolicy = {
  name: "eks-control-plane-logging",
  description:
    "EKS sends the required control-plane log types to CloudWatch (config requiredLogTypes). " +
    "Mandatory: without audit and authenticator logs an incident cannot be reconstructed.",
  enforcementLevel: "mandatory",
  severity: "medium",
  remediationSteps: "List the log types in aws.cluster.controlPlaneLogTypes in the stack file.",
  configSchema: {
    properties: {
      requiredLogTypes: {
        type: "array",
        items: { type: "string", enum: ["api", "audit", "authenticator", "controllerManager", "scheduler"] },
        default: [...eksControlPlaneLoggingDefaults.requiredLogTypes],
        description: "Control-plane log types that must be enabled.",
      },
    },
  },
  validateResource: validateResourceType<ClusterInputs>("aws:eks/cluster:Cluster", (cluster, args, reportViolation) => {
    const { requiredLogTypes } = policyConfig(args, eksControlPlaneLoggingDefaults);
    const enabled = cluster.enabledClusterLogTypes ?? [];
    const missing = requiredLogTypes.filter((t) => !enabled.includes(t));
    if (missing.length > 0) {
      reportViolation(
        `EKS cluster "${cluster.name ?? args.name}" does not log ${missing.join(", ")} (enabled: ${enabled.join(", ") || "none"}). ` +
          `Fix: add ${missing.join(", ")} to aws.cluster.controlPlaneLogTypes.`,
      );
    }
  }),
};
