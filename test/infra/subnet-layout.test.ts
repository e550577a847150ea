import { subnetLayout } from "../../infra/aws/subnet-layout";

describe("subnetLayout", () => {
  it("gives each zone a large private subnet and a small public one, without overlap", () => {
    expect(subnetLayout("10.40.0.0/16", 3)).toEqual([
      { privateCidr: "10.40.0.0/19", publicCidr: "10.40.224.0/22" },
      { privateCidr: "10.40.32.0/19", publicCidr: "10.40.228.0/22" },
      { privateCidr: "10.40.64.0/19", publicCidr: "10.40.232.0/22" },
    ]);
  });

  it("scales with the VPC's prefix", () => {
    expect(subnetLayout("172.16.16.0/20", 2)).toEqual([
      { privateCidr: "172.16.16.0/23", publicCidr: "172.16.30.0/26" },
      { privateCidr: "172.16.18.0/23", publicCidr: "172.16.30.64/26" },
    ]);
  });

  it("refuses a VPC range it cannot split", () => {
    expect(() => subnetLayout("10.0.0.0/24", 2)).toThrow("VPC CIDR 10.0.0.0/24: prefix must be between /16 and /20");
    expect(() => subnetLayout("10.0.1.0/16", 2)).toThrow("VPC CIDR 10.0.1.0/16: address is not aligned to its prefix");
    expect(() => subnetLayout("10.0.0.0/16", 8)).toThrow("8 zones do not fit");
  });
});
