import { annotated, promotedFrom, servingNimService } from "../support/fixtures";
import { addedMandatoryLines, asReviewed, changed, mandatoryLines, renderForReview, violationsOf, type RenderedForReview } from "../support/stack-review";

let dev: RenderedForReview;

beforeAll(async () => {
  dev = await renderForReview("dev");
});

describe("the dev stack under the policy pack", () => {
  it("passes every mandatory policy", async () => {
    expect(mandatoryLines(await violationsOf(dev))).toEqual([]);
  });

  it("draws no advice either", async () => {
    expect(await violationsOf(dev)).toEqual([]);
  });

  it("is only advised, not stopped, when its Secrets are not KMS-encrypted", async () => {
    const unencrypted = changed(
      dev.resources,
      (r) => r.type === "aws:eks/cluster:Cluster",
      (props) => {
        delete props.encryptionConfig;
      },
    );
    const advice = (await violationsOf(dev, unencrypted)).filter((v) => v.policyName === "eks-secrets-encryption");
    expect(advice).toEqual([expect.objectContaining({ enforcementLevel: "advisory", message: expect.stringContaining('EKS cluster "data-flywheel-dev"') })]);
  });

  it("catches its public endpoint opened to the internet", async () => {
    const open = changed(
      dev.resources,
      (r) => r.type === "aws:eks/cluster:Cluster",
      (props) => {
        props.vpcConfig = { ...(props.vpcConfig as object), publicAccessCidrs: ["0.0.0.0/0"] };
      },
    );
    expect(await addedMandatoryLines(dev, dev.resources, open)).toEqual([
      expect.stringMatching(/^eks-endpoint-access \(aws:eks\/cluster:Cluster: flywheel\): EKS cluster "data-flywheel-dev" has a public API endpoint open to 0\.0\.0\.0\/0/),
    ]);
  });

  it("catches its GPU pool without the taint", async () => {
    const untainted = changed(
      dev.resources,
      (r) => r.type === "aws:eks/nodeGroup:NodeGroup" && r.name === "flywheel-gpu-inference",
      (props) => {
        props.taints = [];
      },
    );
    expect(await addedMandatoryLines(dev, dev.resources, untainted)).toEqual([
      expect.stringMatching(/^gpu-node-pool-tainted \(aws:eks\/nodeGroup:NodeGroup: flywheel-gpu-inference\): GPU node group .* has no nvidia\.com\/gpu NO_SCHEDULE taint/),
    ]);
  });

  it("holds a served model to the current targets of the dev workload it was promoted from", async () => {
    const served = (targets: Record<string, number>) =>
      asReviewed(
        annotated(
          servingNimService(),
          "promotedFrom",
          JSON.stringify({ ...promotedFrom(), workloadId: "customer-support", clientId: "support-web", scores: { function_name_and_args_accuracy: 0.96 }, targets }),
        ),
      );
    const evidenceLines = async (targets: Record<string, number>) => (await addedMandatoryLines(dev, dev.resources, [...dev.resources, served(targets)])).filter((line) => line.startsWith("serving-evidence "));
    expect(await evidenceLines({ function_name_and_args_accuracy: 0.95 })).toEqual([]);
    expect(await evidenceLines({ function_name_and_args_accuracy: 0.9 })).toEqual([
      expect.stringContaining(
        'it records the targets function_name_and_args_accuracy 0.9, but workload "customer-support" (client "support-web") now has function_name_and_args_accuracy 0.95 (ConfigMap flywheel/flywheel-customer-support-support-web-config)',
      ),
    ]);
  });

  it("catches the job's permission to create NIMServices without the admission policy that checks them", async () => {
    const unchecked = dev.resources.filter((r) => !/ValidatingAdmissionPolicyBinding$/.test(r.type));
    expect(unchecked.length).toBeLessThan(dev.resources.length);
    expect(await addedMandatoryLines(dev, dev.resources, unchecked)).toEqual([
      expect.stringMatching(/^nimservice-admission-policy \(kubernetes:rbac\.authorization\.k8s\.io\/v1:RoleBinding: [^)]+\): RoleBinding flywheel\/flywheel-job lets its subjects create NIMServices in namespace "flywheel"/),
    ]);
  });
});
