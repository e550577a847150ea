import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { GpuRole } from "../flywheel-job/src/contract";

/** A pool of GPU nodes workloads can be scheduled on. */
export interface GpuPool {
  readonly name: string;
  readonly role: GpuRole;
  /** `nvidia.com/gpu.product` of the pool's nodes. */
  readonly gpuProduct: string;
  /** GPU name as NIM engine profiles spell it, when known. */
  readonly nimGpu?: string;
  readonly gpusPerNode: number;
  /** The pool's node count bounds, when the stack creates its node group (EKS); absent on a cluster you bring. */
  readonly size?: { readonly min: number; readonly max: number };
}

/** What the cluster offers storage-wise. */
export interface ClusterStorage {
  /** StorageClass for ReadWriteOnce volumes; the cluster default when undefined. */
  readonly storageClass?: string;
  /**
   * StorageClass for data that must outlive its claim (databases, the log store, Data Store's
   * repositories): in production its volumes are retained when a claim is deleted.
   */
  readonly durableStorageClass?: string;
  /** StorageClass for the shared model caches; the cluster default when undefined. */
  readonly sharedStorageClass?: string;
  readonly sharedAccessMode: "ReadWriteMany" | "ReadWriteOnce";
}

/** How workloads on an EKS cluster get AWS permissions (IAM roles for service accounts). */
export interface AwsIdentity {
  readonly region: string;
  readonly clusterName: string;
  readonly oidcProviderArn: pulumi.Output<string>;
  readonly oidcIssuerUrl: pulumi.Output<string>;
  /**
   * Customer-managed KMS key of the S3 buckets the platform creates, when the stack has its own keys.
   * @default the AWS-managed `aws/s3` key
   */
  readonly bucketKmsKeyArn?: pulumi.Output<string>;
}

/**
 * The cluster everything else is deployed into, whether this stack built it (EKS) or found it
 * (bring your own). Platform components only see this.
 */
export interface ClusterTarget {
  readonly provider: k8s.Provider;
  readonly storage: ClusterStorage;
  readonly gpuPools: readonly GpuPool[];
  /** Node selector for CPU-only system workloads (operators, databases), if the cluster has one. */
  readonly systemNodeSelector: Readonly<Record<string, string>>;
  /** Ports the Kubernetes API server listens on, as pods reach it (NetworkPolicies allow them). */
  readonly apiServerPorts: readonly number[];
  /** What must exist before workloads are deployed: nodes, networking and storage drivers. */
  readonly ready: readonly pulumi.Resource[];
  /** Set on EKS. */
  readonly aws?: AwsIdentity;
}
