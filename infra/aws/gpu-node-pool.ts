import * as pulumi from "@pulumi/pulumi";
import { gpuResource, gpuRoleLabel, gpuTaint, nodePoolLabel, type GpuRole } from "../../flywheel-job/src/contract";
import { gpuInstanceType, type GpuInstanceType } from "../gpu-instance-types";
import { ManagedNodeGroup } from "./managed-node-group";

export interface GpuNodePoolArgs {
  readonly clusterName: pulumi.Input<string>;
  readonly nodeRoleArn: pulumi.Input<string>;
  /** Subnets of the zones the pool may use. */
  readonly subnetIds: pulumi.Input<string>[];
  /** Pool name, also the `data-flywheel.io/node-pool` label. */
  readonly poolName: string;
  readonly role: GpuRole;
  /** GPU instance types, all with the same GPU product and count. */
  readonly instanceTypes: readonly string[];
  readonly capacityType: "ON_DEMAND" | "SPOT";
  readonly minSize: number;
  /** @default minSize */
  readonly desiredSize?: number;
  readonly maxSize: number;
  readonly diskSizeGiB: number;
  /**
   * Customer-managed KMS key of the nodes' root volumes.
   * @default the AWS-managed `aws/ebs` key
   */
  readonly kmsKeyArn?: pulumi.Input<string>;
  readonly tags?: Record<string, string>;
}

/** GPU facts of a pool's instance type; throws for a type this project does not know. */
function poolGpu(instanceTypes: readonly string[]): GpuInstanceType {
  const gpu = gpuInstanceType(instanceTypes[0]);
  if (!gpu) {
    throw new Error(`${instanceTypes[0]} is not a known GPU instance type`);
  }
  return gpu;
}

/**
 * A pool of GPU nodes for one role. Nodes run the EKS AL2023 NVIDIA AMI (driver and container
 * toolkit included), carry the `nvidia.com/gpu` NoSchedule taint so only pods that asked for a GPU
 * land there, and a role label so NIMs and fine-tuning jobs pick the right pool.
 */
export class GpuNodePool extends pulumi.ComponentResource {
  readonly poolName: string;
  readonly role: GpuRole;
  readonly gpu: GpuInstanceType;
  readonly nodeGroup: ManagedNodeGroup;

  constructor(name: string, args: GpuNodePoolArgs, opts?: pulumi.ComponentResourceOptions) {
    super("data-flywheel:aws:GpuNodePool", name, {}, opts);
    this.poolName = args.poolName;
    this.role = args.role;
    this.gpu = poolGpu(args.instanceTypes);
    const labels = {
      [gpuRoleLabel]: args.role,
      [nodePoolLabel]: args.poolName,
      "k8s.amazonaws.com/accelerator": this.gpu.accelerator,
      // GPU feature discovery sets the same value once the node runs; setting it up front lets the
      // autoscaler match pods that select a GPU product while the pool is at zero.
      "nvidia.com/gpu.product": this.gpu.product,
    };
    this.nodeGroup = new ManagedNodeGroup(name, {
      clusterName: args.clusterName,
      nodeRoleArn: args.nodeRoleArn,
      subnetIds: args.subnetIds,
      instanceTypes: args.instanceTypes,
      capacityType: args.capacityType,
      amiType: "AL2023_x86_64_NVIDIA",
      minSize: args.minSize,
      desiredSize: args.desiredSize,
      maxSize: args.maxSize,
      diskSizeGiB: args.diskSizeGiB,
      labels,
      taints: [gpuTaint],
      extendedResources: { [gpuResource]: String(this.gpu.gpus) },
      kmsKeyArn: args.kmsKeyArn,
      tags: args.tags,
    }, { parent: this });
    this.registerOutputs({ nodeGroupName: this.nodeGroup.nodeGroupName });
  }
}
