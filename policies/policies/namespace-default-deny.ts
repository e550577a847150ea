import type { StackValidationPolicy } from "@pulumi/policy";
import { policyConfig } from "../lib/config";
import { isKind, kubernetesObjectsIn, namespaceOf } from "../lib/kubernetes";
import type { KubernetesObject } from "../lib/kubernetes-object";
import { isRecord } from "../lib/values";

export interface NamespaceDefaultDenyConfig {
  /** Namespaces that must deny all traffic by default, when the stack deploys into them. */
  readonly namespaces: readonly string[];
}

export const namespaceDefaultDenyDefaults: NamespaceDefaultDenyConfig = { namespaces: ["flywheel"] };

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
 * The flywheel namespace runs code that holds the NGC key and reads production logs: by default
 * nothing gets in or out, and separate NetworkPolicies open exactly what it needs (DNS, the API
 * server, the data and NeMo services, its NIMs). A stack policy, because it asks whether a
 * namespace has some other object. A namespace the stack does not deploy into is not checked.
 */
export const namespaceDefaultDeny: StackValidationPolicy = {
  name: "namespace-default-deny",
  description:
    "Each namespace in config namespaces that the stack deploys into has a default-deny NetworkPolicy (podSelector {}, policyTypes Ingress and Egress, no rules). " +
    "Mandatory: without it every pod in the cluster can reach the flywheel and the flywheel can reach anything.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps:
    "Add a NetworkPolicy with podSelector: {} and policyTypes: [Ingress, Egress] and no rules to the namespace, then allow the traffic it needs with separate policies.",
  configSchema: {
    properties: {
      namespaces: {
        type: "array",
        items: { type: "string" },
        default: [...namespaceDefaultDenyDefaults.namespaces],
        description: "Namespaces that must deny traffic by default.",
      },
    },
  },
  validateStack: (args, reportViolation) => {
    const { namespaces } = policyConfig(args, namespaceDefaultDenyDefaults);
    const objects = kubernetesObjectsIn(args.resources);
    for (const namespace of namespaces) {
      const declared = objects.find(({ object }) => isKind(object, "core", "Namespace") && object.metadata.name === namespace);
      const used = objects.some(({ object }) => object.metadata.namespace === namespace);
      if (!declared && !used) {
        continue;
      }
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
            `Fix: add a NetworkPolicy in "${namespace}" with podSelector: {}, policyTypes: [Ingress, Egress] and no rules, and allow what the flywheel needs with separate policies.`,
          declared?.resource.urn,
        );
      }
    }
  },
};
