import type { ResourceValidationPolicy } from "@pulumi/policy";
import { policyConfig } from "../lib/config";
import { validateResourceType } from "../lib/kubernetes";

export interface NodeImdsv2RequiredConfig {
  /** Highest IMDS hop limit allowed: 1 keeps the instance role out of reach of pods. */
  readonly maxHopLimit: number;
}

export const nodeImdsv2RequiredDefaults: NodeImdsv2RequiredConfig = { maxHopLimit: 1 };

interface LaunchTemplateInputs {
  readonly metadataOptions?: {
    readonly httpEndpoint?: string;
    readonly httpTokens?: string;
    readonly httpPutResponseHopLimit?: number;
  };
}

interface NodeGroupInputs {
  readonly nodeGroupName?: string;
  readonly launchTemplate?: { readonly id?: string; readonly name?: string };
}

const remediation =
  "Give every node group a launch template with metadataOptions { httpTokens: \"required\", httpPutResponseHopLimit: 1 } (ManagedNodeGroup in infra/aws/managed-node-group.ts does).";

/**
 * With IMDSv1 or a hop limit above 1, any pod can fetch the node's IAM credentials (and with them,
 * the node role's access to ECR, EBS and the autoscaler's groups).
 */
export const nodeImdsv2Required: ResourceValidationPolicy = {
  name: "node-imdsv2-required",
  description:
    "Node launch templates require IMDSv2 tokens with a hop limit of 1 (config maxHopLimit); every EKS node group uses such a template. " +
    "Mandatory: otherwise pods can steal the node's IAM role.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps: remediation,
  configSchema: {
    properties: {
      maxHopLimit: {
        type: "integer",
        minimum: 1,
        default: nodeImdsv2RequiredDefaults.maxHopLimit,
        description: "Highest httpPutResponseHopLimit allowed.",
      },
    },
  },
  validateResource: [
    validateResourceType<LaunchTemplateInputs>("aws:ec2/launchTemplate:LaunchTemplate", (template, args, reportViolation) => {
      const { maxHopLimit } = policyConfig(args, nodeImdsv2RequiredDefaults);
      const metadata = template.metadataOptions;
      if (metadata?.httpEndpoint === "disabled") {
        return;
      }
      if (metadata?.httpTokens !== "required") {
        reportViolation(
          `Launch template "${args.name}" allows IMDSv1 (httpTokens is ${metadata?.httpTokens ?? "unset"}): any process on the node, pods included, can read the instance role's credentials without a session token. ` +
            "Fix: set metadataOptions.httpTokens to \"required\".",
        );
      }
      const hops = metadata?.httpPutResponseHopLimit;
      if (hops === undefined || hops > maxHopLimit) {
        reportViolation(
          `Launch template "${args.name}" has an IMDS hop limit of ${hops ?? "unset"} (at most ${maxHopLimit} allowed): a hop limit above 1 lets pods on the node reach the metadata service. ` +
            `Fix: set metadataOptions.httpPutResponseHopLimit to ${maxHopLimit}.`,
        );
      }
    }),
    validateResourceType<NodeGroupInputs>("aws:eks/nodeGroup:NodeGroup", (group, args, reportViolation) => {
      if (!group.launchTemplate?.id && !group.launchTemplate?.name) {
        reportViolation(
          `EKS node group "${group.nodeGroupName ?? args.name}" has no launch template, so EKS's default applies: a hop limit of 2, which lets pods reach the node's IAM credentials. ` +
            `Fix: ${remediation}`,
        );
      }
    }),
  ],
};
