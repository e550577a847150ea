import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { Chart } from "cdk8s";

/** A Kubernetes object as cdk8s synthesises it. */
interface ManifestObject {
  readonly kind?: string;
  readonly metadata?: { readonly annotations?: Record<string, string> };
  readonly spec?: { readonly activeDeadlineSeconds?: number };
}

/**
 * Pulumi waits for a Job to complete, by default for ten minutes. A Job that may legitimately run
 * longer (a bootstrap Job retrying until its database is up) would then fail the update, so Pulumi
 * waits as long as the Job itself may run, plus a minute.
 */
export function withJobTimeouts(objects: readonly unknown[]): unknown[] {
  return objects.map((object) => {
    const o = object as ManifestObject;
    const deadline = o.spec?.activeDeadlineSeconds;
    if (o.kind !== "Job" || deadline === undefined) {
      return object;
    }
    return { ...o, metadata: { ...o.metadata, annotations: { ...o.metadata?.annotations, "pulumi.com/timeoutSeconds": String(deadline + 60) } } };
  });
}

/**
 * Applies a synthesised cdk8s chart through Pulumi. The chart's objects become one ConfigGroup,
 * whose children Pulumi previews, diffs and deletes one by one. Charts hold no secret values (they
 * reference Secrets by name), so the group's inputs stay reviewable in a preview.
 */
export function applyChart(name: string, chart: Chart, opts: pulumi.ComponentResourceOptions): k8s.yaml.v2.ConfigGroup {
  return new k8s.yaml.v2.ConfigGroup(name, { objs: withJobTimeouts(chart.toJson()) }, opts);
}

/**
 * Applies a cdk8s chart that renders a value Pulumi learns only as it deploys (a certificate's
 * expiry): the chart is built once the value is known, the ConfigGroup itself is declared now, so
 * the resource graph does not depend on the value. In a preview before the value exists the
 * group's objects are unknown, and Pulumi shows them as such.
 */
export function applyChartOf<T>(name: string, value: pulumi.Output<T>, build: (known: T) => Chart, opts: pulumi.ComponentResourceOptions): k8s.yaml.v2.ConfigGroup {
  return new k8s.yaml.v2.ConfigGroup(name, { objs: value.apply((known) => withJobTimeouts(build(known).toJson())) }, opts);
}
