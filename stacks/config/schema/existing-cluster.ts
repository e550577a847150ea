import { z } from "zod";
import { gpuRoles } from "../../../flywheel-job/src/contract";
import { cidr, dnsLabel } from "./common";

/** `data-flywheel:existingCluster`: a cluster this stack deploys into but does not own. */

/**
 * The private IPv4 ranges (RFC 1918): where a cluster you bring calls admission webhooks from when
 * `controlPlaneCidrs` is unset — kind's and minikube's node networks and kubeadm's usual ones are in them.
 */
export const privateNetworks = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"] as const;

const existingGpuPool = z.strictObject({
  name: dnsLabel,
  role: z.enum(gpuRoles),
  /** The `nvidia.com/gpu.product` label of the pool's nodes, e.g. NVIDIA-L40S. */
  gpuProduct: z.string().min(1),
  gpusPerNode: z.int().min(1),
});

export const existingClusterSchema = z.strictObject({
  /** kubeconfig context to deploy to; the current context when unset. */
  context: z.string().min(1).optional(),
  /** StorageClass for ReadWriteOnce volumes; the cluster's default class when unset. */
  storageClass: z.string().min(1).optional(),
  /** StorageClass for the shared model caches. */
  sharedStorageClass: z.string().min(1).optional(),
  /**
   * Access mode of the shared class. ReadWriteMany lets every node mount the caches; a single-node
   * trial cluster (kind, minikube) can use ReadWriteOnce.
   */
  sharedStorageAccessMode: z.enum(["ReadWriteMany", "ReadWriteOnce"]).default("ReadWriteMany"),
  /**
   * Ports the API server listens on, which the flywheel's NetworkPolicies allow: 6443 on kubeadm-style
   * clusters and kind, 8443 on minikube, 16443 on microk8s.
   */
  apiServerPorts: z.array(z.int().min(1).max(65535)).min(1).default([443, 6443]),
  /**
   * Where the API server calls admission webhooks from (the operators' webhook ports admit only
   * these): the control-plane nodes' addresses. Default: the private ranges (`privateNetworks`).
   */
  controlPlaneCidrs: z.array(cidr).min(1).default([...privateNetworks]),
  /** The GPU pools the cluster has; their nodes must carry the role label and GPU taint (README). */
  gpuPools: z.array(existingGpuPool).default([]),
});

