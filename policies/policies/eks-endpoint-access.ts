import type { ResourceValidationPolicy } from "@pulumi/policy";
import { policyConfig } from "../lib/config";
import { validateResourceType } from "../lib/kubernetes";

/** Who may reach the EKS API endpoint from the internet. */
export type PublicEndpointMode = "private" | "restricted" | "open";

export interface EksEndpointAccessConfig {
  /**
   * `private`: no public endpoint. `restricted`: a public endpoint only for listed CIDRs, none of
   * them the whole internet. `open`: anything goes (no shipped config uses it: the stack
   * schema refuses an endpoint open to the internet in every environment).
   */
  readonly publicEndpoint: PublicEndpointMode;
}

export const eksEndpointAccessDefaults: EksEndpointAccessConfig = { publicEndpoint: "restricted" };

interface ClusterInputs {
  readonly name?: string;
  readonly vpcConfig?: { readonly endpointPublicAccess?: boolean; readonly publicAccessCidrs?: readonly string[] };
}

/** The Kubernetes API of a production cluster must not be reachable from the whole internet. */
export const eksEndpointAccess: ResourceValidationPolicy = {
  name: "eks-endpoint-access",
  description:
    "The EKS API endpoint is private, or public only to listed CIDRs (config publicEndpoint: private|restricted|open). " +
    "Mandatory: an endpoint open to 0.0.0.0/0 exposes the cluster's API to every scanner on the internet.",
  enforcementLevel: "mandatory",
  severity: "critical",
  remediationSteps:
    "Set aws.cluster.endpoint.publicAccess to false and deploy from a runner inside the VPC, or list your networks in aws.cluster.endpoint.publicAccessCidrs.",
  configSchema: {
    properties: {
      publicEndpoint: {
        type: "string",
        enum: ["private", "restricted", "open"],
        default: eksEndpointAccessDefaults.publicEndpoint,
        description: "private: no public endpoint; restricted: public only to listed CIDRs, none of prefix 0 (0.0.0.0/0, ::/0); open: no restriction.",
      },
    },
  },
  validateResource: validateResourceType<ClusterInputs>("aws:eks/cluster:Cluster", (cluster, args, reportViolation) => {
    const { publicEndpoint } = policyConfig(args, eksEndpointAccessDefaults);
    // EKS defaults: a public endpoint, open to 0.0.0.0/0.
    const isPublic = cluster.vpcConfig?.endpointPublicAccess ?? true;
    const cidrs = cluster.vpcConfig?.publicAccessCidrs ?? ["0.0.0.0/0"];
    const name = `EKS cluster "${cluster.name ?? args.name}"`;
    if (!isPublic || publicEndpoint === "open") {
      return;
    }
    if (publicEndpoint === "private") {
      reportViolation(
        `${name} has a public API endpoint (allowed from ${cidrs.join(", ")}) where this environment requires a private one. ` +
          "Fix: set aws.cluster.endpoint.publicAccess to false and deploy from inside the VPC.",
      );
      return;
    }
    // A prefix of 0 covers every address whatever the address part says: 0.0.0.0/0, ::/0 and their kin.
    const open = cidrs.filter((c) => c.endsWith("/0"));
    if (open.length > 0) {
      reportViolation(
        `${name} has a public API endpoint open to ${open.join(" and ")}${cluster.vpcConfig?.publicAccessCidrs ? "" : " (EKS's default when publicAccessCidrs is unset)"}: anyone on the internet can reach the Kubernetes API. ` +
          "Fix: set aws.cluster.endpoint.publicAccess to false, or list your own CIDRs in aws.cluster.endpoint.publicAccessCidrs.",
      );
    }
  }),
};
