import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { pinnedRelease, type HelmChartPin } from "../kubernetes/helm";

export interface GpuOperatorArgs {
  readonly chart: HelmChartPin;
  readonly namespace: pulumi.Input<string>;
  /** Install the driver (off when the node image has it, as the EKS AL2023 NVIDIA AMI does). */
  readonly driver: boolean;
  /** Install the container toolkit (same). */
  readonly toolkit: boolean;
  /**
   * The labels its Prometheus selects monitors by (`MonitorSelection.monitorLabels`): the operator then
   * creates the DCGM exporter's ServiceMonitor with them. Absent when monitoring is off: no monitor.
   */
  readonly monitorLabels?: Readonly<Record<string, string>>;
  /** What the ServiceMonitor waits for: prometheus-operator's CRDs (`MonitoringStack.dependencies`). */
  readonly dependsOn?: readonly pulumi.Resource[];
  readonly provider: k8s.Provider;
}

/**
 * The NVIDIA GPU Operator, set for the node image: it always runs the device plugin (the only one
 * in the cluster), GPU feature discovery (`nvidia.com/gpu.product` labels) and the DCGM exporter;
 * driver and toolkit only where the nodes lack them.
 */
export class GpuOperator extends pulumi.ComponentResource {
  readonly release: k8s.helm.v3.Release;

  constructor(name: string, args: GpuOperatorArgs, opts?: pulumi.ComponentResourceOptions) {
    super("data-flywheel:platform:GpuOperator", name, {}, opts);
    this.release = pinnedRelease(name, {
      chart: args.chart,
      releaseName: "gpu-operator",
      namespace: args.namespace,
      values: {
        driver: { enabled: args.driver },
        toolkit: { enabled: args.toolkit },
        devicePlugin: { enabled: true },
        gfd: { enabled: true },
        nfd: { enabled: true },
        dcgmExporter: {
          enabled: true,
          // The operator (not Helm) creates it, from the ClusterPolicy, once the CRD exists.
          ...(args.monitorLabels ? { serviceMonitor: { enabled: true, additionalLabels: { ...args.monitorLabels } } } : {}),
        },
        // No MIG partitioning on these pools; the manager would only add a DaemonSet per GPU node.
        migManager: { enabled: false },
        // The operator itself has no GPU toleration, so it stays off the tainted GPU nodes.
        operator: { resources: { requests: { cpu: "200m", memory: "256Mi" }, limits: { cpu: "500m", memory: "512Mi" } } },
      },
      // GPU nodes boot from zero and pull large images before the validator passes.
      timeoutSeconds: 1200,
    }, { parent: this, provider: args.provider, dependsOn: [...(args.dependsOn ?? [])] });
    this.registerOutputs({});
  }
}
