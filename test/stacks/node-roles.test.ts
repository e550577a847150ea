import { managedPolicyArns } from "../../infra/aws/managed-policy-arns";
import { nfsPort } from "../../infra/aws/nfs";
import type { RenderedStack } from "../../render/render-stack";
import { renderedStack, renderedVariant } from "../support/rendered-stacks";
import { input, named, ofType } from "../support/resources";
import { editedStack } from "../support/stack-config";

type Config = Record<string, unknown>;

const clusterOf = (c: Config): Config => (c["data-flywheel:aws"] as { cluster: Config }).cluster;
const devWithSsm = (): ReturnType<typeof editedStack> => editedStack("dev", (c) => (clusterOf(c).nodeSsmAccess = true));

const attachment = "aws:iam/rolePolicyAttachment:RolePolicyAttachment";
const stacks: Record<string, RenderedStack> = {};

beforeAll(async () => {
  stacks.prod = await renderedStack("prod");
  stacks.dev = await renderedStack("dev");
});

const nodeRolePolicies = (stack: RenderedStack): unknown[] => ofType(stack.resources, attachment).filter((a) => input(a, "role") === "flywheel-node").map((a) => input(a, "policyArn"));

describe.each(["prod", "dev"])("%s node and add-on roles", (name) => {
  it("gives the VPC CNI a role of its own, for aws-node only, and the node role no network permissions", () => {
    const stack = stacks[name];
    const cni = named(stack.resources, "aws:eks/addon:Addon", "flywheel-addons-vpc-cni");
    expect(input(cni, "serviceAccountRoleArn")).toBe("arn:aws:iam::123456789012:role/flywheel-addons-vpc-cni");
    const trust = JSON.parse(String(input(named(stack.resources, "aws:iam/role:Role", "flywheel-addons-vpc-cni"), "assumeRolePolicy")));
    expect(Object.entries(trust.Statement[0].Condition.StringEquals)).toContainEqual([expect.stringMatching(/:sub$/), "system:serviceaccount:kube-system:aws-node"]);
    expect(ofType(stack.resources, attachment).filter((a) => input(a, "policyArn") === managedPolicyArns.eksCni).map((a) => input(a, "role"))).toEqual(["flywheel-addons-vpc-cni"]);
    expect(nodeRolePolicies(stack)).toEqual(["arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy", "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly"]);
  });

  it("starts every node group after the VPC CNI add-on, and the add-ons whose pods need nodes after the system nodes", () => {
    const stack = stacks[name];
    const groups = [...ofType(stack.resources, "data-flywheel:aws:ManagedNodeGroup").filter((g) => g.name.startsWith("flywheel-system-")), ...ofType(stack.resources, "data-flywheel:aws:GpuNodePool")];
    expect(groups.length).toBeGreaterThan(2);
    for (const group of groups) {
      expect(group.options?.dependsOn).toContain("aws:eks/addon:Addon::flywheel-addons-vpc-cni");
    }
    const cni = named(stack.resources, "aws:eks/addon:Addon", "flywheel-addons-vpc-cni");
    expect(cni.options?.dependsOn ?? []).toEqual([]);
    for (const addon of ofType(stack.resources, "aws:eks/addon:Addon").filter((a) => a !== cni)) {
      expect(addon.options?.dependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/^data-flywheel:aws:ManagedNodeGroup::flywheel-system-/)]));
    }
  });

  it("lets only the cluster security group, which every node carries, reach EFS on NFS", () => {
    const stack = stacks[name];
    expect(input(named(stack.resources, "aws:ec2/securityGroup:SecurityGroup", "flywheel-models"), "ingress")).toEqual([
      { protocol: "tcp", fromPort: nfsPort, toPort: nfsPort, securityGroups: ["sg-flywheel-cluster"], description: "NFS" },
    ]);
  });
});

describe("SSM access to the nodes", () => {
  it("is on only where the stack asks for it (aws.cluster.nodeSsmAccess)", async () => {
    expect(nodeRolePolicies(stacks.prod)).not.toContain(managedPolicyArns.ssmManagedInstanceCore);
    expect(nodeRolePolicies(stacks.dev)).not.toContain(managedPolicyArns.ssmManagedInstanceCore);
    const withSsm = await renderedVariant("dev-node-ssm", devWithSsm);
    expect(nodeRolePolicies(withSsm)).toContain(managedPolicyArns.ssmManagedInstanceCore);
    // The name it always had, so a stack that had it keeps it rather than replacing it.
    expect(ofType(withSsm.resources, attachment).find((a) => input(a, "policyArn") === managedPolicyArns.ssmManagedInstanceCore)?.name).toBe("flywheel-node-3");
  });
});
