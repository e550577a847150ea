import type { StackValidationPolicy } from "@pulumi/policy";
import { isKind, kubernetesObjectsIn, namespaceOf } from "../lib/kubernetes";
import type { KubernetesObject } from "../lib/kubernetes-object";
import { isRecord } from "../lib/values";

interface NetworkPolicySpec {
  readonly podSelector?: { readonly matchLabels?: Record<string, string>; readonly matchExpressions?: readonly unknown[] };
  readonly policyTypes?: readonly string[];
  readonly ingress?: readonly unknown[];
  readonly egress?: readonly unknown[];
}

const directions = ["Ingress", "Egress"] as const;

/** The directions a NetworkPolicy denies for every pod of its namespace. */
function deniedByDefault(policy: KubernetesObject): string[] {
  const spec = (isRecord(policy.spec) ? policy.spec : {}) as NetworkPolicySpec;
  const selector = spec.podSelector ?? {};
  const allPods = Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0;
  if (!allPods) {
    return [];
  }
  return directions.filter((d) => (spec.policyTypes ?? []).includes(d) && (spec[d === "Ingress" ? "ingress" : "egress"] ?? []).length === 0);
}

/**
 * No namespace is flat: NVIDIA documents that the NeMo microservices have no user concept, MLflow
 * and Milvus run without authentication, and `flywheel` holds the NGC key, so by default nothing
 * gets in or out of any namespace, and separate NetworkPolicies open exactly the paths of the
 * stack's table. The namespaces are the Namespace objects the stack creates, read from the stack
 * itself, so a namespace added later is guarded without a config change. A namespace the stack
 * only deploys into (kube-system for the cluster autoscaler, one a cluster already has) is not the
 * stack's to lock down. A stack policy, because it asks whether a namespace has some other object.
 */
export const namespaceDefaultDeny: StackValidationPolicy = {
  name: "namespace-default-deny",
  description:
    "Every namespace the stack creates has a default-deny NetworkPolicy (podSelector {}, policyTypes Ingress and Egress, no rules). " +
    "Mandatory: without it every pod in the cluster can reach the namespace's unauthenticated services and its pods can reach anything.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps:
    "Add a NetworkPolicy with podSelector: {} and policyTypes: [Ingress, Egress] and no rules to the namespace, then allow the traffic it needs with separate policies.",
  validateStack: (args, reportViolation) => {
    const objects = kubernetesObjectsIn(args.resources);
    // By name: an offline review of a render edited by hand can hold two versions of a Namespace.
    const declared = new Map(objects.filter(({ object }) => isKind(object, "core", "Namespace")).map(({ object, resource }) => [object.metadata.name ?? "", resource] as const));
    for (const [namespace, resource] of declared) {
      // Each NetworkPolicy by name: an offline review of a render edited by hand can hold two
      // versions of one, and a direction counts as denied only if every version denies it.
      const versions = new Map<string, string[][]>();
      for (const { object } of objects) {
        if (isKind(object, "networking.k8s.io", "NetworkPolicy") && namespaceOf(object) === namespace) {
          const name = object.metadata.name ?? "";
          versions.set(name, [...(versions.get(name) ?? []), deniedByDefault(object)]);
        }
      }
      const denied = new Set([...versions.values()].flatMap((each) => directions.filter((d) => each.every((version) => version.includes(d)))));
      const missing = directions.filter((d) => !denied.has(d));
      if (missing.length > 0) {
        reportViolation(
          `Namespace "${namespace}" has no default-deny NetworkPolicy for ${missing.join(" and ")}: ` +
            `${missing.includes("Ingress") ? "every pod in the cluster can reach its pods" : "its pods can reach anything"}. ` +
            `Fix: add a NetworkPolicy in "${namespace}" with podSelector: {}, policyTypes: [Ingress, Egress] and no rules, and allow what its pods need with separate policies.`,
          resource.urn,
        );
      }
    }
  },
};
