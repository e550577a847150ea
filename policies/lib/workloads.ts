import { apiGroup, isKind } from "./kubernetes";
import type { KubernetesObject } from "./kubernetes-object";
import { arrayOf, isRecord, numberOf, valueAt } from "./values";

/** The parts of the Kubernetes pod API the policies read. */

export type ResourceList = Readonly<Record<string, string | number | undefined>>;

export interface ResourceRequirements {
  readonly requests?: ResourceList;
  readonly limits?: ResourceList;
}

export interface EnvVar {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: { readonly secretKeyRef?: { readonly name?: string; readonly key?: string } };
}

export interface EnvFromSource {
  /** Prepended to every key of the source to make the variable's name. */
  readonly prefix?: string;
  readonly secretRef?: { readonly name?: string };
  readonly configMapRef?: { readonly name?: string };
}

export interface SecurityContext {
  readonly runAsUser?: number;
  readonly runAsNonRoot?: boolean;
  readonly allowPrivilegeEscalation?: boolean;
  readonly privileged?: boolean;
}

export interface VolumeMount {
  readonly name: string;
  readonly mountPath: string;
  readonly subPath?: string;
}

export interface Container {
  readonly name?: string;
  readonly image?: string;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly env?: readonly EnvVar[];
  readonly envFrom?: readonly EnvFromSource[];
  readonly resources?: ResourceRequirements;
  readonly securityContext?: SecurityContext;
  readonly volumeMounts?: readonly VolumeMount[];
}

export interface Toleration {
  readonly key?: string;
  readonly operator?: string;
  readonly value?: string;
  readonly effect?: string;
}

export interface NodeSelectorRequirement {
  readonly key: string;
  readonly operator: string;
  readonly values?: readonly string[];
}

export interface Affinity {
  readonly nodeAffinity?: {
    readonly requiredDuringSchedulingIgnoredDuringExecution?: {
      readonly nodeSelectorTerms?: readonly { readonly matchExpressions?: readonly NodeSelectorRequirement[] }[];
    };
  };
}

export interface KeyToPath {
  readonly key: string;
  readonly path: string;
}

export interface Volume {
  readonly name: string;
  readonly emptyDir?: object;
  readonly persistentVolumeClaim?: { readonly claimName?: string };
  readonly configMap?: { readonly name?: string; readonly items?: readonly KeyToPath[] };
  readonly secret?: { readonly secretName?: string; readonly items?: readonly KeyToPath[] };
}

export interface PodSpec {
  readonly containers?: readonly Container[];
  readonly initContainers?: readonly Container[];
  readonly nodeSelector?: Readonly<Record<string, string>>;
  readonly tolerations?: readonly Toleration[];
  readonly affinity?: Affinity;
  readonly securityContext?: SecurityContext;
  readonly volumes?: readonly Volume[];
}

/** Where a container's fields live in the object that declares it, for messages. */
export interface ContainerFields {
  readonly image: string;
  readonly resources: string;
  readonly env: string;
  readonly securityContext: string;
}

export interface ContainerView {
  readonly name: string;
  readonly init: boolean;
  readonly container: Container;
  readonly fields: ContainerFields;
}

/** A pod the object makes Kubernetes (or an operator) run. */
export interface PodTemplate {
  readonly object: KubernetesObject;
  /** Field path of the pod spec in the object, e.g. `spec.jobTemplate.spec.template.spec`. */
  readonly path: string;
  readonly spec: PodSpec;
  readonly containers: readonly ContainerView[];
  /** A DaemonSet's pods run on every node they tolerate, by design. */
  readonly daemon: boolean;
  /**
   * The NIM operator builds this pod from the resource's fields: it runs as `spec.userID` (1000 when
   * unset) and sets the rest of the security context itself.
   */
  readonly builtByNimOperator: boolean;
  /** Where the effective node selector comes from, for messages. */
  readonly nodeSelectorSource: string;
}

/** Where each workload kind keeps its pod spec. */
const podSpecPaths: Record<string, string> = {
  "core/Pod": "spec",
  "apps/Deployment": "spec.template.spec",
  "apps/StatefulSet": "spec.template.spec",
  "apps/DaemonSet": "spec.template.spec",
  "apps/ReplicaSet": "spec.template.spec",
  "batch/Job": "spec.template.spec",
  "batch/CronJob": "spec.jobTemplate.spec.template.spec",
};

/** The API group of the NIM operator's resources. */
export const nimGroup = "apps.nvidia.com";

/**
 * NIM operator kinds that run one Deployment from `spec.image`, `spec.resources`, `spec.env`, of
 * `spec.replicas` pods labelled `app: <name>` (k8s-nim-operator `manifests/deployment.yaml`).
 */
export const nimServiceKinds: ReadonlySet<string> = new Set(["NIMService", "NemoDatastore", "NemoEntitystore", "NemoCustomizer", "NemoEvaluator", "NemoGuardrail"]);

/** The fewest and the most pods a workload runs. */
export interface ReplicaRange {
  readonly min: number;
  readonly max: number;
}

/** A count field as a number, or `fallback` when it is unset or not a count. */
function countAt(object: KubernetesObject, path: string, fallback: number): number {
  const count = numberOf(valueAt(object, path));
  return Number.isNaN(count) ? fallback : count;
}

/**
 * The pods a NIM operator resource runs: `spec.scale.hpa`'s `minReplicas` (1 when unset, as in the
 * HPA API) to `maxReplicas` when `spec.scale.enabled` (the operator then leaves the count to its
 * HPA), else `spec.replicas` (1 when unset, the operator's default).
 */
export function nimReplicaRange(object: KubernetesObject): ReplicaRange {
  if (valueAt(object, "spec.scale.enabled") === true && isRecord(valueAt(object, "spec.scale.hpa"))) {
    const min = countAt(object, "spec.scale.hpa.minReplicas", 1);
    return { min, max: countAt(object, "spec.scale.hpa.maxReplicas", min) };
  }
  const replicas = countAt(object, "spec.replicas", 1);
  return { min: replicas, max: replicas };
}

/** The user the NIM operator runs its pods as when `spec.userID` is unset. */
export const nimOperatorDefaultUser = 1000;

/** Node selector the NIM operator gives a NIMCache's caching job when `spec.nodeSelector` is unset. */
export const nimCacheDefaultNodeSelector: Readonly<Record<string, string>> = { "feature.node.kubernetes.io/pci-10de.present": "true" };

function containerViews(spec: PodSpec, path: string): ContainerView[] {
  const views = (list: readonly Container[] | undefined, field: string, init: boolean): ContainerView[] =>
    arrayOf(list).map((container, i) => {
      const at = `${path}.${field}[${i}]`;
      return {
        name: container.name ?? `#${i}`,
        init,
        container,
        fields: { image: `${at}.image`, resources: `${at}.resources`, env: `${at}.env`, securityContext: `${at}.securityContext` },
      };
    });
  return [...views(spec.containers, "containers", false), ...views(spec.initContainers, "initContainers", true)];
}

interface NimImage {
  readonly repository?: string;
  readonly tag?: string;
}

interface NimWorkloadSpec {
  readonly image?: NimImage;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly resources?: ResourceRequirements & { readonly cpu?: string | number; readonly memory?: string | number };
  readonly env?: readonly EnvVar[];
  readonly nodeSelector?: Readonly<Record<string, string>>;
  readonly tolerations?: readonly Toleration[];
  readonly affinity?: Affinity;
  readonly userID?: number;
  readonly source?: Readonly<Record<string, { readonly modelPuller?: string } | undefined>>;
}

/** `repository:tag` of a NIM operator image field. */
export function nimImage(image: NimImage | undefined): string | undefined {
  if (!image?.repository) {
    return undefined;
  }
  return image.tag ? `${image.repository}:${image.tag}` : image.repository;
}

/** The pod a NIMService or NeMo microservice resource makes the NIM operator run. */
function nimServicePod(object: KubernetesObject, spec: NimWorkloadSpec): PodTemplate {
  const securityContext = { runAsUser: spec.userID ?? nimOperatorDefaultUser };
  const container: Container = {
    name: object.metadata.name ?? object.kind,
    image: nimImage(spec.image),
    command: spec.command,
    args: spec.args,
    env: spec.env,
    resources: { requests: spec.resources?.requests, limits: spec.resources?.limits },
    securityContext,
  };
  return {
    object,
    path: "spec",
    spec: { containers: [container], nodeSelector: spec.nodeSelector, tolerations: spec.tolerations, affinity: spec.affinity, securityContext },
    containers: [
      {
        name: container.name ?? object.kind,
        init: false,
        container,
        fields: { image: "spec.image", resources: "spec.resources", env: "spec.env", securityContext: "spec.userID" },
      },
    ],
    daemon: false,
    builtByNimOperator: true,
    nodeSelectorSource: "spec.nodeSelector",
  };
}

/** The caching job's pod of a NIMCache: the operator sets requests = limits = spec.resources.{cpu,memory}. */
function nimCachePod(object: KubernetesObject, spec: NimWorkloadSpec): PodTemplate {
  const sourceName = Object.keys(spec.source ?? {}).find((key) => spec.source?.[key]?.modelPuller !== undefined);
  const cpu = spec.resources?.cpu;
  const memory = spec.resources?.memory;
  const resources: ResourceList = { ...(cpu !== undefined ? { cpu } : {}), ...(memory !== undefined ? { memory } : {}) };
  const securityContext = { runAsUser: spec.userID ?? nimOperatorDefaultUser, runAsNonRoot: true, allowPrivilegeEscalation: false };
  const container: Container = {
    name: "nim-cache",
    image: sourceName ? spec.source?.[sourceName]?.modelPuller : undefined,
    env: spec.env,
    resources: { requests: resources, limits: resources },
    securityContext,
  };
  return {
    object,
    path: "spec",
    spec: {
      containers: [container],
      nodeSelector: spec.nodeSelector ?? nimCacheDefaultNodeSelector,
      tolerations: spec.tolerations,
      securityContext,
    },
    containers: [
      {
        name: "nim-cache",
        init: false,
        container,
        fields: {
          image: sourceName ? `spec.source.${sourceName}.modelPuller` : "spec.source",
          resources: "spec.resources",
          env: "spec.env",
          securityContext: "spec.userID",
        },
      },
    ],
    daemon: false,
    builtByNimOperator: true,
    nodeSelectorSource: spec.nodeSelector
      ? "spec.nodeSelector"
      : "the NIM operator's default for a NIMCache without spec.nodeSelector (feature.node.kubernetes.io/pci-10de.present=true)",
  };
}

/**
 * Every pod an object makes run: the pod template of a Pod, Deployment, StatefulSet, DaemonSet,
 * ReplicaSet, Job or CronJob, and the pod the NIM operator builds for a NIMService, NIMCache or
 * NeMo microservice resource. Other kinds have none.
 */
export function podTemplatesOf(object: KubernetesObject): PodTemplate[] {
  const group = apiGroup(object.apiVersion);
  const path = podSpecPaths[`${group}/${object.kind}`];
  if (path) {
    const value = valueAt(object, path);
    if (!isRecord(value)) {
      return [];
    }
    const spec = value as PodSpec;
    return [
      {
        object,
        path,
        spec,
        containers: containerViews(spec, path),
        daemon: isKind(object, "apps", "DaemonSet"),
        builtByNimOperator: false,
        nodeSelectorSource: `${path}.nodeSelector`,
      },
    ];
  }
  if (group !== nimGroup || !isRecord(object.spec)) {
    return [];
  }
  const spec = object.spec as NimWorkloadSpec;
  if (nimServiceKinds.has(object.kind)) {
    return [nimServicePod(object, spec)];
  }
  return object.kind === "NIMCache" ? [nimCachePod(object, spec)] : [];
}

/** A pod template that a data operator completes: what the stack writes of the pod, and the pod's labels. */
export interface OperatorPodTemplate extends PodTemplate {
  /** The labels of the pods: the template's, and those the operator adds that the stack can rely on. */
  readonly labels: Readonly<Record<string, string>>;
}

interface TemplateValue {
  readonly metadata?: { readonly labels?: Readonly<Record<string, string>> };
  readonly spec?: PodSpec;
}

function operatorPod(object: KubernetesObject, path: string, template: TemplateValue, operatorLabels: Readonly<Record<string, string>>): OperatorPodTemplate {
  const spec = template.spec ?? {};
  return {
    object,
    path,
    spec,
    containers: containerViews(spec, path),
    daemon: false,
    builtByNimOperator: false,
    nodeSelectorSource: `${path}.nodeSelector`,
    labels: { ...(template.metadata?.labels ?? {}), ...operatorLabels },
  };
}

/**
 * The pod templates of the data operators' resources, which the operator merges into the pods it
 * creates with its own defaults (security contexts, init containers): each node set's
 * `podTemplate` of an ECK `Elasticsearch` (pods labelled
 * `elasticsearch.k8s.elastic.co/cluster-name: <name>`, ECK `pkg/controller/elasticsearch/label`),
 * and `spec.statefulSet.spec.template` of a `MongoDBCommunity` (pods labelled `app: <name>-svc`,
 * the operator's `construct/mongodbstatefulset.go`). Not part of `podTemplatesOf`: what the stack
 * writes there is a partial pod that the operator completes, so only some checks apply to it.
 */
export function operatorPodTemplatesOf(object: KubernetesObject): OperatorPodTemplate[] {
  const name = object.metadata.name ?? "";
  if (isKind(object, "elasticsearch.k8s.elastic.co", "Elasticsearch")) {
    return arrayOf(valueAt(object, "spec.nodeSets") as readonly unknown[] | undefined).flatMap((nodeSet, i) => {
      const template = isRecord(nodeSet) ? nodeSet.podTemplate : undefined;
      return isRecord(template)
        ? [operatorPod(object, `spec.nodeSets[${i}].podTemplate.spec`, template, { "elasticsearch.k8s.elastic.co/cluster-name": name })]
        : [];
    });
  }
  if (isKind(object, "mongodbcommunity.mongodb.com", "MongoDBCommunity")) {
    const template = valueAt(object, "spec.statefulSet.spec.template");
    return isRecord(template) ? [operatorPod(object, "spec.statefulSet.spec.template.spec", template, { app: `${name}-svc` })] : [];
  }
  return [];
}
