import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

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
  /** Volcano, the batch scheduler Customizer's training jobs run on. */
  volcano: "volcano-system",
  /** The flywheel CronJobs, the candidate models' NIMCaches and each run's NIMServices. */
  flywheel: "flywheel",
} as const;

export type NamespaceKey = keyof typeof namespaces;

/**
 * Pod Security admission per namespace: the GPU Operator's pods need host access; everything else
 * runs at `baseline` and is warned about anything short of `restricted`.
 */
const podSecurity: Record<NamespaceKey, "privileged" | "baseline"> = {
  gpuOperator: "privileged",
  nimOperator: "baseline",
  dataOperators: "baseline",
  data: "baseline",
  nemo: "baseline",
  volcano: "baseline",
  flywheel: "baseline",
};

export interface PlatformNamespacesArgs {
  readonly provider: k8s.Provider;
  /**
   * Namespaces not to create (something else owns them, such as a GPU Operator already installed).
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
            "pod-security.kubernetes.io/enforce": podSecurity[key],
            "pod-security.kubernetes.io/warn": "restricted",
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
