import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { nimGpuForProduct } from "../gpu-instance-types";
import type { ClusterStorage, ClusterTarget, GpuPool } from "../cluster-target";

export interface ExistingClusterArgs {
  /**
   * kubeconfig context to deploy to.
   * @default the current context of the ambient kubeconfig
   */
  readonly context?: string;
  readonly storage: ClusterStorage;
  /** Ports the cluster's API server listens on (6443 kubeadm, 8443 minikube, 16443 microk8s). */
  readonly apiServerPorts: readonly number[];
  /** The GPU pools the cluster has, labelled and tainted as the README describes. */
  readonly gpuPools: readonly Omit<GpuPool, "nimGpu">[];
}

/**
 * A cluster this project does not own (on-premises GPUs, or kind/minikube for a trial): no cloud
 * resources, only a Kubernetes provider bound to one kubeconfig context.
 */
export class ExistingCluster extends pulumi.ComponentResource implements ClusterTarget {
  readonly provider: k8s.Provider;
  readonly storage: ClusterStorage;
  readonly gpuPools: readonly GpuPool[];
  /**
   * Any Linux node. The cluster's GPU nodes carry the GPU taint, so CPU-only workloads without the
   * matching toleration stay off them anyway.
   */
  readonly systemNodeSelector: Readonly<Record<string, string>> = { "kubernetes.io/os": "linux" };
  readonly ready: readonly pulumi.Resource[] = [];
  readonly apiServerPorts: readonly number[];

  constructor(name: string, args: ExistingClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("data-flywheel:kubernetes:ExistingCluster", name, {}, opts);
    // An explicit provider, so nothing can fall back to the default provider's idea of a cluster.
    this.provider = new k8s.Provider(name, { context: args.context, enableServerSideApply: true }, { parent: this });
    this.storage = args.storage;
    this.apiServerPorts = args.apiServerPorts;
    this.gpuPools = args.gpuPools.map((pool) => ({ ...pool, nimGpu: nimGpuForProduct(pool.gpuProduct) }));
    this.registerOutputs({});
  }
}
