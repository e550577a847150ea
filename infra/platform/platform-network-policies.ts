import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { App, Chart } from "cdk8s";
import { NamespaceNetworkPolicies } from "../../constructs/network/namespace-network-policies";
import { applyChart } from "../kubernetes/cdk8s-chart";
import { type NetworkPathsInput, platformNetworkPaths } from "./network-paths";

/**
 * Every namespace the stack creates denies all traffic by default and allows the paths of
 * `platformNetworkPaths`, applied as one ConfigGroup; `opts` must make it wait for the namespaces.
 */
export function applyPlatformNetworkPolicies(name: string, input: NetworkPathsInput, opts: pulumi.ComponentResourceOptions): k8s.yaml.v2.ConfigGroup {
  const chart = new Chart(new App(), "platform-network-policies");
  new NamespaceNetworkPolicies(chart, "platform", { namespaces: input.namespaces, paths: platformNetworkPaths(input) });
  return applyChart(name, chart, opts);
}
