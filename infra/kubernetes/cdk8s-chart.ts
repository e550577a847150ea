import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { Chart } from "cdk8s";

/**
 * Applies a synthesised cdk8s chart through Pulumi. The chart's objects become one ConfigGroup,
 * whose children Pulumi previews, diffs and deletes one by one. Charts hold no secret values (they
 * reference Secrets by name), so the group's inputs stay reviewable in a preview.
 */
export function applyChart(name: string, chart: Chart, opts: pulumi.ComponentResourceOptions): k8s.yaml.v2.ConfigGroup {
  return new k8s.yaml.v2.ConfigGroup(name, { objs: chart.toJson() }, opts);
}
