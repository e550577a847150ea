import { k8s } from "cdk8s-plus-28";
import { Construct } from "constructs";
import { type ComputeResources, resourceRequirements, validateComputeResources } from "../common/compute-resources";
import { fail, resourceLabel } from "../common/errors";
import { validatePinnedReference } from "../common/images";
import { standardLabels, validateNodeSelector } from "../common/labels";
import { validateDataKey, validateLabelName, validateNamespace, validateObjectName } from "../common/names";
import { nonRootPodSecurityContext, restrictedContainerSecurityContext } from "../common/security-contexts";

/** The exporter's metrics port (elasticsearch_exporter's default `--web.listen-address` :9114), by name and number. */
export const elasticsearchExporterPort = { name: "metrics", port: 9114 } as const;

/** The component label of the exporter's pods and Service (`app.kubernetes.io/component`). */
export const elasticsearchExporterComponent = "elasticsearch-exporter";

export interface ElasticsearchExporterProps {
  /** Name of the Deployment and its Service. */
  readonly name: string;
  /** Namespace of the exporter, its credentials Secret and CA ConfigMap. */
  readonly namespace: string;
  /** prometheus-community's elasticsearch_exporter image, pinned by tag or digest. */
  readonly image: string;
  /** Elasticsearch's HTTPS URL, without credentials. */
  readonly elasticsearchUrl: string;
  /**
   * Secret of the exporter's Elasticsearch user, whose role needs only the `monitor` cluster privilege
   * (the exporter's defaults: cluster health, node stats). Read as `ES_USERNAME` and `ES_PASSWORD`.
   */
  readonly credentials: { readonly secretName: string; readonly usernameKey: string; readonly passwordKey: string };
  /** ConfigMap and key of the CA that signed Elasticsearch's certificate: the exporter verifies it. */
  readonly ca: { readonly configMapName: string; readonly key: string };
  /**
   * CPU and memory of the exporter.
   * @default requests 10m / 32Mi, limits 200m / 128Mi
   */
  readonly resources?: ComputeResources;
  /**
   * Node labels the pod must run on.
   * @default - any node
   */
  readonly nodeSelector?: Readonly<Record<string, string>>;
  /**
   * Also report snapshots and SLM (`--collector.snapshots`, `--collector.slm`), which the backup
   * alert reads; the user's role then needs `monitor_snapshot`, `cluster:admin/slm/status` and
   * `cluster:admin/slm/stats` too (`logStoreRoleDescriptors` with `snapshots`).
   * @default false
   */
  readonly snapshots?: boolean;
}

const defaultResources: ComputeResources = { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "200m", memory: "128Mi" } };
// The image's `nobody` user (its Dockerfile's USER); set numerically so runAsNonRoot can check it.
const exporterUser = { uid: 65534, gid: 65534 };
const caDir = "/etc/elasticsearch-ca";

/**
 * prometheus-community's elasticsearch_exporter as one Deployment and a ClusterIP Service: node
 * stats of every node (`--es.all`, each series labelled with the node's `name`, the filesystem
 * ones included), over HTTPS verified against the stack's CA, as a user that can only monitor.
 * Credentials come from the Secret as environment variables, which the exporter reads (it takes no
 * password file). Non-root, read-only root filesystem, no service account token.
 */
export class ElasticsearchExporter extends Construct {
  /** The labels of its Service (which a ServiceMonitor selects by) and of its pods. */
  readonly labels: Readonly<Record<string, string>>;
  readonly deployment: k8s.KubeDeployment;

  constructor(scope: Construct, id: string, props: ElasticsearchExporterProps) {
    super(scope, id);
    const owner = resourceLabel("ElasticsearchExporter", props.namespace, props.name);
    validateLabelName(owner, "name", props.name);
    validateNamespace(owner, props.namespace);
    validatePinnedReference(owner, "image", props.image);
    if (!/^https:\/\/[a-z0-9.-]+(:\d+)?\/?$/.test(props.elasticsearchUrl)) {
      fail(owner, `elasticsearchUrl "${props.elasticsearchUrl}" must be an https://host[:port] URL without credentials or path`);
    }
    validateObjectName(owner, "credentials.secretName", props.credentials.secretName);
    validateDataKey(owner, "credentials.usernameKey", props.credentials.usernameKey);
    validateDataKey(owner, "credentials.passwordKey", props.credentials.passwordKey);
    validateObjectName(owner, "ca.configMapName", props.ca.configMapName);
    validateDataKey(owner, "ca.key", props.ca.key);
    const resources = props.resources ?? defaultResources;
    validateComputeResources(owner, "resources", resources);
    if (props.nodeSelector !== undefined) validateNodeSelector(owner, "nodeSelector", props.nodeSelector);

    const labels = standardLabels(props.name, elasticsearchExporterComponent);
    const selector = { "app.kubernetes.io/name": elasticsearchExporterComponent, "app.kubernetes.io/instance": props.name };
    this.labels = labels;
    const metadata = { name: props.name, namespace: props.namespace, labels };
    const secretEnv = (name: string, key: string): k8s.EnvVar => ({ name, valueFrom: { secretKeyRef: { name: props.credentials.secretName, key } } });

    new k8s.KubeService(this, "service", {
      metadata,
      spec: {
        type: "ClusterIP",
        selector,
        ports: [{ name: elasticsearchExporterPort.name, port: elasticsearchExporterPort.port, targetPort: k8s.IntOrString.fromString(elasticsearchExporterPort.name) }],
      },
    });
    this.deployment = new k8s.KubeDeployment(this, "deployment", {
      metadata,
      spec: {
        replicas: 1,
        selector: { matchLabels: selector },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: nonRootPodSecurityContext(exporterUser),
            nodeSelector: props.nodeSelector === undefined ? undefined : { ...props.nodeSelector },
            containers: [{
              name: "exporter",
              image: props.image,
              args: [
                `--es.uri=${props.elasticsearchUrl}`,
                // Every node's stats, not only those of the node the Service picked: disk space is per node.
                "--es.all",
                ...(props.snapshots ? ["--collector.snapshots", "--collector.slm"] : []),
                `--es.ca=${caDir}/${props.ca.key}`,
                `--web.listen-address=:${elasticsearchExporterPort.port}`,
              ],
              env: [secretEnv("ES_USERNAME", props.credentials.usernameKey), secretEnv("ES_PASSWORD", props.credentials.passwordKey)],
              ports: [{ name: elasticsearchExporterPort.name, containerPort: elasticsearchExporterPort.port }],
              // `/healthz` answers while the process serves (v1.11.0 main.go); Elasticsearch being down
              // shows in the metrics it serves, not as a restart.
              livenessProbe: {
                httpGet: { path: "/healthz", port: k8s.IntOrString.fromString(elasticsearchExporterPort.name) },
                periodSeconds: 30, timeoutSeconds: 5, failureThreshold: 3,
              },
              resources: resourceRequirements(resources),
              securityContext: restrictedContainerSecurityContext(),
              volumeMounts: [{ name: "ca", mountPath: caDir, readOnly: true }],
            }],
            volumes: [{ name: "ca", configMap: { name: props.ca.configMapName, items: [{ key: props.ca.key, path: props.ca.key }] } }],
          },
        },
      },
    });
  }
}
