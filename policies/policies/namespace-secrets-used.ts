import type { StackValidationPolicy } from "@pulumi/policy";
import { policyConfig } from "../lib/config";
import { helmReleaseOf } from "../lib/helm";
import { describeObject, isKind, kubernetesObjectsIn, namespaceOf } from "../lib/kubernetes";
import type { KubernetesObject } from "../lib/kubernetes-object";
import { walk } from "../lib/values";

export interface NamespaceSecretsUsedConfig {
  /** Namespaces where every Secret must be used by a service of the namespace. */
  readonly namespaces: readonly string[];
}

export const namespaceSecretsUsedDefaults: NamespaceSecretsUsedConfig = { namespaces: ["nemo"] };

/** True when some string field of `value` (outside an object's metadata) is exactly `name`. */
function names(value: unknown, name: string): boolean {
  for (const [path, field] of walk(value)) {
    if (field === name && path !== "apiVersion" && path !== "kind" && !path.startsWith("metadata")) {
      return true;
    }
  }
  return false;
}

/**
 * Argo Workflows runs in `server` auth mode for NeMo Evaluator, and RBAC on the workflow's service
 * account does not stop a Workflow from mounting any Secret of its namespace as a volume: any pod
 * that reaches the Argo server in `nemo` can read every Secret there. So `nemo` holds only the
 * Secrets its services use. A Secret counts as used when an object of its namespace that runs or
 * configures a service names it: a pod template (envFrom, env secretKeyRef, volumes,
 * imagePullSecrets), a NIM operator or other custom resource (`authSecret`, `pullSecrets`,
 * `databaseConfig.credentials.secretName`, `wandb.secretName`…), a ServiceAccount, a ConfigMap,
 * or the values of a Helm release installed there. The approximation: any string field equal to
 * the Secret's name counts as a reference, so a field that happens to carry the same text hides an
 * unused Secret, and a chart that derives a Secret's name from its release name is not seen (give
 * the chart the name in its values). One-shot Jobs (a database bootstrap) do not count: a Secret
 * only they need belongs, with them, in a namespace of its own.
 */
/**
 * The Secret an object puts into its namespace: a Secret itself, or the one an ExternalSecret has the
 * External Secrets Operator write (`spec.target.name`, by default its own name). Neither names a
 * Secret for a reader: an ExternalSecret's target is the Secret it writes, not one it uses.
 */
function secretWrittenBy(object: KubernetesObject): string | undefined {
  if (isKind(object, "core", "Secret")) {
    return object.metadata.name ?? "";
  }
  if (isKind(object, "external-secrets.io", "ExternalSecret")) {
    const target = (object.spec as { target?: { name?: unknown } } | undefined)?.target?.name;
    return typeof target === "string" ? target : (object.metadata.name ?? "");
  }
  return undefined;
}

export const namespaceSecretsUsed: StackValidationPolicy = {
  name: "namespace-secrets-used",
  description:
    "Every Secret in the namespaces of config namespaces (nemo), including those an ExternalSecret writes, is named by a service of that namespace: a pod template other than a one-shot Job, a custom resource, a ConfigMap or ServiceAccount, or a Helm release's values. " +
    "Mandatory: any pod that can submit an Argo Workflow there can mount every Secret of the namespace, so an unused one is only exposure.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps:
    "Delete the Secret, or move it with the Job that needs it to a namespace of its own (the RDS master credentials and their bootstrap Job, for instance).",
  configSchema: {
    properties: {
      namespaces: {
        type: "array",
        items: { type: "string" },
        default: [...namespaceSecretsUsedDefaults.namespaces],
        description: "Namespaces where every Secret must be used by a service of the namespace.",
      },
    },
  },
  validateStack: (args, reportViolation) => {
    const { namespaces } = policyConfig(args, namespaceSecretsUsedDefaults);
    const objects = kubernetesObjectsIn(args.resources);
    const releases = args.resources.flatMap((resource) => {
      const release = helmReleaseOf(resource.type, resource.props);
      return release && typeof resource.props.namespace === "string" ? [{ namespace: resource.props.namespace, values: release.values }] : [];
    });
    for (const namespace of namespaces) {
      const inNamespace = objects.filter(({ object }) => namespaceOf(object) === namespace);
      const jobs: KubernetesObject[] = [];
      const consumers: unknown[] = releases.filter((release) => release.namespace === namespace).map((release) => release.values);
      for (const { object } of inNamespace) {
        if (isKind(object, "batch", "Job")) {
          jobs.push(object);
        } else if (secretWrittenBy(object) === undefined) {
          consumers.push(object);
        }
      }
      const reported = new Set<string>();
      for (const { object: secret, resource } of inNamespace.filter(({ object }) => secretWrittenBy(object) !== undefined)) {
        const name = secretWrittenBy(secret) ?? "";
        // An unnamed Secret (named by Pulumi at deploy) is referenced by an output, not by text.
        if (name === "" || reported.has(name) || consumers.some((consumer) => names(consumer, name))) {
          continue;
        }
        reported.add(name);
        const usedBy = jobs.filter((job) => names(job, name)).map(describeObject);
        reportViolation(
          `${describeObject(secret)} is named by no service in "${namespace}"${usedBy.length > 0 ? ` (only by the one-shot ${usedBy.join(", ")})` : ""}: ` +
            `any pod that can submit an Argo Workflow in "${namespace}" can mount it. ` +
            `Fix: delete it, or move it${usedBy.length > 0 ? " and the Job that needs it" : ""} to a namespace of its own.`,
          resource.urn,
        );
      }
    }
  },
};
