import { isRecord } from "./values";

/** What a policy reads of a `helm.sh/v3:Release` or `helm.sh/v4:Chart`. */
export interface HelmReleaseInputs {
  readonly chart?: string;
  readonly version?: string;
  readonly devel?: boolean;
  readonly repositoryOpts?: { readonly repo?: string };
  readonly values: Readonly<Record<string, unknown>>;
}

const helmTypes = new Set(["kubernetes:helm.sh/v3:Release", "kubernetes:helm.sh/v4:Chart"]);

/** The Helm release a resource declares, if it declares one. */
export function helmReleaseOf(type: string, props: Record<string, unknown>): HelmReleaseInputs | undefined {
  if (!helmTypes.has(type)) {
    return undefined;
  }
  return { ...(props as Omit<HelmReleaseInputs, "values">), values: isRecord(props.values) ? props.values : {} };
}

/** `cluster-autoscaler` for `cluster-autoscaler`, `autoscaler/cluster-autoscaler` or `oci://…/cluster-autoscaler`. */
export function chartName(chart: string | undefined): string {
  return (chart ?? "").replace(/\/+$/, "").split("/").pop() ?? "";
}
