import { Construct } from "constructs";
import { k8s } from "cdk8s-plus-28";
import { nimPort as candidateNimPort } from "../../flywheel-job/src/contract";
import { resourceLabel } from "../common/errors";
import { validatePodSelectorLabels } from "../common/labels";

/** A namespace and the TCP ports reachable in it. */
export interface NamespacePorts {
  readonly namespace: string;
  readonly ports: readonly number[];
}

export interface FlywheelNetworkPoliciesProps {
  /** The flywheel namespace the policies protect. */
  readonly namespace: string;
  /** Labels of the flywheel Job's pods. */
  readonly jobPodLabels: Readonly<Record<string, string>>;
  /** Labels of the candidate NIM pods a run creates. */
  readonly nimPodLabels: Readonly<Record<string, string>>;
  /** Data services the job talks to (Elasticsearch, MongoDB, Redis). */
  readonly dataServices: NamespacePorts;
  /**
   * NeMo microservices (and the judge and embedding NIMs) the job and its NIMs talk to: the ports
   * their pods listen on, which NetworkPolicies match (not the Services' ports).
   */
  readonly nemoServices: NamespacePorts;
  /**
   * Namespace of the NIM operator, which asks each NIM for its models (`/v1/models`) before it
   * reports the NIMService Ready.
   */
  readonly nimOperatorNamespace: string;
  /**
   * Port the candidate NIMs serve on.
   * @default nimPort of the job's contract (8000)
   */
  readonly nimPort?: number;
  /**
   * Ports reached over the internet and on the Kubernetes API: the API server (443 on EKS, 6443 on
   * kubeadm-style clusters, 8443 on minikube), a remote judge or embedding endpoint and NGC, all
   * HTTPS. Vanilla NetworkPolicy cannot name hosts, so these ports are open to any address, for
   * every pod but the candidate NIMs, which serve untrusted prompts and need none of it.
   * @default [443, 6443]
   */
  readonly httpsPorts?: readonly number[];
}

const nameLabel = "kubernetes.io/metadata.name";

function tcp(ports: readonly number[]): k8s.NetworkPolicyPort[] {
  return ports.map((port) => ({ protocol: "TCP", port: k8s.IntOrString.fromNumber(port) }));
}

function inNamespace(namespace: string): k8s.NetworkPolicyPeer {
  return { namespaceSelector: { matchLabels: { [nameLabel]: namespace } } };
}

/**
 * The flywheel namespace denies all traffic by default, then allows exactly what a run needs: DNS,
 * HTTPS out (Kubernetes API, remote judge, NGC) for all but the NIMs, the job to the data and NeMo
 * services and to its NIMs, and into the NIMs NeMo (whose evaluation workflows call them) and the
 * NIM operator (which checks them before reporting them Ready).
 */
export class FlywheelNetworkPolicies extends Construct {
  constructor(scope: Construct, id: string, props: FlywheelNetworkPoliciesProps) {
    super(scope, id);
    // The policies have fixed names, so messages name the set by the construct's id.
    const owner = resourceLabel("FlywheelNetworkPolicies", props.namespace, id);
    validatePodSelectorLabels(owner, "jobPodLabels", props.jobPodLabels);
    validatePodSelectorLabels(owner, "nimPodLabels", props.nimPodLabels);
    const nimPort = props.nimPort ?? candidateNimPort;
    const metadata = (name: string): { name: string; namespace: string } => ({ name, namespace: props.namespace });
    const job = { matchLabels: { ...props.jobPodLabels } };
    const nims = { matchLabels: { ...props.nimPodLabels } };

    new k8s.KubeNetworkPolicy(this, "default-deny", {
      metadata: metadata("default-deny"),
      spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
    });
    new k8s.KubeNetworkPolicy(this, "dns", {
      metadata: metadata("allow-dns"),
      spec: {
        podSelector: {},
        policyTypes: ["Egress"],
        egress: [
          {
            to: [{ ...inNamespace("kube-system"), podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
            ports: [
              { protocol: "UDP", port: k8s.IntOrString.fromNumber(53) },
              { protocol: "TCP", port: k8s.IntOrString.fromNumber(53) },
            ],
          },
        ],
      },
    });
    const notNims = { matchExpressions: Object.entries(props.nimPodLabels).map(([key, value]) => ({ key, operator: "NotIn", values: [value] })) };
    new k8s.KubeNetworkPolicy(this, "https", {
      metadata: metadata("allow-https-egress"),
      spec: { podSelector: notNims, policyTypes: ["Egress"], egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: tcp(props.httpsPorts ?? [443, 6443]) }] },
    });
    new k8s.KubeNetworkPolicy(this, "job", {
      metadata: metadata("allow-flywheel-job-egress"),
      spec: {
        podSelector: job,
        policyTypes: ["Egress"],
        egress: [
          { to: [inNamespace(props.dataServices.namespace)], ports: tcp(props.dataServices.ports) },
          { to: [inNamespace(props.nemoServices.namespace)], ports: tcp(props.nemoServices.ports) },
          { to: [{ podSelector: nims }], ports: tcp([nimPort]) },
        ],
      },
    });
    new k8s.KubeNetworkPolicy(this, "nim-ingress", {
      metadata: metadata("allow-nim-ingress"),
      spec: {
        podSelector: nims,
        policyTypes: ["Ingress"],
        ingress: [{ from: [{ podSelector: job }, inNamespace(props.nemoServices.namespace), inNamespace(props.nimOperatorNamespace)], ports: tcp([nimPort]) }],
      },
    });
    new k8s.KubeNetworkPolicy(this, "nim-egress", {
      metadata: metadata("allow-nim-egress"),
      // LoRA adapters come from Entity Store and Data Store.
      spec: { podSelector: nims, policyTypes: ["Egress"], egress: [{ to: [inNamespace(props.nemoServices.namespace)], ports: tcp(props.nemoServices.ports) }] },
    });
  }
}
