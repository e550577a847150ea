import { ApiObject } from "cdk8s";
import { k8s } from "cdk8s-plus-28";
import { Construct } from "constructs";
import { fail, resourceLabel } from "../../common/errors";
import { validateNodeSelector } from "../../common/labels";
import { validateNamespace, validateObjectName } from "../../common/names";
import type { Dashboard } from "./dashboard-model";

/**
 * The largest dashboard ConfigMap, in bytes of its JSON: Kubernetes caps an object's annotations at
 * 256 KiB, and a client-side `kubectl apply` of it stores the whole object in one.
 */
export const dashboardConfigMapMaxBytes = 256 * 1024;

export interface GrafanaDashboardProps {
  /** The ConfigMap's name. */
  readonly name: string;
  /** Its namespace: one the Grafana sidecar searches. */
  readonly namespace: string;
  /** The label the Grafana sidecar loads dashboard ConfigMaps by: `MonitorSelection.dashboardLabel` of the stack. */
  readonly dashboardLabel: { readonly name: string; readonly value: string };
  /** The dashboard; its JSON goes under the key `<uid>.json`. */
  readonly dashboard: Dashboard;
}

/**
 * A Grafana dashboard as a ConfigMap the Grafana sidecar (kube-prometheus-stack's, or an existing
 * one's) picks up by its label and loads from `<uid>.json`. Refused when the ConfigMap would be
 * larger than `dashboardConfigMapMaxBytes`.
 */
export class GrafanaDashboard extends Construct {
  readonly configMap: k8s.KubeConfigMap;
  /** The ConfigMap's size, in bytes of its JSON. */
  readonly bytes: number;

  constructor(scope: Construct, id: string, props: GrafanaDashboardProps) {
    super(scope, id);
    const owner = resourceLabel("ConfigMap", props.namespace, props.name);
    validateObjectName(owner, "name", props.name);
    validateNamespace(owner, props.namespace);
    validateNodeSelector(owner, "dashboardLabel", { [props.dashboardLabel.name]: props.dashboardLabel.value });
    this.configMap = new k8s.KubeConfigMap(this, "dashboard", {
      metadata: { name: props.name, namespace: props.namespace, labels: { [props.dashboardLabel.name]: props.dashboardLabel.value } },
      data: { [`${props.dashboard.uid}.json`]: JSON.stringify(props.dashboard, null, 2) },
    });
    this.bytes = Buffer.byteLength(JSON.stringify(ApiObject.of(this.configMap).toJson()), "utf8");
    if (this.bytes > dashboardConfigMapMaxBytes) {
      fail(owner, `dashboard "${props.dashboard.uid}" makes a ConfigMap of ${this.bytes} bytes, over the ${dashboardConfigMapMaxBytes} (256 KiB) a dashboard ConfigMap may have; split it or drop panels`);
    }
  }
}
