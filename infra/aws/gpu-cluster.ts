import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { nodePoolLabel, type GpuRole } from "../../flywheel-job/src/contract";
import type { ClusterTarget, GpuPool } from "../cluster-target";
import type { HelmChartPin } from "../kubernetes/helm";
import { ClusterAutoscaler } from "./cluster-autoscaler";
import { EksAddons, type EksAddonVersions } from "./eks-addons";
import { EksCluster, type ControlPlaneLogType } from "./eks-cluster";
import { GpuNodePool } from "./gpu-node-pool";
import { serviceTrustPolicy } from "./iam-policies";
import { ManagedNodeGroup } from "./managed-node-group";
import { managedPolicyArns } from "./managed-policy-arns";
import { Network, type FlowLogSettings } from "./network";
import { SharedFileSystem } from "./shared-file-system";
import { backupTagParameter, VolumeBackups, type BackupSchedule } from "./volume-backups";

export interface NodeGroupSizes {
  readonly minSize: number;
  readonly desiredSize?: number;
  readonly maxSize: number;
  readonly diskSizeGiB: number;
}

export interface GpuNodePoolSpec extends NodeGroupSizes {
  readonly name: string;
  readonly role: GpuRole;
  readonly instanceTypes: readonly string[];
  readonly capacityType: "ON_DEMAND" | "SPOT";
  /** Keep the pool in this zone. */
  readonly availabilityZone?: string;
}

export interface GpuClusterArgs {
  readonly clusterName: string;
  readonly region: string;
  readonly kubernetesVersion: string;
  readonly vpc: {
    readonly cidr: string;
    readonly availabilityZones: readonly string[];
    readonly natGateways: "single" | "perZone";
    readonly flowLogs?: FlowLogSettings;
  };
  readonly endpoint: { readonly publicAccess: boolean; readonly publicAccessCidrs: readonly string[] };
  readonly secretsEncryption: boolean;
  readonly controlPlaneLogTypes: readonly ControlPlaneLogType[];
  readonly adminRoleArns: readonly string[];
  readonly ciRoleArns: readonly string[];
  /** CPU nodes for operators and data services; sizes are per zone. */
  readonly systemNodes: NodeGroupSizes & { readonly instanceTypes: readonly string[] };
  readonly gpuNodePools: readonly GpuNodePoolSpec[];
  readonly addonVersions: EksAddonVersions;
  readonly clusterAutoscaler: { readonly chart: HelmChartPin; readonly imageTag: string };
  /**
   * Keep the EBS volume of a database or the log store when its claim is deleted (a separate
   * StorageClass; scratch volumes and model caches are always deleted with their claims).
   * @default false
   */
  readonly retainDataVolumes?: boolean;
  /**
   * Install the EKS Pod Identity agent add-on, for components whose AWS role is bound to their
   * ServiceAccount by a Pod Identity association (the External Secrets Operator).
   * @default false
   */
  readonly podIdentityAgent?: boolean;
  /**
   * Let AWS Systems Manager reach the nodes (`AmazonSSMManagedInstanceCore` on the node role):
   * Session Manager shells for whoever may call `ssm:StartSession`.
   * @default false
   */
  readonly nodeSsmAccess?: boolean;
  /**
   * Customer-managed KMS keys (`StackKeys`) for the nodes' root volumes and the EBS StorageClasses'
   * volumes (`ebs`), the shared file system (`efs`) and the platform's buckets (`s3`, handed on as
   * `aws.bucketKmsKeyArn`). Setting them on an existing cluster rolls
   * every node group, replaces the StorageClasses and replaces the EFS file system (README,
   * "Customer-managed keys").
   * @default the AWS-managed `aws/ebs` and `aws/elasticfilesystem` keys
   */
  readonly kmsKeyArns?: { readonly ebs: pulumi.Input<string>; readonly efs: pulumi.Input<string>; readonly s3: pulumi.Output<string>; readonly backup?: pulumi.Input<string> };
  /**
   * AWS Backup of the retained volumes (`retainDataVolumes`), or of the default class's volumes on a
   * cluster without retained ones, and the EFS file system. Setting it on an existing cluster
   * replaces the StorageClass whose volumes it tags (the tag is a parameter); volumes
   * made before keep no tag until tagged once (README, "Volume backups").
   * @default no backups
   */
  readonly volumeBackups?: BackupSchedule;
  readonly tags?: Record<string, string>;
}

/** StorageClass names this component creates. */
export const awsStorageClasses = { blockStorage: "gp3-encrypted", retainedBlockStorage: "gp3-encrypted-retain", sharedStorage: "efs-shared" } as const;

const systemPool = "system";

/**
 * An EKS cluster for the flywheel: VPC, control plane, one CPU node group per zone for system
 * workloads, GPU node pools from the stack config, add-ons, shared EFS model storage, encrypted gp3
 * as the default StorageClass and the Cluster Autoscaler.
 */
export class GpuCluster extends pulumi.ComponentResource implements ClusterTarget {
  readonly provider: k8s.Provider;
  readonly storage: ClusterTarget["storage"];
  readonly gpuPools: readonly GpuPool[];
  readonly systemNodeSelector: Readonly<Record<string, string>>;
  /** EKS serves the API on 443, at the control plane's network interfaces in the VPC. */
  readonly apiServerPorts: readonly number[] = [443];
  readonly ready: readonly pulumi.Resource[];
  readonly aws: NonNullable<ClusterTarget["aws"]>;
  readonly kubeconfig: pulumi.Output<string>;
  readonly clusterName: pulumi.Output<string>;
  /** The VPC, for services placed next to the cluster (RDS). */
  readonly network: Network;
  /** Security group of the control plane and every node. */
  readonly clusterSecurityGroupId: pulumi.Output<string>;

  constructor(name: string, args: GpuClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("data-flywheel:aws:GpuCluster", name, {}, opts);
    const tags = args.tags ?? {};
    const child = { parent: this };
    const zones = args.vpc.availabilityZones;

    const network = new Network(`${name}-vpc`, { ...args.vpc, clusterName: args.clusterName, tags }, child);
    const cluster = new EksCluster(name, {
      clusterName: args.clusterName,
      kubernetesVersion: args.kubernetesVersion,
      region: args.region,
      subnetIds: network.privateSubnetIds,
      endpoint: args.endpoint,
      secretsEncryption: args.secretsEncryption,
      controlPlaneLogTypes: args.controlPlaneLogTypes,
      adminRoleArns: args.adminRoleArns,
      ciRoleArns: args.ciRoleArns,
      tags,
    }, child);

    const nodeRole = new aws.iam.Role(`${name}-node`, { assumeRolePolicy: JSON.stringify(serviceTrustPolicy("ec2.amazonaws.com")), tags }, child);
    // The network permissions (AmazonEKS_CNI_Policy) are the VPC CNI add-on's own role's, not the
    // nodes'. Each attachment keeps the name it had by its place in the former list (the CNI policy
    // was node-1), so none is replaced: replacing one would detach a policy another still attaches.
    // On an existing cluster Pulumi deletes node-1, gone from the program, only after every create
    // and update of the deployment, so the add-on has its role before the nodes lose the policy.
    const nodePolicies = [
      { id: "node-0", policyArn: "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy" },
      { id: "node-2", policyArn: "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly" },
      ...(args.nodeSsmAccess ? [{ id: "node-3", policyArn: managedPolicyArns.ssmManagedInstanceCore }] : []),
    ].map(({ id, policyArn }) => new aws.iam.RolePolicyAttachment(`${name}-${id}`, { role: nodeRole.name, policyArn }, child));

    const subnetOf = (zone: string): pulumi.Output<string> => {
      const subnet = network.privateSubnetsByZone.get(zone);
      if (!subnet) {
        throw new Error(`availability zone ${zone} is not one of the VPC's zones (${zones.join(", ")})`);
      }
      return subnet;
    };
    const addons = new EksAddons(`${name}-addons`, {
      clusterName: cluster.clusterName,
      oidcProviderArn: cluster.oidcProviderArn,
      oidcIssuerUrl: cluster.oidcIssuerUrl,
      versions: args.addonVersions,
      podIdentityAgent: args.podIdentityAgent ?? false,
      ebsKmsKeyArn: args.kmsKeyArns?.ebs,
      tags,
    }, child);
    // Nodes start after the VPC CNI add-on has its role: without it their aws-node pods could not
    // assign pod IPs, and the nodes would never become Ready.
    const nodeGroupOpts = { parent: this, dependsOn: [...nodePolicies, addons.networking] };

    // One group per zone: a data service's EBS volume must find a node in its own zone after a restart.
    const systemGroups = zones.map(
      (zone) =>
        new ManagedNodeGroup(`${name}-system-${zone}`, {
          clusterName: cluster.clusterName,
          nodeRoleArn: nodeRole.arn,
          subnetIds: [subnetOf(zone)],
          instanceTypes: args.systemNodes.instanceTypes,
          capacityType: "ON_DEMAND",
          amiType: "AL2023_x86_64_STANDARD",
          minSize: args.systemNodes.minSize,
          desiredSize: args.systemNodes.desiredSize,
          maxSize: args.systemNodes.maxSize,
          diskSizeGiB: args.systemNodes.diskSizeGiB,
          labels: { [nodePoolLabel]: systemPool },
          taints: [],
          kmsKeyArn: args.kmsKeyArns?.ebs,
          tags,
        }, nodeGroupOpts),
    );

    const gpuPools = args.gpuNodePools.map((pool) => {
      const zone = pool.availabilityZone ?? (pool.role === "training" ? zones[0] : undefined);
      return new GpuNodePool(`${name}-gpu-${pool.name}`, {
        clusterName: cluster.clusterName,
        nodeRoleArn: nodeRole.arn,
        subnetIds: zone ? [subnetOf(zone)] : network.privateSubnetIds,
        poolName: pool.name,
        role: pool.role,
        instanceTypes: pool.instanceTypes,
        capacityType: pool.capacityType,
        minSize: pool.minSize,
        desiredSize: pool.desiredSize,
        maxSize: pool.maxSize,
        diskSizeGiB: pool.diskSizeGiB,
        kmsKeyArn: args.kmsKeyArns?.ebs,
        tags,
      }, nodeGroupOpts);
    });


    const allAddons = addons.installOnNodes(systemGroups);

    const fileSystem = new SharedFileSystem(`${name}-models`, {
      vpcId: network.vpcId,
      clientSecurityGroupId: cluster.clusterSecurityGroupId,
      subnetIds: network.privateSubnetIds,
      kmsKeyArn: args.kmsKeyArns?.efs,
      tags,
    }, child);

    this.provider = new k8s.Provider(name, { kubeconfig: cluster.kubeconfig, enableServerSideApply: true }, {
      parent: this,
      dependsOn: cluster.accessPolicyAssociations,
    });
    const k8sOpts = { parent: this, provider: this.provider };

    const ebsKmsKeyArn = args.kmsKeyArns?.ebs;
    const gp3 = (id: string, className: string, reclaimPolicy: "Delete" | "Retain", isDefault: boolean, tagParameters: Record<string, string> = {}): k8s.storage.v1.StorageClass =>
      new k8s.storage.v1.StorageClass(`${name}-${id}`, {
        metadata: {
          name: className,
          ...(isDefault ? { annotations: { "storageclass.kubernetes.io/is-default-class": "true" } } : {}),
        },
        provisioner: "ebs.csi.aws.com",
        // Kubernetes refuses changes to a StorageClass's parameters: a new key replaces the class,
        // and volumes made before keep the key they were created with.
        parameters: { type: "gp3", encrypted: "true", ...(ebsKmsKeyArn ? { kmsKeyId: ebsKmsKeyArn } : {}), "csi.storage.k8s.io/fstype": "ext4", ...tagParameters },
        volumeBindingMode: "WaitForFirstConsumer",
        allowVolumeExpansion: true,
        reclaimPolicy,
      }, k8sOpts);
    // Without a retained class the databases, the log store and Data Store's repositories sit on the
    // default class: its volumes carry the backup tag then, scratch space and caches with them.
    const blockStorage = [gp3("gp3", awsStorageClasses.blockStorage, "Delete", true, args.volumeBackups && !args.retainDataVolumes ? backupTagParameter() : {})];
    if (args.retainDataVolumes) {
      // Only the retained class's volumes are backed up: the other's are scratch space and caches.
      blockStorage.push(gp3("gp3-retain", awsStorageClasses.retainedBlockStorage, "Retain", false, args.volumeBackups ? backupTagParameter() : {}));
    }
    if (args.volumeBackups) {
      new VolumeBackups(`${name}-backups`, {
        ...args.volumeBackups,
        clusterName: args.clusterName,
        fileSystemArn: fileSystem.fileSystemArn,
        kmsKeyArn: args.kmsKeyArns?.backup,
        tags,
      }, child);
    }
    const sharedStorage = new k8s.storage.v1.StorageClass(`${name}-efs`, {
      metadata: { name: awsStorageClasses.sharedStorage },
      provisioner: "efs.csi.aws.com",
      // One EFS access point per volume, each confined to its own directory.
      parameters: {
        provisioningMode: "efs-ap",
        fileSystemId: fileSystem.fileSystemId,
        directoryPerms: "770",
        basePath: "/dynamic",
        subPathPattern: "${.PVC.namespace}/${.PVC.name}",
        ensureUniqueDirectory: "true",
      },
      // Model caches can always be downloaded again.
      reclaimPolicy: "Delete",
      volumeBindingMode: "Immediate",
    }, { ...k8sOpts, dependsOn: fileSystem.mountTargets });

    new ClusterAutoscaler(`${name}-autoscaler`, {
      clusterName: args.clusterName,
      region: args.region,
      oidcProviderArn: cluster.oidcProviderArn,
      oidcIssuerUrl: cluster.oidcIssuerUrl,
      chart: args.clusterAutoscaler.chart,
      imageTag: args.clusterAutoscaler.imageTag,
      nodeSelector: { [nodePoolLabel]: systemPool },
      provider: this.provider,
      tags,
    }, { parent: this, dependsOn: allAddons });

    this.storage = {
      storageClass: awsStorageClasses.blockStorage,
      durableStorageClass: args.retainDataVolumes ? awsStorageClasses.retainedBlockStorage : awsStorageClasses.blockStorage,
      sharedStorageClass: awsStorageClasses.sharedStorage,
      sharedAccessMode: "ReadWriteMany",
    };
    this.gpuPools = gpuPools.map((pool, i) => ({
      name: pool.poolName,
      role: pool.role,
      gpuProduct: pool.gpu.product,
      nimGpu: pool.gpu.nimGpu,
      gpusPerNode: pool.gpu.gpus,
      size: { min: args.gpuNodePools[i].minSize, max: args.gpuNodePools[i].maxSize },
    }));
    this.systemNodeSelector = { [nodePoolLabel]: systemPool };
    this.ready = [...allAddons, ...systemGroups, ...gpuPools, ...blockStorage, sharedStorage];
    this.aws = {
      region: args.region,
      clusterName: args.clusterName,
      oidcProviderArn: cluster.oidcProviderArn,
      oidcIssuerUrl: cluster.oidcIssuerUrl,
      ...(args.kmsKeyArns ? { bucketKmsKeyArn: args.kmsKeyArns.s3 } : {}),
    };
    this.network = network;
    this.clusterSecurityGroupId = cluster.clusterSecurityGroupId;
    this.kubeconfig = cluster.kubeconfig;
    this.clusterName = cluster.clusterName;
    this.registerOutputs({ clusterName: this.clusterName, kubeconfig: this.kubeconfig });
  }
}
