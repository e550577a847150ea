import type { StackValidationPolicy } from "@pulumi/policy";
import { apiGroup, describeObject, isKind, kubernetesObjectsIn, namespaceOf } from "../lib/kubernetes";
import type { KubernetesObject } from "../lib/kubernetes-object";
import { selectorMatches, type LabelSelector } from "../lib/selectors";
import { isRecord, numberOf, valueAt } from "../lib/values";
import { nimGroup, nimReplicaRange, nimServiceKinds, operatorPodTemplatesOf } from "../lib/workloads";

/** A workload that runs several pods, the labels of its pods and the selector a PDB would use. */
interface ReplicatedWorkload {
  readonly replicas: number;
  /** "replicas" or "members", as the resource calls them. */
  readonly unit: string;
  readonly podLabels: Readonly<Record<string, string>>;
  readonly suggested: Readonly<Record<string, string>>;
}

function labelsAt(object: KubernetesObject, path: string): Readonly<Record<string, string>> {
  const labels = valueAt(object, path);
  return isRecord(labels) ? (labels as Record<string, string>) : {};
}

/** The workload an object runs, when it runs more than one pod and nothing else gives it a PDB. */
function replicatedWorkload(object: KubernetesObject): ReplicatedWorkload | undefined {
  const name = object.metadata.name ?? "";
  if (isKind(object, "apps", "Deployment") || isKind(object, "apps", "StatefulSet")) {
    const replicas = numberOf(valueAt(object, "spec.replicas") ?? 1);
    const podLabels = labelsAt(object, "spec.template.metadata.labels");
    const selector = labelsAt(object, "spec.selector.matchLabels");
    return replicas > 1 ? { replicas, unit: "replicas", podLabels, suggested: Object.keys(selector).length > 0 ? selector : podLabels } : undefined;
  }
  if (isKind(object, "mongodbcommunity.mongodb.com", "MongoDBCommunity")) {
    const members = numberOf(valueAt(object, "spec.members"));
    const [pod] = operatorPodTemplatesOf(object);
    const operatorLabel = { app: `${name}-svc` };
    return members > 1 ? { replicas: members, unit: "members", podLabels: pod?.labels ?? operatorLabel, suggested: operatorLabel } : undefined;
  }
  if (apiGroup(object.apiVersion) === nimGroup && nimServiceKinds.has(object.kind)) {
    // Scaled by its HPA, it runs at least minReplicas pods, which the budget must keep evictable.
    const replicas = nimReplicaRange(object).min;
    const operatorLabel = { app: name };
    return replicas > 1 ? { replicas, unit: "replicas", podLabels: { ...labelsAt(object, "spec.labels"), ...operatorLabel }, suggested: operatorLabel } : undefined;
  }
  return undefined;
}

/** Why an operator that makes its own PDB would not, or undefined when it does (or runs one pod). */
function disabledOperatorBudget(object: KubernetesObject): string | undefined {
  if (isKind(object, "elasticsearch.k8s.elastic.co", "Elasticsearch")) {
    const nodeSets = valueAt(object, "spec.nodeSets");
    const nodes = Array.isArray(nodeSets) ? nodeSets.reduce((sum: number, set: unknown) => sum + (numberOf(valueAt(set, "count")) || 0), 0) : 0;
    const budget = valueAt(object, "spec.podDisruptionBudget");
    // ECK documents `podDisruptionBudget: {}` (no spec) as the way to turn its default PDB off.
    const disabled = isRecord(budget) && !isRecord(budget.spec);
    return nodes > 1 && disabled ? `runs ${nodes} nodes with ECK's default PodDisruptionBudget turned off (spec.podDisruptionBudget without a spec)` : undefined;
  }
  if (isKind(object, "postgresql.cnpg.io", "Cluster")) {
    const instances = numberOf(valueAt(object, "spec.instances"));
    return instances > 1 && valueAt(object, "spec.enablePDB") === false ? `runs ${instances} instances with CloudNativePG's PodDisruptionBudgets turned off (spec.enablePDB: false)` : undefined;
  }
  return undefined;
}

/** Why a PDB lets no pod be evicted (so a node drain never finishes), or undefined. */
function blocksEveryEviction(budget: KubernetesObject, replicas: number): string | undefined {
  const maxUnavailable = valueAt(budget, "spec.maxUnavailable");
  const minAvailable = valueAt(budget, "spec.minAvailable");
  if (maxUnavailable === 0 || maxUnavailable === "0%") {
    return "maxUnavailable: 0";
  }
  if (minAvailable === "100%" || (typeof minAvailable === "number" && minAvailable >= replicas)) {
    return `minAvailable: ${String(minAvailable)}`;
  }
  return undefined;
}

const labelList = (labels: Readonly<Record<string, string>>): string =>
  Object.entries(labels)
    .map(([key, value]) => `${key}: ${value}`)
    .join(", ");

/**
 * In production a node drain (a node group upgrade, the autoscaler scaling down) must not take
 * down a replicated service's quorum or all of its pods at once: every Deployment and StatefulSet
 * with more than one replica, every `MongoDBCommunity` with more than one member and every NIM
 * operator resource with more than one replica (at `spec.scale.hpa.minReplicas` when its HPA scales
 * it: the served models of `data-flywheel:serving`) has a PodDisruptionBudget in its namespace that
 * selects its pods and lets at least one be evicted. ECK (Elasticsearch) and CloudNativePG make
 * their own PDBs, so their resources are only checked for turning them off. Development clusters
 * are advised (`config/development.json`): a single-replica dev stack has nothing to protect. A
 * stack policy, because it asks whether some other object selects the workload's pods.
 */
export const podDisruptionBudget: StackValidationPolicy = {
  name: "pod-disruption-budget",
  description:
    "Every workload with more than one replica (Deployments, StatefulSets, MongoDBCommunity members, NIM operator resources) has a PodDisruptionBudget selecting its pods that lets at least one be evicted; ECK Elasticsearch and CloudNativePG make their own and must not turn them off. " +
    "Mandatory: a node drain or an autoscaler scale-down can otherwise evict every replica, or a quorum, at once.",
  enforcementLevel: "mandatory",
  severity: "medium",
  remediationSteps: "Add a policy/v1 PodDisruptionBudget in the workload's namespace with maxUnavailable: 1 and a selector matching its pod labels.",
  validateStack: (args, reportViolation) => {
    const objects = kubernetesObjectsIn(args.resources);
    const budgets = objects.filter(({ object }) => isKind(object, "policy", "PodDisruptionBudget")).map(({ object }) => object);
    for (const { object, resource } of objects) {
      const disabled = disabledOperatorBudget(object);
      if (disabled) {
        reportViolation(`${describeObject(object)} ${disabled}: a node drain can evict several of its pods at once. Fix: remove the setting, so the operator keeps its PodDisruptionBudget.`, resource.urn);
      }
      const workload = replicatedWorkload(object);
      if (!workload) {
        continue;
      }
      const namespace = namespaceOf(object);
      const selecting = budgets.filter(
        (budget) => namespaceOf(budget) === namespace && isRecord(budget.spec) && budget.spec.selector !== undefined && selectorMatches(budget.spec.selector as LabelSelector, workload.podLabels),
      );
      const fix = `Fix: add a PodDisruptionBudget in "${namespace}" with maxUnavailable: 1 and selector.matchLabels { ${labelList(workload.suggested)} }.`;
      if (selecting.length === 0) {
        reportViolation(
          `${describeObject(object)} runs ${workload.replicas} ${workload.unit} and no PodDisruptionBudget selects its pods (labels ${labelList(workload.podLabels) || "none"}): a node drain can evict them all at once. ${fix}`,
          resource.urn,
        );
        continue;
      }
      const blocking = selecting.map((budget) => [budget, blocksEveryEviction(budget, workload.replicas)] as const).filter(([, why]) => why !== undefined);
      if (blocking.length === selecting.length) {
        const [budget, why] = blocking[0];
        reportViolation(
          `${describeObject(object)} runs ${workload.replicas} ${workload.unit} and its PodDisruptionBudget "${budget.metadata.name ?? ""}" allows no eviction (${why ?? ""}): node drains never finish. ` +
            `Fix: set maxUnavailable: 1 on it (or minAvailable below ${workload.replicas}).`,
          resource.urn,
        );
      }
    }
  },
};
