import { renderStack, type RenderedStack } from "../../render/render-stack";
import { gpuRoleLabel } from "../../constructs/scheduling";
import { input, named, ofType } from "../support/resources";

let prod: RenderedStack;

beforeAll(async () => {
  prod = await renderStack("prod");
});

const cluster = (): ReturnType<typeof named> => named(prod.resources, "aws:eks/cluster:Cluster", "flywheel");

describe("prod stack", () => {
  it("keeps the API endpoint private", () => {
    expect(input(cluster(), "vpcConfig")).toMatchObject({ endpointPrivateAccess: true, endpointPublicAccess: false });
    expect(input(cluster(), "vpcConfig", "publicAccessCidrs")).toBeUndefined();
  });

  it("envelope-encrypts Secrets with a rotating KMS key", () => {
    const key = named(prod.resources, "aws:kms/key:Key", "flywheel-secrets");
    expect(input(key, "enableKeyRotation")).toBe(true);
    expect(input(cluster(), "encryptionConfig")).toEqual({ resources: ["secrets"], provider: { keyArn: expect.stringContaining("flywheel-secrets") } });
  });

  it("logs every control-plane log type to a log group with a retention", () => {
    expect(input(cluster(), "enabledClusterLogTypes")).toEqual(["api", "audit", "authenticator", "controllerManager", "scheduler"]);
    const group = named(prod.resources, "aws:cloudwatch/logGroup:LogGroup", "flywheel-control-plane");
    expect(input(group, "name")).toBe("/aws/eks/data-flywheel-prod/cluster");
    expect(input(group, "retentionInDays")).toBe(90);
    expect(cluster().options?.dependsOn).toContain("aws:cloudwatch/logGroup:LogGroup::flywheel-control-plane");
  });

  it("has a NAT gateway in every zone", () => {
    expect(ofType(prod.resources, "aws:ec2/natGateway:NatGateway")).toHaveLength(3);
  });

  it("has GPU pools for inference and for training, both able to scale to zero", () => {
    const pools = ofType(prod.resources, "aws:eks/nodeGroup:NodeGroup").filter((g) => input(g, "amiType") === "AL2023_x86_64_NVIDIA");
    expect(pools.map((p) => [input(p, "labels", gpuRoleLabel), input(p, "scalingConfig", "minSize")])).toEqual([
      ["inference", 0],
      ["training", 0],
    ]);
  });

  it("keeps the training pool in one zone, where its workspace volumes live", () => {
    expect(input(named(prod.resources, "aws:eks/nodeGroup:NodeGroup", "flywheel-gpu-training"), "subnetIds")).toEqual(["flywheel-vpc-private-us-east-1a-id"]);
    expect(input(named(prod.resources, "aws:eks/nodeGroup:NodeGroup", "flywheel-gpu-inference"), "subnetIds")).toHaveLength(3);
  });

  it("advertises four GPUs per training node to the autoscaler", () => {
    const gpuTag = ofType(prod.resources, "aws:autoscaling/tag:Tag").find(
      (t) => input(t, "autoscalingGroupName") === "eks-flywheel-gpu-training-asg" && String(input(t, "tag", "key")).endsWith("/resources/nvidia.com/gpu"),
    );
    expect(gpuTag && input(gpuTag, "tag", "value")).toBe("4");
  });

  it("grants cluster-admin to the configured admin and CI roles through access entries", () => {
    const entries = ofType(prod.resources, "aws:eks/accessEntry:AccessEntry").map((e) => input(e, "principalArn"));
    expect(entries).toEqual(["arn:aws:iam::111122223333:role/platform-admins", "arn:aws:iam::111122223333:role/flywheel-deployer"]);
    for (const association of ofType(prod.resources, "aws:eks/accessPolicyAssociation:AccessPolicyAssociation")) {
      expect(input(association, "policyArn")).toBe("arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy");
      expect(input(association, "accessScope")).toEqual({ type: "cluster" });
    }
  });

  it("keeps EBS volumes when their claims are deleted", () => {
    const gp3 = prod.manifests.find((m) => m.kind === "StorageClass" && m.metadata.name === "gp3-encrypted");
    expect(gp3?.reclaimPolicy).toBe("Retain");
  });
});
