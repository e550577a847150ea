import { Testing } from "cdk8s";
import { VerifyPlatform, type VerifyPlatformProps } from "../../../constructs/verify/verify-platform";
import { platformVerifyConfigSchema, verifyPlatformNaming } from "../../../flywheel-job/src/contract";
import { only, type Manifest } from "../nim/fixtures";

const props: VerifyPlatformProps = {
  namespace: "flywheel",
  image: `ghcr.io/example/flywheel-job@sha256:${"a".repeat(64)}`,
  config: {
    stack: "dev",
    operators: [{ name: "eck-operator", namespace: "data-operators", kind: "StatefulSet", workload: "elastic-operator" }],
    nemoServices: [{ name: "entitystore", url: "http://nemo-entitystore.nemo.svc.cluster.local:8000/health" }],
    gpuPools: [{ name: "inference", role: "inference", nodeSelector: { "data-flywheel/pool": "inference" }, minSize: 0, maxSize: 2 }],
    gpuProbe: { namespace: "flywheel", image: `ghcr.io/example/flywheel-job@sha256:${"a".repeat(64)}` },
    nimCaches: [],
    endpoints: [],
    networkSample: { allowed: [], denied: [{ host: "169.254.169.254", port: 80, description: "EC2 instance metadata" }] },
  },
};

function render(overrides: Partial<VerifyPlatformProps> = {}): Manifest[] {
  const chart = Testing.chart();
  new VerifyPlatform(chart, "verify", { ...props, ...overrides });
  return chart.toJson() as Manifest[];
}

const writeVerbs = ["create", "update", "patch", "delete", "deletecollection", "escalate", "bind", "impersonate", "*"];

describe("VerifyPlatform", () => {
  it("renders a configuration the job's own schema parses back to what it was given", () => {
    const configMap = only(render(), "ConfigMap");
    expect(configMap.metadata).toMatchObject({ name: verifyPlatformNaming.configMap, namespace: "flywheel" });
    expect(platformVerifyConfigSchema.parse(JSON.parse(configMap.data["verify-platform.json"]))).toEqual(props.config);
  });

  it("runs `verify platform --in-cluster` from a suspended, bounded CronJob with the config and the credentials mounted read-only", () => {
    const cronJob = only(render(), "CronJob");
    expect(cronJob.metadata).toMatchObject({ name: verifyPlatformNaming.cronJob, namespace: "flywheel" });
    expect(cronJob.spec).toMatchObject({ suspend: true, concurrencyPolicy: "Forbid", jobTemplate: { spec: { backoffLimit: 0, activeDeadlineSeconds: 1800, ttlSecondsAfterFinished: 86400 } } });
    const pod = cronJob.spec.jobTemplate.spec.template;
    expect(pod.metadata.labels["app.kubernetes.io/component"]).toBe(verifyPlatformNaming.component);
    expect(pod.spec.serviceAccountName).toBe(verifyPlatformNaming.serviceAccount);
    const [container] = pod.spec.containers;
    expect(container.args).toEqual(["verify", "platform", "--in-cluster", "--config", verifyPlatformNaming.configPath]);
    expect(container.volumeMounts).toContainEqual(expect.objectContaining({ mountPath: verifyPlatformNaming.configPath, subPath: "verify-platform.json", readOnly: true }));
    const credentialsMount = container.volumeMounts.find((m: { mountPath: string }) => m.mountPath === verifyPlatformNaming.credentialsPath);
    expect(credentialsMount).toMatchObject({ readOnly: true });
    const volume = pod.spec.volumes.find((v: { name: string }) => v.name === credentialsMount.name);
    expect(volume.secret.secretName).toBe(verifyPlatformNaming.credentialsSecret);
    expect(container.securityContext).toMatchObject({ runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
  });

  it("reads cluster-wide without a write verb or Secrets, and writes only pods in the probe namespace", () => {
    const manifests = render({ config: { ...props.config, gpuProbe: { ...props.config.gpuProbe, namespace: "gpu-probe" } } });
    const clusterRole = only(manifests, "ClusterRole");
    // Exactly the job's own calls (verifyPlatformPermissions): pods, nodes, Deployments, NIMCaches.
    expect(clusterRole.rules.map((r: { resources: string[] }) => r.resources[0]).sort()).toEqual(["deployments", "nimcaches", "nodes", "pods", "statefulsets"]);
    for (const rule of clusterRole.rules) {
      expect(rule.verbs.filter((v: string) => writeVerbs.includes(v))).toEqual([]);
      expect(rule.resources).not.toContain("secrets");
    }
    expect(only(manifests, "ClusterRoleBinding").subjects).toEqual([{ kind: "ServiceAccount", name: verifyPlatformNaming.serviceAccount, namespace: "flywheel" }]);
    const roles = manifests.filter((m) => m.kind === "Role");
    expect(roles.map((r) => r.metadata.namespace).sort()).toEqual(["gpu-probe", "kube-system"]);
    const probe = roles.find((r) => r.metadata.namespace === "gpu-probe");
    expect(probe?.rules).toEqual([{ apiGroups: [""], resources: ["pods"], verbs: ["create", "delete", "get"] }]);
    const autoscaler = roles.find((r) => r.metadata.namespace === "kube-system");
    expect(autoscaler?.rules).toEqual([{ apiGroups: [""], resources: ["configmaps"], resourceNames: ["cluster-autoscaler-status"], verbs: ["get"] }]);
    expect(manifests.filter((m) => m.kind === "RoleBinding").map((b) => b.metadata.namespace).sort()).toEqual(["gpu-probe", "kube-system"]);
  });

  it("refuses an image not pinned by digest and a configuration the job would refuse", () => {
    expect(() => render({ image: "ghcr.io/example/flywheel-job:1.0" })).toThrow(/pinned by digest/);
    expect(() => render({ config: { ...props.config, stack: "" } })).toThrow(/config is not a verify-platform configuration: stack/);
  });
});
