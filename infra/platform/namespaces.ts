import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { type PodSecurityLevel, podSecurityAuditLabel, podSecurityEnforceLabel, podSecurityWarnLabel } from "../../policies/lib/pod-security";

/** The namespaces of the platform, by concern. */
export const namespaces = {
  /** NVIDIA GPU Operator: driver pieces, device plugin, DCGM exporter, feature discovery. */
  gpuOperator: "gpu-operator",
  /** NVIDIA NIM operator. */
  nimOperator: "nim-operator",
  /** Operators of the data services: ECK, MongoDB Controllers for Kubernetes, CloudNativePG. */
  dataOperators: "data-operators",
  /** Elasticsearch (production logs), MongoDB (run records), Redis (GPU budget). */
  data: "data",
  /** NeMo microservices and what they need: PostgreSQL, MLflow, Milvus, Argo Workflows, judge and embedding NIMs. */
  nemo: "nemo",
  /**
   * The database server's master credentials and the Job that creates the services' databases with
   * them (external PostgreSQL such as RDS only): outside `nemo`, where any Argo Workflow could mount
   * them as a volume.
   */
  nemoDatabase: "nemo-db",
  /** Volcano, the batch scheduler Customizer's training jobs run on. */
  volcano: "volcano-system",
  /** kube-prometheus-stack (Prometheus Operator, Prometheus, Grafana, kube-state-metrics, node-exporter) and the Pushgateway. */
  monitoring: "monitoring",
  /** The flywheel CronJobs, the candidate models' NIMCaches and each run's NIMServices. */
  flywheel: "flywheel",
  /** The models served to applications (`data-flywheel:serving`): their NIMServices, NIMCaches and PDBs, apart from the flywheel's experiments. */
  serving: "serving",
  /** The External Secrets Operator's controller (`secrets.source: aws-secrets-manager` only). */
  externalSecrets: "external-secrets",
  /** cert-manager, which the barman-cloud plugin's certificates need (PostgreSQL backups, `platform.backups`, only). */
  certManager: "cert-manager",
} as const;

export type NamespaceKey = keyof typeof namespaces;

/**
 * The Pod Security level each namespace enforces: the strictest one every pod in it provably meets.
 * `restricted` only where every pod is written by this project or the chart's values set every
 * restricted field; pods operators build, and charts whose values leave a field to the chart, are
 * invisible offline, and a wrong guess would have their pods rejected on a cluster. Every namespace
 * warns and audits at `restricted`, so a pod short of it shows up in `kubectl` and the audit log.
 */
export const podSecurityLevels: Readonly<Record<NamespaceKey, PodSecurityLevel>> = {
  // Driver, toolkit, device plugin and DCGM DaemonSets need host paths, host PID and privileged containers.
  gpuOperator: "privileged",
  // One pod, the operator's Deployment (chart templates/deployment.yaml: one container, no volume
  // while operator.admissionController.enabled is false; operator.upgradeCRD false: no hook Job),
  // with every restricted field set by our values (nim-operator.ts): operator.podSecurityContext.runAsNonRoot,
  // operator.podSecurityContext.seccompProfile.type RuntimeDefault,
  // operator.containerSecurityContext.allowPrivilegeEscalation false and .capabilities.drop [ALL].
  nimOperator: "restricted",
  // CloudNativePG's values set all four, but ECK's chart values know no podSecurityContext.seccompProfile.
  dataOperators: "baseline",
  // Elasticsearch and MongoDB pods are built by their operators, and the MongoDB operator by its chart.
  data: "baseline",
  // NeMo and NIM pods are built by the NIM operator (no container security context), Argo's
  // workflow pods by Argo (executor.securityContext and mainContainer.securityContext empty), and
  // MLflow's, Milvus's and Argo's charts set no seccompProfile.
  nemo: "baseline",
  // Only the project's PostgresBootstrapJob (VersionedJob: restricted pod and container contexts).
  nemoDatabase: "restricted",
  // Volcano's default container context adds DAC_OVERRIDE and leaves allowPrivilegeEscalation unset.
  volcano: "baseline",
  // The NIM operator's NIMCache Job and NIMService pods have no seccompProfile (it sets one only on TKGS).
  flywheel: "baseline",
  // Only NIM-operator pods: the NIMServices' and the NIMCache Jobs', without a seccompProfile as in flywheel.
  serving: "baseline",
  // node-exporter's DaemonSet (kube-prometheus-stack 88.5.3's prometheus-node-exporter 4.56.1) runs
  // with hostNetwork, hostPID and hostPath mounts of / , /proc and /sys, which baseline forbids.
  monitoring: "privileged",
  // One pod, the controller's Deployment (external-secrets 2.9.0 templates/deployment.yaml: one
  // container, no volume but `extraVolumes`, which we leave empty; webhook.create and certController.create
  // false, so no other Deployment), whose container context our values set in full
  // (secrets-operator.ts): allowPrivilegeEscalation false, capabilities.drop [ALL], runAsNonRoot,
  // seccompProfile.type RuntimeDefault, as the chart's defaults also do (values.yaml:275-285). The
  // Pod Identity webhook adds only a projected token volume and environment variables.
  externalSecrets: "restricted",
  // The controller, webhook and cainjector Deployments and the startupapicheck Job, each of whose pod
  // and container contexts our values state in full (postgres-backup-operators.ts): runAsNonRoot,
  // seccompProfile RuntimeDefault, allowPrivilegeEscalation false, capabilities.drop [ALL].
  certManager: "restricted",
};

export interface PlatformNamespacesArgs {
  readonly provider: k8s.Provider;
  /**
   * Namespaces not to create: something else owns them (a GPU Operator already installed), or
   * nothing runs there (`nemoDatabase` without an external PostgreSQL server, `monitoring` unless
   * the stack installs its own, `serving` without serving entries, `externalSecrets` unless
   * `secrets.source` is `aws-secrets-manager`, `certManager` without PostgreSQL backups).
   * @default none
   */
  readonly omit?: readonly NamespaceKey[];
  /** Resources that must exist first (nodes, add-ons). */
  readonly dependsOn: readonly pulumi.Resource[];
}

/** Creates the platform's namespaces; everything namespaced depends on them. */
export class PlatformNamespaces extends pulumi.ComponentResource {
  readonly byKey: Readonly<Partial<Record<NamespaceKey, k8s.core.v1.Namespace>>>;
  readonly all: readonly k8s.core.v1.Namespace[];

  constructor(name: string, args: PlatformNamespacesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("data-flywheel:platform:PlatformNamespaces", name, {}, opts);
    const keys = (Object.keys(namespaces) as NamespaceKey[]).filter((key) => !args.omit?.includes(key));
    const entries = keys.map((key) => {
      const namespace = new k8s.core.v1.Namespace(`${name}-${namespaces[key]}`, {
        metadata: {
          name: namespaces[key],
          labels: {
            "app.kubernetes.io/part-of": "data-flywheel",
            [podSecurityEnforceLabel]: podSecurityLevels[key],
            [podSecurityWarnLabel]: "restricted",
            [podSecurityAuditLabel]: "restricted",
          },
        },
      }, { parent: this, provider: args.provider, dependsOn: [...args.dependsOn] });
      return [key, namespace] as const;
    });
    this.byKey = Object.fromEntries(entries);
    this.all = entries.map(([, namespace]) => namespace);
    this.registerOutputs({});
  }
}
