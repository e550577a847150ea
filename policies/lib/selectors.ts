/** Kubernetes label selectors (`metav1.LabelSelector`), as PodDisruptionBudgets and admission bindings use them. */

export interface LabelSelectorRequirement {
  readonly key: string;
  readonly operator: string;
  readonly values?: readonly string[];
}

export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly LabelSelectorRequirement[];
}

/** The label every namespace carries with its own name (Kubernetes sets it since 1.22). */
export const namespaceNameLabel = "kubernetes.io/metadata.name";

function requirementMatches(requirement: LabelSelectorRequirement, labels: Readonly<Record<string, string>>): boolean {
  const value = labels[requirement.key];
  const values = requirement.values ?? [];
  switch (requirement.operator) {
    case "In":
      return value !== undefined && values.includes(value);
    case "NotIn":
      return value === undefined || !values.includes(value);
    case "Exists":
      return value !== undefined;
    case "DoesNotExist":
      return value === undefined;
    default:
      // An operator Kubernetes does not know selects nothing (the API server would refuse it).
      return false;
  }
}

/**
 * True when the selector selects an object with these labels. An empty selector selects
 * everything, as it does for a PodDisruptionBudget (policy/v1) and an admission binding's
 * namespace selector.
 */
export function selectorMatches(selector: LabelSelector | undefined, labels: Readonly<Record<string, string>>): boolean {
  const matchLabels = Object.entries(selector?.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
  return matchLabels && (selector?.matchExpressions ?? []).every((requirement) => requirementMatches(requirement, labels));
}
