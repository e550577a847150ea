import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface SharedFileSystemArgs {
  readonly vpcId: pulumi.Input<string>;
  /** Clients allowed to mount (NFS) — the VPC's range. */
  readonly clientCidr: string;
  /** One mount target per subnet, so every zone's nodes mount locally. */
  readonly subnetIds: pulumi.Input<string>[];
  readonly tags?: Record<string, string>;
}

/**
 * An encrypted EFS file system with a mount target in every zone: the ReadWriteMany storage the
 * NIM model caches live on, so one download serves every GPU node in every zone.
 */
export class SharedFileSystem extends pulumi.ComponentResource {
  readonly fileSystemId: pulumi.Output<string>;
  /** The mount targets; volumes cannot be mounted before they exist. */
  readonly mountTargets: aws.efs.MountTarget[];

  constructor(name: string, args: SharedFileSystemArgs, opts?: pulumi.ComponentResourceOptions) {
    super("data-flywheel:aws:SharedFileSystem", name, {}, opts);
    const parent = { parent: this };
    const tags = args.tags ?? {};
    const fileSystem = new aws.efs.FileSystem(name, {
      encrypted: true,
      performanceMode: "generalPurpose",
      // Elastic throughput: model loads are bursts far above what bursting credits would allow.
      throughputMode: "elastic",
      tags: { ...tags, Name: name },
    }, parent);
    const securityGroup = new aws.ec2.SecurityGroup(name, {
      vpcId: args.vpcId,
      description: "NFS from the cluster's VPC to the shared model cache",
      ingress: [{ protocol: "tcp", fromPort: 2049, toPort: 2049, cidrBlocks: [args.clientCidr], description: "NFS" }],
      tags: { ...tags, Name: name },
    }, parent);
    this.mountTargets = args.subnetIds.map(
      (subnetId, i) => new aws.efs.MountTarget(`${name}-${i}`, { fileSystemId: fileSystem.id, subnetId, securityGroups: [securityGroup.id] }, parent),
    );
    this.fileSystemId = fileSystem.id;
    this.registerOutputs({ fileSystemId: this.fileSystemId });
  }
}
