import type { RenderedStack } from "../../render/render-stack";
import { renderedStack } from "../support/rendered-stacks";
import { gpuRoleLabel } from "../../flywheel-job/src/contract";
import { input, named, ofType } from "../support/resources";

let dev: RenderedStack;

beforeAll(async () => {
  dev = await renderedStack("dev");
});

const nodeGroup = "aws:eks/nodeGroup:NodeGroup";

describe("dev stack", () => {
  it("has one GPU pool, for inference, that scales to zero", () => {
    const gpuGroups = ofType(dev.resources, nodeGroup).filter((g) => input(g, "amiType") === "AL2023_x86_64_NVIDIA");
    expect(gpuGroups.map((g) => g.name)).toEqual(["flywheel-gpu-inference"]);
    expect(input(gpuGroups[0], "scalingConfig", "minSize")).toBe(0);
    expect(input(gpuGroups[0], "labels", gpuRoleLabel)).toBe("inference");
  });

  it("taints GPU nodes so that only pods asking for a GPU land there", () => {
    const pool = named(dev.resources, nodeGroup, "flywheel-gpu-inference");
    expect(input(pool, "taints")).toEqual([{ key: "nvidia.com/gpu", value: "true", effect: "NO_SCHEDULE" }]);
  });

  it("tags the GPU pool's Auto Scaling group so the autoscaler can scale it up from zero", () => {
    const tags = ofType(dev.resources, "aws:autoscaling/tag:Tag")
      .filter((t) => input(t, "autoscalingGroupName") === "eks-flywheel-gpu-inference-asg")
      .map((t) => [input(t, "tag", "key"), input(t, "tag", "value")]);
    expect(tags).toEqual(
      expect.arrayContaining([
        ["k8s.io/cluster-autoscaler/node-template/taint/nvidia.com/gpu", "true:NoSchedule"],
        ["k8s.io/cluster-autoscaler/node-template/resources/nvidia.com/gpu", "1"],
        [`k8s.io/cluster-autoscaler/node-template/label/${gpuRoleLabel}`, "inference"],
        ["k8s.io/cluster-autoscaler/node-template/label/k8s.amazonaws.com/accelerator", "nvidia-l4"],
      ]),
    );
  });

  it("leaves the desired size to the autoscaler", () => {
    for (const group of ofType(dev.resources, nodeGroup)) {
      expect(group.options?.ignoreChanges).toContain("scalingConfig.desiredSize");
    }
  });

  it("requires IMDSv2 with a hop limit of 1 and encrypts root volumes on every launch template", () => {
    const templates = ofType(dev.resources, "aws:ec2/launchTemplate:LaunchTemplate");
    expect(templates).toHaveLength(ofType(dev.resources, nodeGroup).length);
    for (const template of templates) {
      expect(input(template, "metadataOptions")).toEqual({ httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 });
      expect(input(template, "blockDeviceMappings")).toEqual([expect.objectContaining({ ebs: expect.objectContaining({ encrypted: "true" }) })]);
      expect(input(template, "vpcSecurityGroupIds")).toBeUndefined();
    }
    for (const group of ofType(dev.resources, nodeGroup)) {
      expect(input(group, "diskSize")).toBeUndefined();
    }
  });

  it("puts one system node group in each zone", () => {
    const system = ofType(dev.resources, nodeGroup).filter((g) => input(g, "amiType") === "AL2023_x86_64_STANDARD");
    expect(system.map((g) => input(g, "subnetIds"))).toEqual([["flywheel-vpc-private-us-west-2a-id"], ["flywheel-vpc-private-us-west-2b-id"]]);
  });

  it("restricts its public API endpoint to the listed CIDRs and uses a single NAT gateway", () => {
    const cluster = named(dev.resources, "aws:eks/cluster:Cluster", "flywheel");
    expect(input(cluster, "vpcConfig", "endpointPublicAccess")).toBe(true);
    // The stack file's placeholder, which a real `pulumi up` refuses (test/config/load-stack-config.test.ts).
    expect(input(cluster, "vpcConfig", "publicAccessCidrs")).toEqual(["203.0.113.0/24"]);
    expect(ofType(dev.resources, "aws:ec2/natGateway:NatGateway")).toHaveLength(1);
  });

  it("turns on NetworkPolicy enforcement in the VPC CNI", () => {
    const cni = named(dev.resources, "aws:eks/addon:Addon", "flywheel-addons-vpc-cni");
    expect(JSON.parse(String(input(cni, "configurationValues")))).toEqual({ enableNetworkPolicy: "true" });
  });

  it("installs every add-on but the VPC CNI (which nodes need to become Ready) after the system nodes exist, at a pinned version", () => {
    const addons = ofType(dev.resources, "aws:eks/addon:Addon");
    expect(addons.map((a) => input(a, "addonName")).sort()).toEqual(["aws-ebs-csi-driver", "aws-efs-csi-driver", "coredns", "kube-proxy", "vpc-cni"]);
    for (const addon of addons) {
      expect(input(addon, "addonVersion")).toMatch(/^v\d+\.\d+\.\d+-eksbuild\.\d+$/);
    }
    for (const addon of addons.filter((a) => input(a, "addonName") !== "vpc-cni")) {
      expect(addon.options?.dependsOn).toEqual([
        "data-flywheel:aws:ManagedNodeGroup::flywheel-system-us-west-2a",
        "data-flywheel:aws:ManagedNodeGroup::flywheel-system-us-west-2b",
      ]);
    }
  });

  it("gives the storage drivers their own IAM roles for service accounts", () => {
    const ebs = named(dev.resources, "aws:eks/addon:Addon", "flywheel-addons-aws-ebs-csi-driver");
    expect(input(ebs, "serviceAccountRoleArn")).toBe("arn:aws:iam::123456789012:role/flywheel-addons-ebs-csi");
    const trust = JSON.parse(String(input(named(dev.resources, "aws:iam/role:Role", "flywheel-addons-ebs-csi"), "assumeRolePolicy")));
    expect(trust.Statement[0].Condition.StringEquals).toEqual(
      expect.objectContaining({ [`oidc.eks.us-west-2.amazonaws.com/id/MOCKFLYWHEEL:sub`]: "system:serviceaccount:kube-system:ebs-csi-controller-sa" }),
    );
  });

  it("makes encrypted gp3 the default StorageClass and offers EFS for shared model caches", () => {
    const classes = dev.manifests.filter((m) => m.kind === "StorageClass");
    const gp3 = classes.find((c) => c.metadata.name === "gp3-encrypted");
    expect(gp3).toMatchObject({
      metadata: { annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
      parameters: { type: "gp3", encrypted: "true" },
      volumeBindingMode: "WaitForFirstConsumer",
    });
    expect(classes.find((c) => c.metadata.name === "efs-shared")).toMatchObject({ provisioner: "efs.csi.aws.com" });
    expect(input(named(dev.resources, "aws:efs/fileSystem:FileSystem", "flywheel-models"), "encrypted")).toBe(true);
  });

  it("runs a pinned Cluster Autoscaler that matches the cluster's minor version", () => {
    const release = named(dev.resources, "kubernetes:helm.sh/v3:Release", "flywheel-autoscaler");
    expect(input(release, "chart")).toBe("cluster-autoscaler");
    expect(input(release, "version")).toBe("9.59.0");
    expect(input(release, "repositoryOpts", "repo")).toBe("https://kubernetes.github.io/autoscaler");
    expect(input(release, "values", "image", "tag")).toMatch(/^v1\.34\.\d+$/);
    expect(input(release, "values", "awsRegion")).toBe("us-west-2");
    expect(input(release, "values", "rbac", "serviceAccount", "annotations")).toEqual({
      "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/flywheel-autoscaler",
    });
  });

  it("lets the autoscaler resize only this cluster's groups", () => {
    const policy = JSON.parse(String(input(named(dev.resources, "aws:iam/rolePolicy:RolePolicy", "flywheel-autoscaler"), "policy")));
    const scale = policy.Statement.find((s: { Sid: string }) => s.Sid === "ScaleOwnGroups");
    expect(scale.Condition.StringEquals).toEqual({ "aws:ResourceTag/k8s.io/cluster-autoscaler/data-flywheel-dev": "owned" });
  });

  it("outputs where each service is and which Secret to use it with", () => {
    expect(dev.outputs).toMatchObject({
      elasticsearch: { url: "https://flywheel-logs-es-http.data.svc:9200", writers: {} },
      redis: { url: "rediss://flywheel-redis.data.svc.cluster.local:6379" },
      nemo: { evaluator: "http://nemo-evaluator.nemo.svc.cluster.local:8000" },
      flywheelConnectionsSecret: "flywheel/flywheel-data-connections",
    });
    expect(JSON.stringify(dev.outputs)).not.toMatch(/mock-password|placeholder-/);
  });

  it("gives every CronJob that connects to Redis (REDIS_URL, from the connections Secret) the stack's CA as REDIS_CA_FILE, from the CA ConfigMap it mounts", () => {
    const cronJobs = dev.manifests.filter((m) => m.kind === "CronJob" && JSON.stringify(m).includes('"secretRef":{"name":"flywheel-data-connections"}'));
    expect(cronJobs.length).toBeGreaterThan(0);
    for (const cronJob of cronJobs) {
      const pod = JSON.stringify(cronJob);
      expect(pod).toContain('"name":"REDIS_CA_FILE","value":"/etc/flywheel/ca/ca.crt"');
      expect(pod).toContain('"configMap":{"name":"flywheel-logs-ca"}');
    }
  });

  it("exposes the kubeconfig only as a secret", () => {
    expect(dev.outputs.kubeconfig).toBe("[secret]");
    const provider = ofType(dev.resources, "pulumi:providers:kubernetes");
    expect(provider.map((p) => input(p, "kubeconfig"))).toEqual(["[secret]"]);
  });

  it("parents every resource to a component", () => {
    const orphans = dev.resources.filter((r) => r.parent === null).map((r) => `${r.type}::${r.name}`);
    expect(orphans.sort()).toEqual(["data-flywheel:aws:GpuCluster::flywheel", "data-flywheel:platform:FlywheelPlatform::platform"]);
  });
});
