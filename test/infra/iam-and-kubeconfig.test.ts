import { clusterAutoscalerPolicy, serviceAccountTrustPolicy } from "../../infra/aws/iam-policies";
import { eksKubeconfig } from "../../infra/aws/kubeconfig";
import { gpuInstanceType, nimGpuForProduct } from "../../infra/gpu-instance-types";

describe("serviceAccountTrustPolicy", () => {
  it("lets only the named service account assume the role, with an STS audience", () => {
    const policy = serviceAccountTrustPolicy("arn:aws:iam::1:oidc-provider/oidc.eks/id/X", "https://oidc.eks/id/X", "kube-system", "sa");
    expect(policy.Statement).toEqual([
      {
        Effect: "Allow",
        Principal: { Federated: "arn:aws:iam::1:oidc-provider/oidc.eks/id/X" },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: { StringEquals: { "oidc.eks/id/X:sub": "system:serviceaccount:kube-system:sa", "oidc.eks/id/X:aud": "sts.amazonaws.com" } },
      },
    ]);
  });
});

describe("clusterAutoscalerPolicy", () => {
  it("scopes the mutating actions to the cluster's own Auto Scaling groups", () => {
    const mutating = clusterAutoscalerPolicy("c1").Statement.filter((s) => [s.Action].flat().some((a) => a.includes("SetDesiredCapacity")));
    expect(mutating).toHaveLength(1);
    expect(mutating[0].Condition).toEqual({ StringEquals: { "aws:ResourceTag/k8s.io/cluster-autoscaler/c1": "owned" } });
  });
});

describe("eksKubeconfig", () => {
  it("authenticates with aws eks get-token and holds no credential", () => {
    const config = JSON.parse(eksKubeconfig({ clusterName: "c1", endpoint: "https://api", certificateAuthorityData: "Q0E=", region: "eu-west-1" }));
    expect(config.clusters[0].cluster).toEqual({ server: "https://api", "certificate-authority-data": "Q0E=" });
    expect(config.users[0].user.exec.args).toEqual(["eks", "get-token", "--cluster-name", "c1", "--region", "eu-west-1", "--output", "json"]);
    expect(Object.keys(config.users[0].user)).toEqual(["exec"]);
  });
});

describe("GPU instance types", () => {
  it("knows GPU count and product of the types the stacks use", () => {
    expect(gpuInstanceType("g6e.12xlarge")).toMatchObject({ gpus: 4, product: "NVIDIA-L40S", nimGpu: "l40s" });
    expect(gpuInstanceType("p5.48xlarge")).toMatchObject({ gpus: 8, product: "NVIDIA-H100-80GB-HBM3" });
    expect(gpuInstanceType("m6i.xlarge")).toBeUndefined();
  });

  it("maps a GPU product label back to the NIM profile GPU name", () => {
    expect(nimGpuForProduct("NVIDIA-A10G")).toBe("a10g");
    expect(nimGpuForProduct("NVIDIA-RTX-6000")).toBeUndefined();
  });
});
