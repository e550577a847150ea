import { nfsFromSecurityGroups } from "../../policies/nfs-from-security-groups";
import { resourceViolations } from "../support/policy-review";
import { edit, type TestResource } from "../support/fixtures";

/** The EFS security group as the stacks render it: NFS from the cluster security group only. */
const efsGroup = (): TestResource => ({
  type: "aws:ec2/securityGroup:SecurityGroup",
  name: "flywheel-models",
  props: { vpcId: "vpc-1", ingress: [{ protocol: "tcp", fromPort: 2049, toPort: 2049, securityGroups: ["sg-cluster"], description: "NFS" }] },
});

describe("nfs-from-security-groups", () => {
  it("passes NFS from a security group, and other ports from CIDRs", async () => {
    expect(await resourceViolations(nfsFromSecurityGroups, efsGroup())).toEqual([]);
    const postgres = edit(efsGroup(), "props.ingress", [{ protocol: "tcp", fromPort: 5432, toPort: 5432, cidrBlocks: ["10.0.0.0/16"] }]);
    expect(await resourceViolations(nfsFromSecurityGroups, postgres)).toEqual([]);
  });

  it("catches NFS from the VPC CIDR", async () => {
    expect(await resourceViolations(nfsFromSecurityGroups, edit(efsGroup(), "props.ingress.0.cidrBlocks", ["10.50.0.0/16"]))).toEqual([
      expect.stringMatching(/^Security group "flywheel-models" admits NFS \(2049\) from address ranges \(10\.50\.0\.0\/16\): .*Fix: admit the nodes' security group instead/),
    ]);
  });

  it("catches a port range or an all-traffic rule that takes in NFS", async () => {
    const range = edit(efsGroup(), "props.ingress", [{ protocol: "tcp", fromPort: 2000, toPort: 3000, ipv6CidrBlocks: ["::/0"] }]);
    expect(await resourceViolations(nfsFromSecurityGroups, range)).toEqual([expect.stringContaining("from address ranges (::/0)")]);
    const all = edit(efsGroup(), "props.ingress", [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["10.0.0.0/8"] }]);
    expect(await resourceViolations(nfsFromSecurityGroups, all)).toEqual([expect.stringContaining("from address ranges (10.0.0.0/8)")]);
  });

  it("catches standalone rules with a CIDR", async () => {
    const rule: TestResource = { type: "aws:ec2/securityGroupRule:SecurityGroupRule", name: "nfs", props: { type: "ingress", protocol: "tcp", fromPort: 2049, toPort: 2049, cidrBlocks: ["10.0.0.0/16"], securityGroupId: "sg-efs" } };
    expect(await resourceViolations(nfsFromSecurityGroups, rule)).toEqual([expect.stringContaining('Security group rule "nfs" admits NFS')]);
    expect(await resourceViolations(nfsFromSecurityGroups, edit(rule, "props.type", "egress"))).toEqual([]);
    const ingressRule: TestResource = { type: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", name: "nfs-v2", props: { ipProtocol: "tcp", fromPort: 2049, toPort: 2049, cidrIpv4: "10.0.0.0/16", securityGroupId: "sg-efs" } };
    expect(await resourceViolations(nfsFromSecurityGroups, ingressRule)).toEqual([expect.stringContaining('Security group ingress rule "nfs-v2" admits NFS')]);
    expect(await resourceViolations(nfsFromSecurityGroups, edit(ingressRule, "props.cidrIpv4", undefined))).toEqual([]);
  });
});
