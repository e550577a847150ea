import type { StackValidationPolicy } from "@pulumi/policy";
import { describeObject, isKind, kubernetesObjectsIn, namespaceOf } from "../lib/kubernetes";
import { isPodSecurityLevel, podSecurityEnforceLabel, podSecurityViolations, type PodSecurityLevel, type PodSecurityTemplate } from "../lib/pod-security";
import { valueAt } from "../lib/values";
import { operatorPodTemplatesOf, podTemplatesOf, type PodTemplate } from "../lib/workloads";

/** The template (metadata and spec) around a pod spec at `path`: its AppArmor annotations sit in the metadata. */
function templateAt(pod: PodTemplate): PodSecurityTemplate {
  const metadataPath = pod.path === "spec" ? "metadata" : `${pod.path.replace(/\.spec$/, "")}.metadata`;
  return { metadata: valueAt(pod.object, metadataPath) as PodSecurityTemplate["metadata"], spec: pod.spec as PodSecurityTemplate["spec"] };
}

/**
 * Pod Security admission refuses, at `pulumi up`, a pod above its namespace's `enforce` level, and
 * for a Deployment or CronJob it does so silently: the controller's pods are never created. This
 * policy refuses it before: every pod template the stack writes (Pod, Deployment, StatefulSet,
 * DaemonSet, ReplicaSet, Job, CronJob) meets the level of the namespace it runs in, read from the
 * Namespace the stack creates, with the checks of `lib/pod-security.ts`. The pod templates of ECK
 * `Elasticsearch` and `MongoDBCommunity` are checked against baseline at most: the operator
 * completes them with restricted's required fields (seccomp, dropped capabilities), so only what
 * baseline forbids can be judged from the template. Pods the NIM operator builds from its resources
 * and the pods of Helm charts are not in the stack's view. Every Namespace the stack creates sets an
 * enforce level, since one without it admits anything (Pod Security's default is privileged).
 */
export const podSecurityLevel: StackValidationPolicy = {
  name: "pod-security-level",
  description:
    "Every Namespace the stack creates sets pod-security.kubernetes.io/enforce, and every pod template the stack writes meets its namespace's level (ECK and MongoDB pod templates: baseline at most). " +
    "Mandatory: Pod Security admission refuses such a pod on the cluster, and a controller's refused pods fail silently.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps:
    "Set the fields the message names (for restricted: runAsNonRoot, seccompProfile RuntimeDefault, allowPrivilegeEscalation false, capabilities drop ALL), or run the pod in a namespace whose level it meets.",
  validateStack: (args, reportViolation) => {
    const objects = kubernetesObjectsIn(args.resources);
    const levels = new Map<string, PodSecurityLevel>();
    for (const { object, resource } of objects.filter(({ object }) => isKind(object, "core", "Namespace"))) {
      const name = object.metadata.name ?? "";
      const level = object.metadata.labels?.[podSecurityEnforceLabel];
      if (isPodSecurityLevel(level)) {
        levels.set(name, level);
      } else {
        reportViolation(
          `Namespace "${name}" ${level === undefined ? "sets no" : `sets an unknown level "${level}" in`} ${podSecurityEnforceLabel}: Pod Security admission then admits any pod (its default is privileged). ` +
            `Fix: label the namespace with ${podSecurityEnforceLabel}: restricted, or baseline where a chart's or an operator's pods need it.`,
          resource.urn,
        );
      }
    }
    for (const { object, resource } of objects) {
      const level = levels.get(namespaceOf(object));
      if (level === undefined) {
        continue;
      }
      const own = podTemplatesOf(object).filter((pod) => !pod.builtByNimOperator);
      const completed = operatorPodTemplatesOf(object);
      const checks: [PodTemplate, PodSecurityLevel][] = [
        ...own.map((pod): [PodTemplate, PodSecurityLevel] => [pod, level]),
        ...completed.map((pod): [PodTemplate, PodSecurityLevel] => [pod, level === "restricted" ? "baseline" : level]),
      ];
      for (const [pod, checked] of checks) {
        const problems = podSecurityViolations(templateAt(pod), checked, pod.path);
        if (problems.length > 0) {
          reportViolation(
            `${describeObject(object)}: its pod does not meet Pod Security "${level}", which namespace "${namespaceOf(object)}" enforces` +
              `${checked === level ? "" : ` (the operator completes this template, so only baseline's rules are checked)`}: ${problems.join("; ")}. ` +
              "Fix: set those fields in the pod template, or move the pod to a namespace whose level it meets.",
            resource.urn,
          );
        }
      }
    }
  },
};
