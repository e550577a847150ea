import type { ResourceValidationPolicy } from "@pulumi/policy";
import { nfsPort } from "../../infra/aws/nfs";
import { validateResourceType } from "../lib/kubernetes";
import { arrayOf } from "../lib/values";

/** An ingress rule, inline in a security group or a SecurityGroupRule, as far as this policy reads it. */
interface IngressInputs {
  readonly type?: string;
  readonly protocol?: string;
  readonly fromPort?: number;
  readonly toPort?: number;
  readonly cidrBlocks?: readonly string[];
  readonly ipv6CidrBlocks?: readonly string[];
  readonly prefixListIds?: readonly string[];
}

/** A `vpc.SecurityGroupIngressRule`: one source per rule. */
interface IngressRuleInputs {
  readonly ipProtocol?: string;
  readonly fromPort?: number;
  readonly toPort?: number;
  readonly cidrIpv4?: string;
  readonly cidrIpv6?: string;
  readonly prefixListId?: string;
}

/** Whether a rule's protocol and port range take in NFS: TCP (or every protocol) over a range holding 2049. */
function coversNfs(protocol: string | undefined, fromPort: number | undefined, toPort: number | undefined): boolean {
  const anyProtocol = protocol === "-1" || protocol === "all";
  if (!anyProtocol && protocol !== "tcp" && protocol !== "6") {
    return false;
  }
  // Every protocol means every port, whatever the range says.
  return anyProtocol || ((fromPort ?? 0) <= nfsPort && nfsPort <= (toPort ?? 65535));
}

function violation(what: string, sources: readonly string[]): string {
  return (
    `${what} admits NFS (${nfsPort}) from address ranges (${sources.join(", ")}): every machine in them may mount the file system, not just the cluster's nodes. ` +
    "Fix: admit the nodes' security group instead (SharedFileSystem's clientSecurityGroupId: the EKS cluster security group)."
  );
}

/**
 * Whoever reaches an EFS mount target on NFS can mount the file system (access points and POSIX
 * permissions are all that is left): a whole VPC CIDR takes in every instance, Lambda and peered
 * network in it. A security group names exactly the cluster's nodes.
 */
export const nfsFromSecurityGroups: ResourceValidationPolicy = {
  name: "nfs-from-security-groups",
  description:
    `Security group rules admit NFS (TCP ${nfsPort}) only from security groups, never from CIDRs or prefix lists. ` +
    "Mandatory: an address range admits every machine in it to the shared model cache.",
  enforcementLevel: "mandatory",
  severity: "medium",
  remediationSteps: "Give EFS mount targets a security group whose NFS rule names the EKS cluster security group (SharedFileSystem in infra/aws/shared-file-system.ts does).",
  validateResource: [
    validateResourceType<{ readonly ingress?: readonly IngressInputs[] }>("aws:ec2/securityGroup:SecurityGroup", (group, args, reportViolation) => {
      for (const rule of arrayOf(group.ingress)) {
        const sources = [...arrayOf(rule.cidrBlocks), ...arrayOf(rule.ipv6CidrBlocks), ...arrayOf(rule.prefixListIds)];
        if (sources.length > 0 && coversNfs(rule.protocol, rule.fromPort, rule.toPort)) {
          reportViolation(violation(`Security group "${args.name}"`, sources));
        }
      }
    }),
    validateResourceType<IngressInputs>("aws:ec2/securityGroupRule:SecurityGroupRule", (rule, args, reportViolation) => {
      const sources = [...arrayOf(rule.cidrBlocks), ...arrayOf(rule.ipv6CidrBlocks), ...arrayOf(rule.prefixListIds)];
      if (rule.type === "ingress" && sources.length > 0 && coversNfs(rule.protocol, rule.fromPort, rule.toPort)) {
        reportViolation(violation(`Security group rule "${args.name}"`, sources));
      }
    }),
    validateResourceType<IngressRuleInputs>("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", (rule, args, reportViolation) => {
      const sources = [rule.cidrIpv4, rule.cidrIpv6, rule.prefixListId].filter((s): s is string => s !== undefined);
      if (sources.length > 0 && coversNfs(rule.ipProtocol, rule.fromPort, rule.toPort)) {
        reportViolation(violation(`Security group ingress rule "${args.name}"`, sources));
      }
    }),
  ],
};
