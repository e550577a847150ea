import { podSecurityLevel } from "../../policies/pod-security-level";
import { stackViolations } from "../support/policy-review";
import { cpuDeployment, edit, elasticsearch, flywheelCronJob, kubernetesResource, mongodb, namespace, nimService, redis } from "../support/fixtures";
import type { KubernetesObject } from "../../lib/kubernetes-object";

const stack = (...objects: KubernetesObject[]) => objects.map(kubernetesResource);
const fix = "Fix: set those fields in the pod template, or move the pod to a namespace whose level it meets.";

describe("pod-security-level", () => {
  it("passes the project's pods in restricted namespaces, and the NIM operator's resources (not in the stack's view)", async () => {
    const objects = stack(namespace("flywheel", "restricted"), namespace("nemo", "restricted"), namespace("data", "restricted"), flywheelCronJob(), cpuDeployment(), redis(), nimService());
    expect(await stackViolations(podSecurityLevel, objects)).toEqual([]);
  });

  it("catches a pod short of restricted in a restricted namespace, naming every field", async () => {
    const noSeccomp = edit(cpuDeployment(), "spec.template.spec.securityContext.seccompProfile", undefined);
    expect(await stackViolations(podSecurityLevel, stack(namespace("nemo", "restricted"), noSeccomp))).toEqual([
      {
        message:
          'Deployment nemo/mlflow-proxy: its pod does not meet Pod Security "restricted", which namespace "nemo" enforces: ' +
          `spec.template.spec.containers[0].securityContext.seccompProfile.type (or the pod's) must be RuntimeDefault or Localhost. ${fix}`,
        resource: "mlflow-proxy",
      },
    ]);
  });

  it("holds a pod to its own namespace's level only", async () => {
    const privileged = edit(cpuDeployment(), "spec.template.spec.containers.0.securityContext.privileged", true);
    expect(await stackViolations(podSecurityLevel, stack(namespace("nemo", "privileged"), privileged))).toEqual([]);
    expect(await stackViolations(podSecurityLevel, stack(namespace("nemo", "baseline"), privileged))).toEqual([
      expect.objectContaining({ message: expect.stringContaining('does not meet Pod Security "baseline", which namespace "nemo" enforces: spec.template.spec.containers[0].securityContext.privileged is true') }),
    ]);
    // A namespace the stack does not create has a level the stack does not set.
    expect(await stackViolations(podSecurityLevel, stack(privileged))).toEqual([]);
  });

  it("reads a CronJob's pod and its template annotations", async () => {
    const hostPath = edit(flywheelCronJob(), "spec.jobTemplate.spec.template.spec.volumes", [{ name: "host", hostPath: { path: "/var/run" } }]);
    expect(await stackViolations(podSecurityLevel, stack(namespace("flywheel"), hostPath))).toEqual([
      expect.objectContaining({ message: expect.stringContaining("spec.jobTemplate.spec.template.spec.volumes[0] is a hostPath volume") }),
    ]);
    const appArmor = edit(flywheelCronJob(), "spec.jobTemplate.spec.template.metadata", { annotations: { "container.apparmor.security.beta.kubernetes.io/flywheel": "unconfined" } });
    expect(await stackViolations(podSecurityLevel, stack(namespace("flywheel"), appArmor))).toEqual([
      expect.objectContaining({ message: expect.stringContaining('metadata.annotations["container.apparmor.security.beta.kubernetes.io/flywheel"] is unconfined') }),
    ]);
  });

  it("holds ECK and MongoDB pod templates to baseline, since their operators complete restricted's fields", async () => {
    expect(await stackViolations(podSecurityLevel, stack(namespace("data", "restricted"), elasticsearch(3), mongodb(3)))).toEqual([]);
    const sysctl = edit(elasticsearch(3), "spec.nodeSets.0.podTemplate", { spec: { initContainers: [{ name: "sysctl", securityContext: { privileged: true } }] } });
    expect(await stackViolations(podSecurityLevel, stack(namespace("data", "restricted"), sysctl))).toEqual([
      {
        message:
          'Elasticsearch data/flywheel-logs: its pod does not meet Pod Security "restricted", which namespace "data" enforces (the operator completes this template, so only baseline\'s rules are checked): ' +
          `spec.nodeSets[0].podTemplate.spec.initContainers[0].securityContext.privileged is true: privileged containers are not allowed. ${fix}`,
        resource: "flywheel-logs",
      },
    ]);
    const hostNetwork = edit(mongodb(3), "spec.statefulSet", { spec: { template: { spec: { hostNetwork: true } } } });
    expect(await stackViolations(podSecurityLevel, stack(namespace("data"), hostNetwork))).toEqual([
      expect.objectContaining({ message: expect.stringContaining("spec.statefulSet.spec.template.spec.hostNetwork is true") }),
    ]);
  });

  it("catches a Namespace without an enforce level, or with one Pod Security does not know", async () => {
    const unlabelled = edit(namespace("team"), "metadata.labels", { "app.kubernetes.io/part-of": "data-flywheel" });
    expect(await stackViolations(podSecurityLevel, stack(unlabelled))).toEqual([
      {
        message:
          'Namespace "team" sets no pod-security.kubernetes.io/enforce: Pod Security admission then admits any pod (its default is privileged). ' +
          "Fix: label the namespace with pod-security.kubernetes.io/enforce: restricted, or baseline where a chart's or an operator's pods need it.",
        resource: "team",
      },
    ]);
    expect(await stackViolations(podSecurityLevel, stack(namespace("team", "strict")))).toEqual([
      expect.objectContaining({ message: expect.stringContaining('Namespace "team" sets an unknown level "strict" in pod-security.kubernetes.io/enforce') }),
    ]);
  });
});
