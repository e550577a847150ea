import type { StackValidationPolicy } from "@pulumi/policy";
import { managedPolicyArns } from "../../infra/aws/managed-policy-arns";
import { nodeRolePolicies } from "../lib/iam";

/** A vpc-cni add-on's inputs, as far as this policy reads them. */
interface AddonInputs {
  readonly addonName?: string;
  readonly clusterName?: string;
  readonly serviceAccountRoleArn?: string;
  readonly podIdentityAssociations?: readonly unknown[];
}

const remediation =
  "Give the vpc-cni add-on its own role (EksAddons in infra/aws/eks-addons.ts: an IAM role for service account aws-node, as serviceAccountRoleArn) and attach AmazonEKS_CNI_Policy to that role only.";

/**
 * The VPC CNI's permissions (create and attach network interfaces, assign IPs) belong to its own
 * pods, not to every process on every node: on the node role they are any node's, and any pod that
 * reaches the node's credentials can rewire the VPC's interfaces.
 */
export const nodeRoleNoCniPolicy: StackValidationPolicy = {
  name: "node-role-no-cni-policy",
  description:
    "No role EC2 instances assume (a node role) carries AmazonEKS_CNI_Policy, and every vpc-cni add-on has an identity of its own (serviceAccountRoleArn or a Pod Identity association) that does. " +
    "Mandatory: on the node role the network permissions are every node's, not just the CNI's.",
  enforcementLevel: "mandatory",
  severity: "medium",
  remediationSteps: remediation,
  validateStack: (args, reportViolation) => {
    for (const { roleName, policyArn, resource } of nodeRolePolicies(args.resources)) {
      if (policyArn === managedPolicyArns.eksCni) {
        reportViolation(
          `Node role "${roleName}" carries AmazonEKS_CNI_Policy: every node, and any pod that reaches its credentials, may create and attach network interfaces. Fix: ${remediation}`,
          resource.urn,
        );
      }
    }
    for (const resource of args.resources.filter((r) => r.type === "aws:eks/addon:Addon")) {
      const addon = resource.props as AddonInputs;
      if (addon.addonName === "vpc-cni" && !addon.serviceAccountRoleArn && (addon.podIdentityAssociations ?? []).length === 0) {
        reportViolation(
          `The vpc-cni add-on of cluster "${addon.clusterName ?? resource.name}" has no identity of its own (no serviceAccountRoleArn, no podIdentityAssociations), so aws-node runs with the node role's credentials. Fix: ${remediation}`,
          resource.urn,
        );
      }
    }
  },
};
