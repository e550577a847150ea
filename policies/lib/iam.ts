import type { PolicyResource } from "@pulumi/policy";
import { arrayOf, isRecord } from "./values";

/** An IAM role's inputs, as far as the node-role policies read them. */
interface RoleInputs {
  readonly name?: string;
  readonly assumeRolePolicy?: unknown;
  readonly managedPolicyArns?: readonly string[];
}

/** The AWS services a trust policy lets assume the role (`Principal.Service`), from a document or its JSON. */
function trustedServices(assumeRolePolicy: unknown): string[] {
  let document: unknown = assumeRolePolicy;
  if (typeof assumeRolePolicy === "string") {
    try {
      document = JSON.parse(assumeRolePolicy);
    } catch {
      return [];
    }
  }
  const statements = isRecord(document) ? document.Statement : undefined;
  return (Array.isArray(statements) ? statements : [statements]).flatMap((statement) => {
    const service = isRecord(statement) && statement.Effect === "Allow" && isRecord(statement.Principal) ? statement.Principal.Service : undefined;
    return typeof service === "string" ? [service] : Array.isArray(service) ? service.filter((s): s is string => typeof s === "string") : [];
  });
}

/** A managed policy on a role that EC2 instances assume: an EKS node role. */
export interface NodeRolePolicy {
  readonly roleName: string;
  readonly policyArn: string;
  /** The resource that attaches it: the attachment, or the role for its `managedPolicyArns`. */
  readonly resource: PolicyResource;
}

/**
 * Every managed policy the stack gives a role that `ec2.amazonaws.com` may assume, through a
 * `RolePolicyAttachment` or the role's own `managedPolicyArns`. An attachment names its role by
 * name, which a preview knows once the role exists (the offline render's mocks name a role after
 * its resource).
 */
export function nodeRolePolicies(resources: readonly PolicyResource[]): NodeRolePolicy[] {
  const roles = resources
    .filter((r) => r.type === "aws:iam/role:Role")
    .map((r) => ({ resource: r, props: r.props as RoleInputs }))
    .filter(({ props }) => trustedServices(props.assumeRolePolicy).includes("ec2.amazonaws.com"));
  const byName = new Map(roles.map((role) => [role.props.name ?? role.resource.name, role]));
  const inline = roles.flatMap((role) =>
    arrayOf(role.props.managedPolicyArns).map((policyArn) => ({ roleName: role.props.name ?? role.resource.name, policyArn, resource: role.resource })),
  );
  const attached = resources
    .filter((r) => r.type === "aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    .flatMap((r) => {
      const { role, policyArn } = r.props as { role?: string; policyArn?: string };
      return role !== undefined && policyArn !== undefined && byName.has(role) ? [{ roleName: role, policyArn, resource: r }] : [];
    });
  return [...inline, ...attached];
}
