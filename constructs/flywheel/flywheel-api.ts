import { k8s } from "cdk8s-plus-28";
import { Construct } from "constructs";
import { flywheelApiPermissions, flywheelApiService, jobEnvironment } from "../../flywheel-job/src/contract";
import { ReplicaDisruptionBudget } from "../data/replica-disruption-budget";
import { type ComputeResources, resourceRequirements, validateComputeResources } from "../common/compute-resources";
import { fail, resourceLabel } from "../common/errors";
import { validateHttpUrl } from "../common/http-urls";
import { isPinnedByDigest } from "../common/images";
import { validateInteger } from "../common/integers";
import { standardLabels, validateNodeSelector } from "../common/labels";
import { validateDataKey, validateLabelName, validateNamespace, validateObjectName } from "../common/names";
import { memoryMebibytes } from "../common/quantities";
import { type SecretKeyReference, resolveSecretKey } from "../common/secrets";
import { jobImageUser, nonRootPodSecurityContext, restrictedContainerSecurityContext } from "../common/security-contexts";
import type { ConfigMapKey } from "./flywheel-schedule";

/** An Ingress in front of the API, for clients outside the cluster. */
export interface FlywheelApiIngress {
  /** The host name clients call, e.g. `flywheel.example.com`. */
  readonly host: string;
  /** The Secret (in the API's namespace) with the TLS certificate and key for `host`. */
  readonly tlsSecretName: string;
  /**
   * The IngressClass of the controller that serves it.
   * @default - the cluster's default IngressClass
   */
  readonly className?: string;
}

/** The NeMo services a run's deletion removes datasets and adapters from. */
export interface FlywheelApiNemoUrls {
  /** Data Store base URL, `http(s)://…`. */
  readonly dataStoreUrl: string;
  /** Entity Store base URL, `http(s)://…`. */
  readonly entityStoreUrl: string;
}

export interface FlywheelApiProps {
  /** Name of the Deployment, Service, service account, Role and RoleBinding (and the Ingress and PodDisruptionBudget). */
  readonly name: string;
  /** The flywheel namespace: the workloads' CronJobs are there, and the Role grants nothing outside it. */
  readonly namespace: string;
  /** The flywheel job image (the API is its `serve` command), pinned by digest (`registry/repository@sha256:…`). */
  readonly image: string;
  /** The key of the Secret (in `namespace`) with the run store's connection string; only that key becomes `MONGODB_URL`. */
  readonly mongodbUrl: SecretKeyReference;
  /** Where deleting a run removes its datasets and customized models. */
  readonly nemo: FlywheelApiNemoUrls;
  /** The keys of the Secrets (in `namespace`) with the read-only token and the operator token, mounted as files. */
  readonly tokens: { readonly read: SecretKeyReference; readonly operator: SecretKeyReference };
  /**
   * Pods of the Deployment; with more than one they are spread across nodes and a PodDisruptionBudget keeps one serving.
   * @default 1
   */
  readonly replicas?: number;
  /**
   * Minutes a run the API recorded may wait for its Job to adopt it before it is closed as failed.
   * @default flywheelApiService.defaultStartTimeoutMinutes (15)
   */
  readonly startTimeoutMinutes?: number;
  /**
   * CPU and memory of the API container.
   * @default requests 100m / 256Mi, limits 1 / `flywheelApiService.defaultMemoryLimitMebibytes` (512Mi)
   */
  readonly resources?: ComputeResources;
  /**
   * Node labels the pods must run on.
   * @default - any node
   */
  readonly nodeSelector?: Readonly<Record<string, string>>;
  /**
   * An Ingress for `host`, terminating TLS with `tlsSecretName`.
   * @default - none: the API is reachable only inside the cluster (and by `kubectl port-forward`)
   */
  readonly ingress?: FlywheelApiIngress;
  /**
   * The CA certificate (a key of a ConfigMap in `namespace`) that signed the run store's
   * certificate: mounted and passed as `MONGODB_CA_FILE`, so the API connects to MongoDB only with
   * TLS and verifies it.
   * @default none: the connection string decides, against the system's CAs
   */
  readonly certificateAuthority?: ConfigMapKey;
}

const defaultResources: ComputeResources = { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: `${flywheelApiService.defaultMemoryLimitMebibytes}Mi` } };
/** Name of its container and Service port, which clients and its ServiceMonitor address. */
export const flywheelApiPortName = "http";
const tokensVolume = "api-tokens";
const caVolume = "certificate-authority";
const caDirectory = "/etc/flywheel/ca";
const dnsName = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/;

/**
 * The Flywheel API (`flywheel serve`): a Deployment of the job image over the run store, the
 * ClusterIP Service its clients call on `flywheelApiService.port`, and an identity whose Role allows
 * only `flywheelApiPermissions` in the flywheel namespace (its token is mounted: the API starts
 * on-demand runs as Jobs from the workloads' CronJobs). The two bearer tokens are mounted read-only
 * as files of one projected volume, read at start. Non-root, read-only root filesystem, no
 * capabilities, RuntimeDefault seccomp, bounded resources; liveness on the health path, readiness on
 * the path that reaches the store. More than one replica: spread across nodes and zones, with a
 * PodDisruptionBudget. An Ingress only when asked for.
 */
export class FlywheelApi extends Construct {
  /** The ClusterIP Service's name. */
  readonly serviceName: string;
  /** `http://<name>.<namespace>.svc.cluster.local:<port>`: the API's base URL inside the cluster. */
  readonly url: string;
  /** `https://<host>` of the Ingress, when there is one. */
  readonly ingressUrl?: string;
  /** Labels of the API's pods, which NetworkPolicies select it by. */
  readonly podLabels: Readonly<Record<string, string>>;
  readonly deployment: k8s.KubeDeployment;

  constructor(scope: Construct, id: string, props: FlywheelApiProps) {
    super(scope, id);
    const owner = resourceLabel("FlywheelApi", props.namespace, props.name);
    validateLabelName(owner, "name", props.name);
    validateNamespace(owner, props.namespace);
    if (!isPinnedByDigest(props.image)) {
      fail(owner, `image "${props.image}" must be pinned by digest (registry/repository@sha256:<digest>), so the API runs the program the CronJobs run`);
    }
    const replicas = props.replicas ?? 1;
    validateInteger(owner, "replicas", replicas, 1);
    const startTimeoutMinutes = props.startTimeoutMinutes ?? flywheelApiService.defaultStartTimeoutMinutes;
    validateInteger(owner, "startTimeoutMinutes", startTimeoutMinutes, 1);
    const mongodbUrl = resolveSecretKey(owner, "mongodbUrl", props.mongodbUrl);
    const readToken = resolveSecretKey(owner, "tokens.read", props.tokens.read);
    const operatorToken = resolveSecretKey(owner, "tokens.operator", props.tokens.operator);
    if (readToken.name === operatorToken.name && readToken.key === operatorToken.key) {
      fail(owner, `tokens.read and tokens.operator are the same Secret key (${readToken.name}/${readToken.key}): a read-only client would hold the operator's token`);
    }
    const dataStoreUrl = validateHttpUrl(owner, "nemo.dataStoreUrl", props.nemo.dataStoreUrl);
    const entityStoreUrl = validateHttpUrl(owner, "nemo.entityStoreUrl", props.nemo.entityStoreUrl);
    const resources = props.resources ?? defaultResources;
    validateComputeResources(owner, "resources", resources);
    if (props.nodeSelector !== undefined) validateNodeSelector(owner, "nodeSelector", props.nodeSelector);
    if (props.ingress) {
      if (!dnsName.test(props.ingress.host)) {
        fail(owner, `ingress.host "${props.ingress.host}" must be a fully qualified DNS name in lower case, such as flywheel.example.com`);
      }
      validateObjectName(owner, "ingress.tlsSecretName", props.ingress.tlsSecretName);
      if (props.ingress.className !== undefined) validateObjectName(owner, "ingress.className", props.ingress.className);
    }
    const ca = props.certificateAuthority;
    if (ca) {
      validateObjectName(owner, "certificateAuthority.name", ca.name);
      validateDataKey(owner, "certificateAuthority.key", ca.key);
    }

    this.serviceName = props.name;
    this.url = `http://${props.name}.${props.namespace}.svc.cluster.local:${flywheelApiService.port}`;
    this.ingressUrl = props.ingress && `https://${props.ingress.host}`;
    const selector = { "app.kubernetes.io/component": flywheelApiService.component, "app.kubernetes.io/instance": props.name };
    const labels = { ...standardLabels(props.name, flywheelApiService.component), ...selector };
    this.podLabels = labels;
    const metadata = { name: props.name, namespace: props.namespace, labels };

    new k8s.KubeServiceAccount(this, "service-account", { metadata, automountServiceAccountToken: true });
    new k8s.KubeRole(this, "role", {
      metadata,
      rules: flywheelApiPermissions.map((p) => ({ apiGroups: [p.apiGroup], resources: [p.resource], verbs: [...p.verbs] })),
    });
    new k8s.KubeRoleBinding(this, "role-binding", {
      metadata,
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: props.name },
      subjects: [{ kind: "ServiceAccount", name: props.name, namespace: props.namespace }],
    });

    new k8s.KubeService(this, "service", {
      metadata,
      spec: { type: "ClusterIP", selector, ports: [{ name: flywheelApiPortName, port: flywheelApiService.port, targetPort: k8s.IntOrString.fromString(flywheelApiPortName) }] },
    });

    const probe = (path: string, failureThreshold: number): k8s.Probe => ({
      httpGet: { path, port: k8s.IntOrString.fromString(flywheelApiPortName) },
      periodSeconds: 10,
      timeoutSeconds: 3,
      failureThreshold,
    });
    const env = (name: string, value: string): k8s.EnvVar => ({ name, value });
    // Across nodes first, zones second; ScheduleAnyway so a single-node cluster still runs every replica.
    const spread = (topologyKey: string): k8s.TopologySpreadConstraint => ({ maxSkew: 1, topologyKey, whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: selector } });
    this.deployment = new k8s.KubeDeployment(this, "deployment", {
      metadata,
      spec: {
        replicas,
        revisionHistoryLimit: 3,
        selector: { matchLabels: selector },
        // The new pod is ready before an old one stops: an update never leaves the clients without the API.
        strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: k8s.IntOrString.fromNumber(1), maxUnavailable: k8s.IntOrString.fromNumber(0) } },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: props.name,
            // It calls the API server: it reads the CronJobs and creates the Jobs of on-demand runs.
            automountServiceAccountToken: true,
            enableServiceLinks: false,
            securityContext: nonRootPodSecurityContext(jobImageUser),
            nodeSelector: props.nodeSelector === undefined ? undefined : { ...props.nodeSelector },
            topologySpreadConstraints: replicas > 1 ? [spread("kubernetes.io/hostname"), spread("topology.kubernetes.io/zone")] : undefined,
            terminationGracePeriodSeconds: 30,
            containers: [{
              name: "flywheel-api",
              image: props.image,
              // Pinned by digest: what is on the node is exactly what was asked for.
              imagePullPolicy: "IfNotPresent",
              args: flywheelApiService.arguments(startTimeoutMinutes),
              env: [
                // Only the store's connection string of the job's connections Secret: the API reads no logs and holds no GPU budget.
                { name: jobEnvironment.MONGODB_URL, valueFrom: { secretKeyRef: { name: mongodbUrl.name, key: mongodbUrl.key } } },
                ...(ca ? [env(jobEnvironment.MONGODB_CA_FILE, `${caDirectory}/${ca.key}`)] : []),
                env(jobEnvironment.NEMO_DATA_STORE_URL, dataStoreUrl),
                env(jobEnvironment.NEMO_ENTITY_STORE_URL, entityStoreUrl),
                { name: jobEnvironment.FLYWHEEL_NAMESPACE, valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
                env("NODE_OPTIONS", flywheelApiService.nodeOptions(memoryMebibytes(resources.limits.memory))),
              ],
              ports: [{ name: flywheelApiPortName, containerPort: flywheelApiService.port }],
              readinessProbe: probe(flywheelApiService.readinessPath, 3),
              livenessProbe: probe(flywheelApiService.healthPath, 6),
              resources: resourceRequirements(resources),
              securityContext: restrictedContainerSecurityContext(),
              volumeMounts: [
                { name: tokensVolume, mountPath: flywheelApiService.tokenDirectory, readOnly: true },
                ...(ca ? [{ name: caVolume, mountPath: caDirectory, readOnly: true }] : []),
              ],
            }],
            volumes: [{
              name: tokensVolume,
              // Only the two tokens, readable by the image's group (the pod's fsGroup), no one else.
              projected: {
                defaultMode: 0o440,
                sources: [
                  { secret: { name: readToken.name, items: [{ key: readToken.key, path: flywheelApiService.tokenFiles.read }] } },
                  { secret: { name: operatorToken.name, items: [{ key: operatorToken.key, path: flywheelApiService.tokenFiles.operator }] } },
                ],
              },
            }, ...(ca ? [{ name: caVolume, configMap: { name: ca.name, items: [{ key: ca.key, path: ca.key }] } }] : [])],
          },
        },
      },
    });

    if (replicas > 1) {
      new ReplicaDisruptionBudget(this, "disruption-budget", { name: props.name, namespace: props.namespace, podSelector: selector, replicas, labels });
    }

    if (props.ingress) {
      new k8s.KubeIngress(this, "ingress", {
        metadata,
        spec: {
          ingressClassName: props.ingress.className,
          tls: [{ hosts: [props.ingress.host], secretName: props.ingress.tlsSecretName }],
          rules: [{
            host: props.ingress.host,
            http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: props.name, port: { number: flywheelApiService.port } } } }] },
          }],
        },
      });
    }
  }
}
