/** A taint as the Kubernetes API writes it. */
export interface NodeTaint {
  readonly key: string;
  readonly value: string;
  readonly effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
}

/** What a node of a group will look like, for a group that currently has none. */
export interface NodeTemplate {
  readonly labels: Readonly<Record<string, string>>;
  readonly taints: readonly NodeTaint[];
  /** Extended resources a node will advertise, e.g. `nvidia.com/gpu: "1"`. */
  readonly resources: Readonly<Record<string, string>>;
}

const prefix = "k8s.io/cluster-autoscaler/node-template";

/**
 * Auto Scaling group tags that tell the Cluster Autoscaler what a node of an empty group would
 * offer. Without them it cannot know that scaling a GPU pool up from zero would let a pending GPU
 * pod schedule. EKS copies managed node group labels and taints into its own metadata, not onto the
 * Auto Scaling group, so these tags go on the group itself.
 */
export function nodeTemplateTags(template: NodeTemplate): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const [key, value] of Object.entries(template.labels)) {
    tags[`${prefix}/label/${key}`] = value;
  }
  for (const taint of template.taints) {
    tags[`${prefix}/taint/${taint.key}`] = `${taint.value}:${taint.effect}`;
  }
  for (const [name, quantity] of Object.entries(template.resources)) {
    tags[`${prefix}/resources/${name}`] = quantity;
  }
  return tags;
}

/** EKS node group taint effects are spelt differently from the Kubernetes API's. */
export function eksTaintEffect(effect: NodeTaint["effect"]): "NO_SCHEDULE" | "PREFER_NO_SCHEDULE" | "NO_EXECUTE" {
  switch (effect) {
    case "NoSchedule":
      return "NO_SCHEDULE";
    case "PreferNoSchedule":
      return "PREFER_NO_SCHEDULE";
    case "NoExecute":
      return "NO_EXECUTE";
  }
}
