import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/** A Helm chart at an exact version from an exact repository. */
export interface HelmChartPin {
  readonly repository: string;
  readonly chart: string;
  readonly version: string;
}

export interface PinnedReleaseArgs {
  readonly chart: HelmChartPin;
  /** Release name in the cluster. */
  readonly releaseName: string;
  readonly namespace: pulumi.Input<string>;
  readonly values: pulumi.Input<Record<string, unknown>>;
  /**
   * Leave the chart's `crds/` out: this project declares those CRDs itself so custom resources can
   * be previewed before the chart is installed.
   * @default false
   */
  readonly skipCrds?: boolean;
  /**
   * Login for a chart repository that needs one (NGC's private repositories). The password is a
   * Pulumi secret and never reaches the release's values.
   * @default none
   */
  readonly repositoryLogin?: { readonly username: string; readonly password: pulumi.Input<string> };
  /**
   * Seconds Helm waits for the release's resources to become ready.
   * @default 600
   */
  readonly timeoutSeconds?: number;
}

/**
 * A Helm release pinned to a chart version and repository, rolled back if it does not become
 * ready, so a half-installed operator never stays behind.
 */
export function pinnedRelease(name: string, args: PinnedReleaseArgs, opts: pulumi.CustomResourceOptions): k8s.helm.v3.Release {
  return new k8s.helm.v3.Release(name, {
    name: args.releaseName,
    namespace: args.namespace,
    repositoryOpts: { repo: args.chart.repository, ...(args.repositoryLogin ?? {}) },
    chart: args.chart.chart,
    version: args.chart.version,
    values: args.values,
    skipCrds: args.skipCrds ?? false,
    atomic: true,
    cleanupOnFail: true,
    timeout: args.timeoutSeconds ?? 600,
  }, opts);
}
