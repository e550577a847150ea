import { eksEndpointAccess } from "../../policies/eks-endpoint-access";
import { resourceViolations } from "../support/policy-review";
import { edit, eksCluster } from "../support/fixtures";

const publicTo = (cidrs: string[] | undefined) => edit(edit(eksCluster(), "props.vpcConfig.endpointPublicAccess", true), "props.vpcConfig.publicAccessCidrs", cidrs);

describe("eks-endpoint-access", () => {
  it("passes a private endpoint under every setting", async () => {
    for (const publicEndpoint of ["private", "restricted", "open"]) {
      expect(await resourceViolations(eksEndpointAccess, eksCluster(), { publicEndpoint })).toEqual([]);
    }
  });

  it("catches a public endpoint open to 0.0.0.0/0 under the default (production) setting", async () => {
    expect(await resourceViolations(eksEndpointAccess, publicTo(["0.0.0.0/0"]))).toEqual([
      'EKS cluster "data-flywheel-prod" has a public API endpoint open to 0.0.0.0/0: anyone on the internet can reach the Kubernetes API. ' +
        "Fix: set aws.cluster.endpoint.publicAccess to false, or list your own CIDRs in aws.cluster.endpoint.publicAccessCidrs.",
    ]);
  });

  it("knows EKS opens an endpoint without CIDRs to everyone", async () => {
    expect(await resourceViolations(eksEndpointAccess, publicTo(undefined), { publicEndpoint: "restricted" })).toEqual([
      expect.stringContaining("open to 0.0.0.0/0 (EKS's default when publicAccessCidrs is unset)"),
    ]);
    const unset = edit(eksCluster(), "props.vpcConfig.endpointPublicAccess", undefined);
    expect(await resourceViolations(eksEndpointAccess, unset)).toEqual([expect.stringContaining("open to 0.0.0.0/0")]);
  });

  it("allows a public endpoint restricted to listed CIDRs, unless the environment requires a private one", async () => {
    const office = publicTo(["203.0.113.0/24"]);
    expect(await resourceViolations(eksEndpointAccess, office, { publicEndpoint: "restricted" })).toEqual([]);
    expect(await resourceViolations(eksEndpointAccess, office, { publicEndpoint: "private" })).toEqual([
      expect.stringContaining("has a public API endpoint (allowed from 203.0.113.0/24) where this environment requires a private one"),
    ]);
  });

  it("takes any CIDR of prefix 0 for the whole internet", async () => {
    expect(await resourceViolations(eksEndpointAccess, publicTo(["203.0.113.0/24", "::/0", "10.0.0.0/0"]))).toEqual([
      expect.stringContaining("has a public API endpoint open to ::/0 and 10.0.0.0/0: anyone on the internet"),
    ]);
  });

  it("lets a config that says open have an open endpoint", async () => {
    expect(await resourceViolations(eksEndpointAccess, publicTo(["0.0.0.0/0"]), { publicEndpoint: "open" })).toEqual([]);
  });
});
