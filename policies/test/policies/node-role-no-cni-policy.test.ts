import { nodeRoleNoCniPolicy } from "../../policies/node-role-no-cni-policy";
import { stackViolations } from "../support/policy-review";
import { edit, type TestResource } from "../support/fixtures";

const ec2Trust = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }] });
const webIdentityTrust = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { Federated: "arn:aws:iam::123456789012:oidc-provider/x" }, Action: "sts:AssumeRoleWithWebIdentity" }],
});
const cni = "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy";

const role = (name: string, assumeRolePolicy: string): TestResource => ({ type: "aws:iam/role:Role", name, props: { assumeRolePolicy } });
const attach = (name: string, roleName: string, policyArn: string): TestResource => ({
  type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  name,
  props: { role: roleName, policyArn },
});
const cniAddon = (): TestResource => ({
  type: "aws:eks/addon:Addon",
  name: "flywheel-addons-vpc-cni",
  props: { clusterName: "data-flywheel-prod", addonName: "vpc-cni", serviceAccountRoleArn: "arn:aws:iam::123456789012:role/flywheel-addons-vpc-cni" },
});

/** The stack as it renders: the node role without network permissions, the add-on's role with them. */
const compliant = (): TestResource[] => [
  role("flywheel-node", ec2Trust),
  attach("flywheel-node-0", "flywheel-node", "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy"),
  role("flywheel-addons-vpc-cni", webIdentityTrust),
  attach("flywheel-addons-vpc-cni-0", "flywheel-addons-vpc-cni", cni),
  cniAddon(),
];

describe("node-role-no-cni-policy", () => {
  it("passes the CNI policy on the add-on's own role", async () => {
    expect(await stackViolations(nodeRoleNoCniPolicy, compliant())).toEqual([]);
  });

  it("passes a vpc-cni add-on with a Pod Identity association instead", async () => {
    const addon = edit(edit(cniAddon(), "props.serviceAccountRoleArn", undefined), "props.podIdentityAssociations", [{ roleArn: "arn:aws:iam::1:role/cni", serviceAccount: "aws-node" }]);
    expect(await stackViolations(nodeRoleNoCniPolicy, [...compliant().slice(0, 4), addon])).toEqual([]);
  });

  it("catches the CNI policy attached to a node role", async () => {
    expect(await stackViolations(nodeRoleNoCniPolicy, [...compliant(), attach("flywheel-node-1", "flywheel-node", cni)])).toEqual([
      { message: expect.stringMatching(/^Node role "flywheel-node" carries AmazonEKS_CNI_Policy: .*Fix: Give the vpc-cni add-on its own role/), resource: "flywheel-node-1" },
    ]);
  });

  it("catches the CNI policy in a node role's managedPolicyArns", async () => {
    const nodeRole = edit(role("flywheel-node", ec2Trust), "props.managedPolicyArns", [cni]);
    expect(await stackViolations(nodeRoleNoCniPolicy, [nodeRole, ...compliant().slice(1)])).toEqual([
      { message: expect.stringContaining('Node role "flywheel-node" carries AmazonEKS_CNI_Policy'), resource: "flywheel-node" },
    ]);
  });

  it("catches a vpc-cni add-on without an identity of its own", async () => {
    expect(await stackViolations(nodeRoleNoCniPolicy, [...compliant().slice(0, 4), edit(cniAddon(), "props.serviceAccountRoleArn", undefined)])).toEqual([
      { message: expect.stringContaining('The vpc-cni add-on of cluster "data-flywheel-prod" has no identity of its own'), resource: "flywheel-addons-vpc-cni" },
    ]);
  });
});
