import { fail } from "./errors";

/** A label key: an optional DNS prefix, then a name of at most 63 characters. */
export const labelKey = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
/** A non-empty label value of at most 63 characters. */
export const labelValue = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

/** Node selector labels: keys may carry a DNS prefix; values are labels of at most 63 characters. */
export function validateNodeSelector(owner: string, prop: string, selector: Readonly<Record<string, string>>): void {
  for (const [key, value] of Object.entries(selector)) {
    if (!labelKey.test(key)) {
      fail(owner, `${prop} key "${key}" is not a label key`);
    }
    if (value !== "" && !labelValue.test(value)) {
      fail(owner, `${prop}["${key}"] "${value}" is not a label value`);
    }
  }
}

/** Labels a policy or a Service selects pods by: at least one, or the selector would match every pod. */
export function validatePodSelectorLabels(owner: string, prop: string, labels: Readonly<Record<string, string>>): void {
  if (Object.keys(labels).length === 0) {
    fail(owner, `${prop} must name at least one label, or it would select every pod of the namespace`);
  }
}

/** Labels every object of the data services carries. */
export function standardLabels(name: string, component: string): Record<string, string> {
  return {
    "app.kubernetes.io/name": component,
    "app.kubernetes.io/instance": name,
    "app.kubernetes.io/part-of": "data-flywheel",
  };
}
