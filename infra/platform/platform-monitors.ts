import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { App, Chart } from "cdk8s";
import { flywheelApiPortName } from "../../constructs/flywheel/flywheel-api";
import { PodMonitor, ServiceMonitor } from "../../constructs/monitoring";
import { flywheelApiService, labelKeys } from "../../flywheel-job/src/contract";
import { applyChart } from "../kubernetes/cdk8s-chart";
import type { MonitorSelection } from "./monitor-selection";
import { namespaces } from "./namespaces";
import { cnpgMetricsPort, platformPods, postgresPodLabels } from "./network-paths";
import { secretsOperatorNaming } from "./secrets-operator";

export interface PlatformMonitorsArgs {
  /** The labels its Prometheus selects monitors by. */
  readonly selection: MonitorSelection;
  /** Whether the stack deploys the Flywheel API. */
  readonly flywheelApi: boolean;
  /** Whether the stack runs the External Secrets Operator, whose sync status then alerts. */
  readonly secretsOperator: boolean;
  /** prometheus-operator's CRDs (none with an `external` Prometheus) and the namespaces. */
  readonly dependsOn: readonly pulumi.Resource[];
  readonly provider: k8s.Provider;
}

/**
 * The monitors this stack writes itself, for what no chart or operator makes one for: the Flywheel
 * API's `/metrics`, and CloudNativePG's instances (a PodMonitor: the chart's own
 * `spec.monitoring.enablePodMonitor` is deprecated in CloudNativePG 1.28).
 */
export class PlatformMonitors extends pulumi.ComponentResource {
  constructor(name: string, args: PlatformMonitorsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("data-flywheel:platform:PlatformMonitors", name, {}, opts);
    const chart = new Chart(new App(), name);
    const monitorLabels = args.selection.monitorLabels;
    if (args.flywheelApi) {
      new ServiceMonitor(chart, "flywheel-api", {
        name: flywheelApiService.serviceName,
        namespace: namespaces.flywheel,
        monitorLabels,
        serviceSelector: { [labelKeys.component]: flywheelApiService.component },
        endpoints: [{ port: flywheelApiPortName, path: flywheelApiService.metricsPath }],
      });
    }
    // Every stack runs CloudNativePG: all of NeMo's databases, or Data Store's beside RDS (whose metrics are CloudWatch's).
    new PodMonitor(chart, "postgres", {
      name: platformPods.postgres.name,
      namespace: platformPods.postgres.namespace,
      monitorLabels,
      // The pods the isolation table admits Prometheus to: the same selector, one owner.
      podSelector: postgresPodLabels,
      endpoints: [{ port: cnpgMetricsPort.name }],
    });
    if (args.secretsOperator) {
      new PodMonitor(chart, "secrets-operator", {
        name: platformPods.secretsOperator.name,
        namespace: platformPods.secretsOperator.namespace,
        monitorLabels,
        // The pods the isolation table admits Prometheus to: the same labels, one owner.
        podSelector: secretsOperatorNaming.podLabels,
        endpoints: [{ port: secretsOperatorNaming.metricsPort.name }],
      });
    }
    applyChart(name, chart, { parent: this, provider: args.provider, dependsOn: [...args.dependsOn] });
    this.registerOutputs({});
  }
}
