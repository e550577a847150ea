import { Testing } from "cdk8s";
import { VerifyServing, type VerifyServingProps } from "../../../constructs/serving/verify-serving";
import { servingVerifyConfigSchema, verifyServingNaming } from "../../../flywheel-job/src/contract";
import { only, type Manifest } from "../nim/fixtures";

const props: VerifyServingProps = {
  namespace: "flywheel",
  servingNamespace: "serving",
  image: `ghcr.io/example/flywheel-job@sha256:${"a".repeat(64)}`,
  config: {
    stack: "dev",
    entries: [{ name: "support", namespace: "serving", url: "http://support.serving.svc.cluster.local:8000", model: "meta/llama-3.2-1b-instruct", replicas: { min: 1, max: 2 }, toolCalling: false }],
  },
};

function render(overrides: Partial<VerifyServingProps> = {}): Manifest[] {
  const chart = Testing.chart();
  new VerifyServing(chart, "verify", { ...props, ...overrides });
  return chart.toJson() as Manifest[];
}

describe("VerifyServing", () => {
  it("renders a configuration the job's own schema parses back to what it was given", () => {
    const configMap = only(render(), "ConfigMap");
    expect(configMap.metadata).toMatchObject({ name: verifyServingNaming.configMap, namespace: "flywheel" });
    expect(servingVerifyConfigSchema.parse(JSON.parse(configMap.data["verify-serving.json"]))).toEqual(props.config);
  });

  it("runs `verify serving --in-cluster` on the mounted configuration from a suspended, bounded CronJob labelled with the stack", () => {
    const cronJob = only(render(), "CronJob");
    expect(cronJob.metadata.labels[verifyServingNaming.stackLabel]).toBe("dev");
    expect(cronJob.spec).toMatchObject({ suspend: true, concurrencyPolicy: "Forbid", jobTemplate: { spec: { backoffLimit: 0, activeDeadlineSeconds: 1800, ttlSecondsAfterFinished: 86400 } } });
    const pod = cronJob.spec.jobTemplate.spec.template;
    expect(pod.metadata.labels["app.kubernetes.io/component"]).toBe(verifyServingNaming.component);
    expect(pod.spec.serviceAccountName).toBe(verifyServingNaming.serviceAccount);
    const [container] = pod.spec.containers;
    expect(container.args).toEqual(["verify", "serving", "--in-cluster", "--config", verifyServingNaming.configPath]);
    expect(container.volumeMounts).toContainEqual(expect.objectContaining({ mountPath: verifyServingNaming.configPath, subPath: "verify-serving.json", readOnly: true }));
    expect(container.securityContext).toMatchObject({ runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" } });
  });

  it("may read NIMServices in the serving namespace and nothing else", () => {
    const manifests = render();
    const role = only(manifests, "Role");
    expect(role.metadata.namespace).toBe("serving");
    expect(role.rules).toEqual([{ apiGroups: ["apps.nvidia.com"], resources: ["nimservices"], verbs: ["get", "list", "watch"] }]);
    const binding = only(manifests, "RoleBinding");
    expect(binding.metadata.namespace).toBe("serving");
    expect(binding.subjects).toEqual([{ kind: "ServiceAccount", name: verifyServingNaming.serviceAccount, namespace: "flywheel" }]);
  });

  it("refuses an image not pinned by digest and a configuration the job would refuse", () => {
    expect(() => render({ image: "ghcr.io/example/flywheel-job:1.0" })).toThrow(/pinned by digest/);
    expect(() => render({ config: { ...props.config, stack: "" } })).toThrow(/config is not a verify-serving configuration: stack/);
  });
});
