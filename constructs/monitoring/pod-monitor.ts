import { Construct } from "constructs";
import { resourceLabel } from "../common/errors";
import { validateNodeSelector, validatePodSelectorLabels } from "../common/labels";
import { validateLabelName, validateNamespace } from "../common/names";
import { PodMonitor as PodMonitorObject, PodMonitorSpecPodMetricsEndpointsScheme } from "../imports/prometheus-operator-v0.93.1/podmonitor-monitoring.coreos.com";
import { monitorObjectLabels } from "./monitor-labels";
import { endpointFields, type ScrapeEndpoint, validateScrapeEndpoints } from "./scrape-endpoint";

export interface PodMonitorProps {
  readonly name: string;
  /** The namespace of the pods it selects; the monitor sits beside them and selects only there. */
  readonly namespace: string;
  /** The labels its Prometheus selects monitors by: `MonitorSelection.monitorLabels` of the stack. */
  readonly monitorLabels: Readonly<Record<string, string>>;
  /** The labels of the pods to scrape; at least one. */
  readonly podSelector: Readonly<Record<string, string>>;
  /** The pods' container ports to scrape, by name. */
  readonly endpoints: readonly ScrapeEndpoint[];
  /**
   * Labels of its own, besides the selection labels (which they may not override).
   * @default none
   */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * A prometheus-operator PodMonitor: Prometheus scrapes the pods it selects directly, in its own
 * namespace, for pods no Service fronts on their metrics port (CloudNativePG's instances). It
 * carries the labels its Prometheus selects monitors by, and the stack declares it after
 * prometheus-operator's CRDs.
 */
export class PodMonitor extends Construct {
  readonly monitor: PodMonitorObject;

  constructor(scope: Construct, id: string, props: PodMonitorProps) {
    super(scope, id);
    const owner = resourceLabel("PodMonitor", props.namespace, props.name);
    validateLabelName(owner, "name", props.name);
    validateNamespace(owner, props.namespace);
    validatePodSelectorLabels(owner, "podSelector", props.podSelector);
    validateNodeSelector(owner, "podSelector", props.podSelector);
    validateScrapeEndpoints(owner, "endpoints", props.endpoints);
    const labels = monitorObjectLabels(owner, props.monitorLabels, props.labels);
    this.monitor = new PodMonitorObject(this, "monitor", {
      metadata: { name: props.name, namespace: props.namespace, labels },
      spec: {
        selector: { matchLabels: { ...props.podSelector } },
        podMetricsEndpoints: props.endpoints.map((e) => ({
          ...endpointFields(e),
          scheme: e.scheme === "https" ? PodMonitorSpecPodMetricsEndpointsScheme.HTTPS : PodMonitorSpecPodMetricsEndpointsScheme.HTTP,
        })),
      },
    });
  }
}
