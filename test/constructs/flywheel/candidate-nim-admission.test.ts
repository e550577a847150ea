import { Chart, Testing } from "cdk8s";
import { CandidateNimAdmission } from "../../../constructs/flywheel/candidate-nim-admission";
import { candidateNimService, parseJobConfig } from "../../../flywheel-job/src/contract";
import { loadStackConfig } from "../../../stacks/config/load";
import { type AdmissionPolicyManifest, admissionDenials } from "../../support/admission-policy-cel";
import { editedStack } from "../../support/stack-config";

type Manifest = AdmissionPolicyManifest & { apiVersion: string; metadata: { name: string; namespace?: string }; spec: Record<string, unknown> };
type EnvVar = { name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } };
type ContainerImage = { repository: string; tag: string; pullPolicy?: string; pullSecrets?: string[] };
type Container = { name: string; image: ContainerImage; command?: string[]; args?: string[]; env?: EnvVar[] };
/** The NIMService fields the variants below edit, in the CRD's shape. */
type NimServiceJson = {
  metadata: { labels: Record<string, string> };
  spec: Omit<Container, "name"> & {
    image: ContainerImage & { pullSecrets: string[] };
    env: EnvVar[];
    authSecret: string;
    labels: Record<string, string>;
    nodeSelector?: Record<string, string>;
    tolerations: { key?: string; operator: string; effect?: string }[];
    storage: { nimCache?: { name: string }; hostPath?: string };
    expose: { service: { type?: string; port: number }; ingress?: { enabled: boolean }; router?: { gateway: { httpRoutesEnabled: boolean } } };
    initContainers?: Container[];
    sidecarContainers?: Container[];
    inferencePlatform?: string;
  };
};

// The dev stack's workload, as the stack writes its job configuration and the job parses it.
const [workload] = loadStackConfig(editedStack("dev", () => undefined), "placeholder").schedules?.workloads ?? [];
const jobConfig = parseJobConfig(workload.jobConfig, "the dev workload");
const candidateImages = jobConfig.candidates.map((c) => c.image);

/** The NIMService a run of the dev workload creates for its first candidate, exactly as the job builds it. */
function jobsNimService(): NimServiceJson {
  return JSON.parse(
    JSON.stringify(
      candidateNimService({
        runId: "20260102t030405z-ab12",
        workloadId: workload.jobConfig.workloadId,
        clientId: workload.jobConfig.clientId,
        index: 0,
        candidate: jobConfig.candidates[0],
        namespace: "flywheel",
        deployment: jobConfig.deployment,
        peftSource: "http://nemo-entitystore.nemo.svc.cluster.local:8000",
        owner: { name: "flywheel-customer-support-28000000", uid: "5f0c2a8e-0000-4000-8000-000000000000" },
      }),
    ),
  ) as NimServiceJson;
}

function synth(props: Partial<ConstructorParameters<typeof CandidateNimAdmission>[2]> = {}): Manifest[] {
  const chart = new Chart(Testing.app(), "test");
  new CandidateNimAdmission(chart, "admission", { namespace: "flywheel", candidateImages, ...props });
  return Testing.synth(chart) as Manifest[];
}

const [policy, binding] = synth();

const denials = (object: unknown, operation: "CREATE" | "UPDATE" = "CREATE", oldObject?: unknown): Promise<string[]> =>
  admissionDenials(policy, { operation, object, ...(oldObject === undefined ? {} : { oldObject }) });

/** The rule names of what the policy denies a variant of the job's NIMService with. */
async function failedRules(edit: (nim: NimServiceJson) => void): Promise<string[]> {
  const nim = jobsNimService();
  edit(nim);
  return (await denials(nim)).map((message) => message.split(":")[0]);
}

describe("CandidateNimAdmission objects", () => {
  it("is a GA ValidatingAdmissionPolicy for NIMService creates and updates, failing closed", () => {
    expect(policy).toMatchObject({
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingAdmissionPolicy",
      metadata: { name: "flywheel-candidate-nims" },
      spec: {
        failurePolicy: "Fail",
        matchConstraints: {
          resourceRules: [{ apiGroups: ["apps.nvidia.com"], apiVersions: ["v1alpha1"], operations: ["CREATE", "UPDATE"], resources: ["nimservices"] }],
        },
      },
    });
    expect(policy.metadata.namespace).toBeUndefined();
  });

  it("binds the policy to the flywheel namespace only, denying what fails", () => {
    expect(binding).toEqual({
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingAdmissionPolicyBinding",
      metadata: { name: "flywheel-candidate-nims", labels: { "app.kubernetes.io/part-of": "data-flywheel" } },
      spec: {
        policyName: policy.metadata.name,
        validationActions: ["Deny"],
        matchResources: { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "flywheel" } } },
      },
    });
  });

  it("names every rule at the start of its message", () => {
    expect(policy.spec.validations.map((v) => v.message?.split(":")[0])).toEqual([
      "images",
      "commands",
      "runLabels",
      "inferencePool",
      "authSecret",
      "pullSecrets",
      "secretEnv",
      "hostPath",
      "exposure",
    ]);
  });

  it("refuses a configuration it cannot build a meaningful policy from", () => {
    expect(() => synth({ candidateImages: [] })).toThrow('ValidatingAdmissionPolicy flywheel/flywheel-candidate-nims: candidateImages is empty');
    expect(() => synth({ candidateImages: [{ repository: "nvcr.io/nim/meta/llama:1.0", tag: "1.0" }] })).toThrow(
      'ValidatingAdmissionPolicy flywheel/flywheel-candidate-nims: candidateImages[0].repository "nvcr.io/nim/meta/llama:1.0" is not an image repository',
    );
    expect(() => synth({ namespace: "Flywheel" })).toThrow('namespace "Flywheel" must be a DNS-1123 label');
  });
});

describe("CandidateNimAdmission admits what the job creates", () => {
  it("admits the job's NIMService for the dev workload", async () => {
    expect(await denials(jobsNimService())).toEqual([]);
  });

  it("admits it with its metrics and ServiceMonitor on, as the dev stack's monitoring has the job ask", async () => {
    const nim = jobsNimService() as NimServiceJson & { spec: { metrics?: unknown } };
    expect(nim.spec.metrics).toEqual({ enabled: true, serviceMonitor: { additionalLabels: { release: "kube-prometheus-stack" } } });
    expect(await denials(nim)).toEqual([]);
  });

  it("admits it with the CRD's defaults applied, as the API server sees it", async () => {
    const nim = jobsNimService();
    nim.spec.inferencePlatform = "standalone";
    expect(await denials(nim)).toEqual([]);
  });

  it("admits an NGC pull secret on a sidecar of a candidate image", async () => {
    expect(
      await failedRules((nim) => {
        nim.spec.sidecarContainers = [{ name: "side", image: { repository: nim.spec.image.repository, tag: "1.12.0", pullSecrets: ["nvcr-pull"] } }];
      }),
    ).toEqual([]);
  });
});

describe("CandidateNimAdmission denies a NIMService that leaves the run's bounds, naming the rule", () => {
  it.each<[string, (nim: NimServiceJson) => void, string[]]>([
    ["a foreign image", (nim) => (nim.spec.image.repository = "docker.io/library/busybox"), ["images"]],
    ["a foreign init container", (nim) => (nim.spec.initContainers = [{ name: "init", image: { repository: "docker.io/library/busybox", tag: "1" } }]), ["images"]],
    ["a foreign sidecar", (nim) => (nim.spec.sidecarContainers = [{ name: "side", image: { repository: "ghcr.io/evil/miner", tag: "1" } }]), ["images"]],
    ["a command override", (nim) => (nim.spec.command = ["sh", "-c", "cat /proc/self/environ"]), ["commands"]],
    ["args on an init container", (nim) => (nim.spec.initContainers = [{ name: "init", image: { ...nim.spec.image }, args: ["-c", "env"] }]), ["commands"]],
    ["a missing run label", (nim) => delete nim.metadata.labels["data-flywheel.io/run-id"], ["runLabels"]],
    ["no labels at all", (nim) => delete (nim.metadata as Partial<NimServiceJson["metadata"]>).labels, ["runLabels"]],
    ["pods without the component label", (nim) => delete nim.spec.labels["app.kubernetes.io/component"], ["runLabels"]],
    ["pods labelled as the job", (nim) => (nim.spec.labels["app.kubernetes.io/component"] = "flywheel-job"), ["runLabels"]],
    ["an empty workload label", (nim) => (nim.metadata.labels["data-flywheel.io/workload"] = ""), ["runLabels"]],
    ["the training pool", (nim) => (nim.spec.nodeSelector = { "data-flywheel.io/gpu-role": "training" }), ["inferencePool"]],
    ["no node selector", (nim) => delete nim.spec.nodeSelector, ["inferencePool"]],
    ["no GPU toleration", (nim) => (nim.spec.tolerations = []), ["inferencePool"]],
    ["a toleration of every taint", (nim) => nim.spec.tolerations.push({ operator: "Exists" }), ["inferencePool"]],
    ["a foreign auth secret", (nim) => (nim.spec.authSecret = "flywheel-connections"), ["authSecret"]],
    ["an extra pull secret", (nim) => nim.spec.image.pullSecrets.push("flywheel-model-keys"), ["pullSecrets"]],
    ["a secret env", (nim) => nim.spec.env.push({ name: "KEYS", valueFrom: { secretKeyRef: { name: "flywheel-connections", key: "MONGODB_URL" } } }), ["secretEnv"]],
    [
      "a secret env on a sidecar",
      (nim) => (nim.spec.sidecarContainers = [{ name: "side", image: { ...nim.spec.image }, env: [{ name: "K", valueFrom: { secretKeyRef: { name: "flywheel-model-keys", key: "JUDGE_API_KEY" } } }] }]),
      ["secretEnv"],
    ],
    [
      "a foreign pull secret on a sidecar, the main container naming none",
      (nim) => {
        delete (nim.spec.image as Partial<ContainerImage>).pullSecrets;
        nim.spec.sidecarContainers = [{ name: "side", image: { ...nim.spec.image, pullSecrets: ["flywheel-connections"] } }];
      },
      ["pullSecrets"],
    ],
    [
      "a secret env on an init container, the main container without env",
      (nim) => {
        delete (nim.spec as Partial<NimServiceJson["spec"]>).env;
        nim.spec.initContainers = [{ name: "init", image: { ...nim.spec.image }, env: [{ name: "K", valueFrom: { secretKeyRef: { name: "flywheel-connections", key: "REDIS_URL" } } }] }];
      },
      ["secretEnv"],
    ],
    ["hostPath storage", (nim) => (nim.spec.storage = { hostPath: "/var/lib/kubelet" }), ["hostPath"]],
    ["an ingress", (nim) => (nim.spec.expose.ingress = { enabled: true }), ["exposure"]],
    ["a router", (nim) => (nim.spec.expose.router = { gateway: { httpRoutesEnabled: true } }), ["exposure"]],
    ["a LoadBalancer Service", (nim) => (nim.spec.expose.service.type = "LoadBalancer"), ["exposure"]],
  ])("%s", async (_variant, edit, rules) => {
    expect(await failedRules(edit)).toEqual(rules);
  });

  it("says which repositories it admits", async () => {
    const nim = jobsNimService();
    nim.spec.image.repository = "docker.io/library/busybox";
    expect(await denials(nim)).toEqual([
      "images: every container (spec.image, spec.initContainers, spec.sidecarContainers) must run a candidate model's repository: nvcr.io/nim/meta/llama-3.2-1b-instruct",
    ]);
  });
});

describe("CandidateNimAdmission on updates", () => {
  const foreign = (): NimServiceJson => {
    const nim = jobsNimService();
    nim.spec.image.repository = "docker.io/library/busybox";
    return nim;
  };

  it("judges an update that changes the spec", async () => {
    expect(await denials(foreign(), "UPDATE", jobsNimService())).toHaveLength(1);
  });

  it("judges an update that removes the run labels", async () => {
    const unlabelled = jobsNimService();
    unlabelled.metadata.labels = {};
    expect(await denials(unlabelled, "UPDATE", jobsNimService())).toEqual([expect.stringMatching(/^runLabels:/)]);
  });

  it("lets the operator's finalizer through on a NIMService created before the candidates changed", async () => {
    const before = foreign();
    const withFinalizer = { ...foreign(), metadata: { ...before.metadata, finalizers: ["finalizer.nimservice.apps.nvidia.com"] } };
    expect(await denials(withFinalizer, "UPDATE", before)).toEqual([]);
  });
});
