import { k8s } from "cdk8s-plus-28";
import { Construct } from "constructs";
import { judgeProxyService, nodeOptionsFor } from "../../flywheel-job/src/contract";
import { type ComputeResources, resourceRequirements, validateComputeResources } from "../common/compute-resources";
import { fail, resourceLabel } from "../common/errors";
import { validateHttpUrl } from "../common/http-urls";
import { isPinnedByDigest } from "../common/images";
import { standardLabels, validateNodeSelector } from "../common/labels";
import { validateLabelName, validateNamespace } from "../common/names";
import { memoryMebibytes } from "../common/quantities";
import { type SecretKeyReference, resolveSecretKey } from "../common/secrets";
import { jobImageUser, nonRootPodSecurityContext, restrictedContainerSecurityContext } from "../common/security-contexts";

export interface JudgeProxyProps {
  /** Name of the Deployment and of the Service the evaluations call. */
  readonly name: string;
  readonly namespace: string;
  /** The flywheel job image (the proxy is its `judge-proxy` command), pinned by digest (`registry/repository@sha256:…`). */
  readonly image: string;
  /** The remote judge's OpenAI-compatible base URL, `https://…` (e.g. `https://integrate.api.nvidia.com/v1`). */
  readonly upstreamUrl: string;
  /** The key of the Secret (in `namespace`) holding the judge's API key; only that key is mounted, as a file. */
  readonly apiKey: SecretKeyReference;
  /**
   * CPU and memory of the proxy container.
   * @default requests 50m / 96Mi, limits 500m / 256Mi
   */
  readonly resources?: ComputeResources;
  /**
   * Node labels the pod must run on.
   * @default - any node
   */
  readonly nodeSelector?: Readonly<Record<string, string>>;
}

const defaultResources: ComputeResources = { requests: { cpu: "50m", memory: "96Mi" }, limits: { cpu: "500m", memory: "256Mi" } };
const keyDirectory = "/etc/judge-proxy";
const keyFile = "api-key";
const portName = "http";

/**
 * The judge proxy (`flywheel judge-proxy`): a Deployment of the job image that forwards the
 * evaluations' chat completions to the remote judge with its API key, and the ClusterIP Service they
 * call on `judgeProxyService.port`. The key Secret is mounted read-only as one file, which the proxy
 * reads for every request, so a rotated key is used without a restart; nothing else of the cluster
 * is mounted (no service-account token). Non-root, read-only root filesystem, no capabilities,
 * RuntimeDefault seccomp, bounded resources, probes on `/healthz`.
 */
export class JudgeProxy extends Construct {
  /** The ClusterIP Service's name. */
  readonly serviceName: string;
  /** `http://<name>.<namespace>.svc.cluster.local:<port>/v1`: the OpenAI-compatible base URL the evaluations use. */
  readonly baseUrl: string;
  /** Labels of the proxy's pods, which NetworkPolicies select it by. */
  readonly podLabels: Readonly<Record<string, string>>;
  readonly deployment: k8s.KubeDeployment;

  constructor(scope: Construct, id: string, props: JudgeProxyProps) {
    super(scope, id);
    const owner = resourceLabel("JudgeProxy", props.namespace, props.name);
    validateLabelName(owner, "name", props.name);
    validateNamespace(owner, props.namespace);
    if (!isPinnedByDigest(props.image)) {
      fail(owner, `image "${props.image}" must be pinned by digest (registry/repository@sha256:<digest>), so the proxy runs the program the job image was reviewed as`);
    }
    const upstreamUrl = validateHttpUrl(owner, "upstreamUrl", props.upstreamUrl);
    if (!upstreamUrl.startsWith("https://")) {
      fail(owner, `upstreamUrl "${props.upstreamUrl}" must be an https:// URL: the judge's API key travels with every request`);
    }
    const apiKey = resolveSecretKey(owner, "apiKey", props.apiKey);
    const resources = props.resources ?? defaultResources;
    validateComputeResources(owner, "resources", resources);
    if (props.nodeSelector !== undefined) validateNodeSelector(owner, "nodeSelector", props.nodeSelector);

    this.serviceName = props.name;
    this.baseUrl = `http://${props.name}.${props.namespace}.svc.cluster.local:${judgeProxyService.port}${judgeProxyService.apiBasePath}`;
    const selector = { "app.kubernetes.io/component": judgeProxyService.component, "app.kubernetes.io/instance": props.name };
    const labels = { ...standardLabels(props.name, judgeProxyService.component), ...selector };
    this.podLabels = labels;
    const metadata = { name: props.name, namespace: props.namespace, labels };

    new k8s.KubeService(this, "service", {
      metadata,
      spec: { type: "ClusterIP", selector, ports: [{ name: portName, port: judgeProxyService.port, targetPort: k8s.IntOrString.fromString(portName) }] },
    });

    const probe = (failureThreshold: number): k8s.Probe => ({
      httpGet: { path: judgeProxyService.healthPath, port: k8s.IntOrString.fromString(portName) },
      periodSeconds: 10,
      timeoutSeconds: 3,
      failureThreshold,
    });
    this.deployment = new k8s.KubeDeployment(this, "deployment", {
      metadata,
      spec: {
        // One replica: the evaluations retry a failed judge call and a run's checks wait for the
        // proxy, so a restart delays scoring, it does not fail it. A second replica (and a
        // PodDisruptionBudget) would only buy availability the judge itself, remote, does not promise.
        replicas: 1,
        revisionHistoryLimit: 3,
        selector: { matchLabels: selector },
        // The new pod is ready before the old one stops: an update never leaves the evaluations without a judge.
        strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: k8s.IntOrString.fromNumber(1), maxUnavailable: k8s.IntOrString.fromNumber(0) } },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: nonRootPodSecurityContext(jobImageUser),
            nodeSelector: props.nodeSelector === undefined ? undefined : { ...props.nodeSelector },
            // The requests in flight finish after SIGTERM, each within the upstream timeout.
            terminationGracePeriodSeconds: judgeProxyService.upstreamTimeoutSeconds + 10,
            containers: [{
              name: "judge-proxy",
              image: props.image,
              // Pinned by digest: what is on the node is exactly what was asked for.
              imagePullPolicy: "IfNotPresent",
              args: judgeProxyService.arguments(upstreamUrl, `${keyDirectory}/${keyFile}`),
              env: [{ name: "NODE_OPTIONS", value: nodeOptionsFor(memoryMebibytes(resources.limits.memory)) }],
              ports: [{ name: portName, containerPort: judgeProxyService.port }],
              readinessProbe: probe(3),
              livenessProbe: probe(6),
              resources: resourceRequirements(resources),
              securityContext: restrictedContainerSecurityContext(),
              volumeMounts: [{ name: "api-key", mountPath: keyDirectory, readOnly: true }],
            }],
            volumes: [{
              name: "api-key",
              // Only the judge's key, readable by the image's group (the pod's fsGroup), no one else.
              secret: { secretName: apiKey.name, items: [{ key: apiKey.key, path: keyFile }], defaultMode: 0o440 },
            }],
          },
        },
      },
    });
  }
}
