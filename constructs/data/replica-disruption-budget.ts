import { k8s } from "cdk8s-plus-28";
import { Construct } from "constructs";
import { resourceLabel } from "../common/errors";
import { validateInteger } from "../common/integers";
import { validateNodeSelector, validatePodSelectorLabels } from "../common/labels";
import { validateLabelName, validateNamespace } from "../common/names";

export interface ReplicaDisruptionBudgetProps {
  /** Name of the PodDisruptionBudget. */
  readonly name: string;
  readonly namespace: string;
  /**
   * The selector labels of the StatefulSet (or Deployment) that runs the replicas, exactly: with
   * `maxUnavailable`, Kubernetes counts the pods against their controller's replicas, and a
   * selector wider than the controller's would count pods of other controllers too.
   */
  readonly podSelector: Readonly<Record<string, string>>;
  /**
   * How many replicas the service runs, at least 2: with one, a budget of one unavailable pod
   * protects nothing (and one of none would block every node drain).
   */
  readonly replicas: number;
  /** Labels of the PodDisruptionBudget itself. */
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * A PodDisruptionBudget for a replicated service: a node drain, a node-group upgrade or the Cluster
 * Autoscaler's scale-down evicts at most one replica at a time, so a replica set keeps its majority
 * (MongoDB) while nodes come and go. Crashes and node failures are not voluntary and not covered.
 */
export class ReplicaDisruptionBudget extends Construct {
  readonly budget: k8s.KubePodDisruptionBudget;

  constructor(scope: Construct, id: string, props: ReplicaDisruptionBudgetProps) {
    super(scope, id);
    const owner = resourceLabel("PodDisruptionBudget", props.namespace, props.name);
    validateLabelName(owner, "name", props.name);
    validateNamespace(owner, props.namespace);
    validatePodSelectorLabels(owner, "podSelector", props.podSelector);
    validateNodeSelector(owner, "podSelector", props.podSelector);
    validateInteger(owner, "replicas", props.replicas, 2);
    this.budget = new k8s.KubePodDisruptionBudget(this, "budget", {
      metadata: { name: props.name, namespace: props.namespace, labels: { ...props.labels } },
      spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: { ...props.podSelector } } },
    });
  }
}
