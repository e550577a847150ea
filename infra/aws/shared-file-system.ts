import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { nfsPort } from "./nfs";

export interface SharedFileSystemArgs {
  readonly vpcId: pulumi.Input<string>;
  /**
   * Security group of the clients allowed to mount (NFS): the EKS cluster security group, which
   * every managed node carries, and pods with it (the cluster has no security groups for pods).
   */
  readonly clientSecurityGroupId: pulumi.Input<string>;
  /** One mount target per subnet, so every zone's nodes mount locally. */
  readonly subnetIds: pulumi.Input<string>[];
  /**
   * Customer-managed KMS key of the file system. AWS sets a file system's key when it creates it and
   * cannot change it: changing this replaces the file system (see the README, "Customer-managed keys").
   * @default the AWS-managed `aws/elasticfilesystem` key
   */
  readonly kmsKeyArn?: pulumi.Input<string>;
  readonly tags?: Record<string, string>;
}

/**
 * An encrypted EFS file system with a mount target in every zone: the ReadWriteMany storage the
 * NIM model caches live on, so one download serves every GPU node in every zone.
 */
export class SharedFileSystem extends pulumi.ComponentResource {
  readonly fileSystemId: pulumi.Output<string>;
  /** What AWS Backup selects the file system by. */
  readonly fileSystemArn: pulumi.Output<string>;
  /** The mount targets; volumes cannot be mounted before they exist. */
  readonly mountTargets: aws.efs.MountTarget[];

  constructor(name: string, args: SharedFileSystemArgs, opts?: pulumi.ComponentResourceOptions) {
    super("data-flywheel:aws:SharedFileSystem", name, {}, opts);
    const parent = { parent: this };
    const tags = args.tags ?? {};
    const fileSystem = new aws.efs.FileSystem(name, {
      encrypted: true,
      kmsKeyId: args.kmsKeyArn,
      performanceMode: "generalPurpose",
      // Elastic throughput: model loads are bursts far above what bursting credits would allow.
      throughputMode: "elastic",
      tags: { ...tags, Name: name },
    }, parent);
    const securityGroup = new aws.ec2.SecurityGroup(name, {
      vpcId: args.vpcId,
      // EC2 cannot change a group's description: a new one would replace the group (and move every
      // mount target to the new one) for a label. The nodes are the VPC's NFS clients the rule admits.
      description: "NFS from the cluster's VPC to the shared model cache",
      ingress: [{ protocol: "tcp", fromPort: nfsPort, toPort: nfsPort, securityGroups: [args.clientSecurityGroupId], description: "NFS" }],
      tags: { ...tags, Name: name },
    }, parent);
    this.mountTargets = args.subnetIds.map(
      (subnetId, i) => new aws.efs.MountTarget(`${name}-${i}`, { fileSystemId: fileSystem.id, subnetId, securityGroups: [securityGroup.id] }, parent),
    );
    this.fileSystemId = fileSystem.id;
    this.fileSystemArn = fileSystem.arn;
    this.registerOutputs({ fileSystemId: this.fileSystemId, fileSystemArn: this.fileSystemArn });
  }
}
