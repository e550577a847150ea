import { Construct } from "constructs";
import { resourceLabel } from "../common/errors";
import { validateNodeSelector, validatePodSelectorLabels } from "../common/labels";
import { validateLabelName, validateNamespace } from "../common/names";
import { ServiceMonitor as ServiceMonitorObject, ServiceMonitorSpecEndpointsScheme } from "../imports/prometheus-operator-v0.93.1/servicemonitor-monitoring.coreos.com";
import { monitorObjectLabels } from "./monitor-labels";
import { endpointFields, type ScrapeEndpoint, validateScrapeEndpoints } from "./scrape-endpoint";

export interface ServiceMonitorProps {
  readonly name: string;
  /** The namespace of the Services it selects; the monitor sits beside them and selects only there. */
  readonly namespace: string;
  /** The labels its Prometheus selects monitors by: `MonitorSelection.monitorLabels` of the stack. */
  readonly monitorLabels: Readonly<Record<string, string>>;
  /** The labels of the Services to scrape; at least one. */
  readonly serviceSelector: Readonly<Record<string, string>>;
  /** The Services' ports to scrape. */
  readonly endpoints: readonly ScrapeEndpoint[];
  /**
   * Labels of its own, besides the selection labels (which they may not override).
   * @default none
   */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * A prometheus-operator ServiceMonitor: Prometheus scrapes the endpoints of the Services it
 * selects, in its own namespace. It carries the labels its Prometheus selects monitors by, and the
 * stack declares it after prometheus-operator's CRDs.
 */
export class ServiceMonitor extends Construct {
  readonly monitor: ServiceMonitorObject;

  constructor(scope: Construct, id: string, props: ServiceMonitorProps) {
    super(scope, id);
    const owner = resourceLabel("ServiceMonitor", props.namespace, props.name);
    validateLabelName(owner, "name", props.name);
    validateNamespace(owner, props.namespace);
    validatePodSelectorLabels(owner, "serviceSelector", props.serviceSelector);
    validateNodeSelector(owner, "serviceSelector", props.serviceSelector);
    validateScrapeEndpoints(owner, "endpoints", props.endpoints);
    const labels = monitorObjectLabels(owner, props.monitorLabels, props.labels);
    this.monitor = new ServiceMonitorObject(this, "monitor", {
      metadata: { name: props.name, namespace: props.namespace, labels },
      spec: {
        selector: { matchLabels: { ...props.serviceSelector } },
        endpoints: props.endpoints.map((e) => ({
          ...endpointFields(e),
          scheme: e.scheme === "https" ? ServiceMonitorSpecEndpointsScheme.HTTPS : ServiceMonitorSpecEndpointsScheme.HTTP,
        })),
      },
    });
  }
}
