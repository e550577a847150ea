import type { StackValidationPolicy } from "@pulumi/policy";
import { managedPolicyArns } from "../../infra/aws/managed-policy-arns";
import { policyConfig } from "../lib/config";
import { nodeRolePolicies } from "../lib/iam";

export interface NodeRoleSsmAccessConfig {
  /** Whether node roles may carry AmazonSSMManagedInstanceCore (the stack asked for it with aws.cluster.nodeSsmAccess). */
  readonly allowSsmAccess: boolean;
}

export const nodeRoleSsmAccessDefaults: NodeRoleSsmAccessConfig = { allowSsmAccess: false };

/**
 * AmazonSSMManagedInstanceCore on a node role lets Session Manager open a root shell on every node
 * for whoever may call ssm:StartSession: a way onto the nodes outside the cluster's own access
 * entries, which an environment must choose.
 */
export const nodeRoleSsmAccess: StackValidationPolicy = {
  name: "node-role-ssm-access",
  description:
    "Node roles (roles EC2 instances assume) carry AmazonSSMManagedInstanceCore only where the environment allows it (config allowSsmAccess). " +
    "Mandatory: it opens a shell on every node to whoever may call ssm:StartSession.",
  enforcementLevel: "mandatory",
  severity: "medium",
  remediationSteps:
    "Leave aws.cluster.nodeSsmAccess off (the default), or set it and allowSsmAccess in the environment's policies/config/<environment>.json together.",
  configSchema: {
    properties: {
      allowSsmAccess: {
        type: "boolean",
        default: nodeRoleSsmAccessDefaults.allowSsmAccess,
        description: "Allow AmazonSSMManagedInstanceCore on node roles.",
      },
    },
  },
  validateStack: (args, reportViolation) => {
    const { allowSsmAccess } = policyConfig(args, nodeRoleSsmAccessDefaults);
    if (allowSsmAccess) {
      return;
    }
    for (const { roleName, policyArn, resource } of nodeRolePolicies(args.resources)) {
      if (policyArn === managedPolicyArns.ssmManagedInstanceCore) {
        reportViolation(
          `Node role "${roleName}" carries AmazonSSMManagedInstanceCore where this environment does not allow it: Session Manager can open a shell on every node for whoever may call ssm:StartSession. ` +
            "Fix: turn aws.cluster.nodeSsmAccess off, or allow it in this environment's policy config (allowSsmAccess).",
          resource.urn,
        );
      }
    }
  },
};
