import { k8s } from "cdk8s-plus-28";
import { Construct } from "constructs";
import { resourceLabel } from "../common/errors";
import { validatePodSelectorLabels } from "../common/labels";

export interface ArgoServerAccessProps {
  /** Namespace of the Argo Workflows server (and of NeMo Evaluator, its only client). */
  readonly namespace: string;
  /** Labels of the server's pods. */
  readonly serverPodLabels: Readonly<Record<string, string>>;
  /**
   * Port the server listens on.
   * @default 2746
   */
  readonly port?: number;
}

/**
 * Only pods of its own namespace may reach the Argo Workflows server. Evaluator submits workflows
 * without a client token, so whoever reaches the server can run workflows as it.
 */
export class ArgoServerAccess extends Construct {
  constructor(scope: Construct, id: string, props: ArgoServerAccessProps) {
    super(scope, id);
    const name = "argo-server-same-namespace";
    validatePodSelectorLabels(resourceLabel("ArgoServerAccess", props.namespace, name), "serverPodLabels", props.serverPodLabels);
    new k8s.KubeNetworkPolicy(this, "Policy", {
      metadata: { name, namespace: props.namespace },
      spec: {
        podSelector: { matchLabels: { ...props.serverPodLabels } },
        policyTypes: ["Ingress"],
        ingress: [{ from: [{ podSelector: {} }], ports: [{ protocol: "TCP", port: k8s.IntOrString.fromNumber(props.port ?? 2746) }] }],
      },
    });
  }
}
