import { nodeRoleSsmAccess } from "../../policies/node-role-ssm-access";
import { stackViolations } from "../support/policy-review";
import type { TestResource } from "../support/fixtures";

const trust = (principal: Record<string, string>): string =>
  JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: principal, Action: "sts:AssumeRole" }] });
const ssm = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore";

const role = (name: string, service: string): TestResource => ({ type: "aws:iam/role:Role", name, props: { assumeRolePolicy: trust({ Service: service }) } });
const attach = (name: string, roleName: string, policyArn: string): TestResource => ({
  type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  name,
  props: { role: roleName, policyArn },
});

const withSsm = (): TestResource[] => [role("flywheel-node", "ec2.amazonaws.com"), attach("flywheel-node-3", "flywheel-node", ssm)];

describe("node-role-ssm-access", () => {
  it("passes a node role without SSM", async () => {
    expect(await stackViolations(nodeRoleSsmAccess, [role("flywheel-node", "ec2.amazonaws.com"), attach("flywheel-node-0", "flywheel-node", "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy")])).toEqual([]);
  });

  it("catches SSM on a node role where the environment does not allow it (the default)", async () => {
    expect(await stackViolations(nodeRoleSsmAccess, withSsm())).toEqual([
      { message: expect.stringMatching(/^Node role "flywheel-node" carries AmazonSSMManagedInstanceCore where this environment does not allow it: .*Fix: turn aws\.cluster\.nodeSsmAccess off/), resource: "flywheel-node-3" },
    ]);
  });

  it("passes SSM on a node role where the environment allows it", async () => {
    expect(await stackViolations(nodeRoleSsmAccess, withSsm(), { allowSsmAccess: true })).toEqual([]);
  });

  it("leaves SSM on a role EC2 does not assume alone", async () => {
    expect(await stackViolations(nodeRoleSsmAccess, [role("automation", "ssm.amazonaws.com"), attach("automation-0", "automation", ssm)])).toEqual([]);
  });
});
