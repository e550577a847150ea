import { k8s } from "cdk8s-plus-28";
import { Construct } from "constructs";

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
    if (Object.keys(props.serverPodLabels).length === 0) {
      throw new Error("ArgoServerAccess: serverPodLabels must name at least one label, or the policy would select every pod of the namespace");
    }
    new k8s.KubeNetworkPolicy(this, "Policy", {
      metadata: { name: "argo-server-same-namespace", namespace: props.namespace },
      spec: {
        podSelector: { matchLabels: { ...props.serverPodLabels } },
        policyTypes: ["Ingress"],
        ingress: [{ from: [{ podSelector: {} }], ports: [{ protocol: "TCP", port: k8s.IntOrString.fromNumber(props.port ?? 2746) }] }],
      },
    });
  }
}
