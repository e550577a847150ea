import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { eksTaintEffect, nodeTemplateTags, type NodeTaint } from "./autoscaler-tags";

export interface ManagedNodeGroupArgs {
  readonly clusterName: pulumi.Input<string>;
  readonly nodeRoleArn: pulumi.Input<string>;
  /** Subnets the group's instances start in; one subnet keeps the group in one zone. */
  readonly subnetIds: pulumi.Input<string>[];
  readonly instanceTypes: readonly string[];
  readonly capacityType: "ON_DEMAND" | "SPOT";
  readonly amiType: "AL2023_x86_64_STANDARD" | "AL2023_x86_64_NVIDIA";
  readonly minSize: number;
  /**
   * Size the group starts with. Pulumi ignores later changes to it: the Cluster Autoscaler owns it.
   * @default minSize
   */
  readonly desiredSize?: number;
  readonly maxSize: number;
  /** Root volume size, GiB. */
  readonly diskSizeGiB: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly taints: readonly NodeTaint[];
  /**
   * Extended resources a node advertises once running (e.g. `nvidia.com/gpu`), so the autoscaler
   * can scale the group up from zero.
   * @default none
   */
  readonly extendedResources?: Readonly<Record<string, string>>;
  /**
   * Customer-managed KMS key the root volume is encrypted with; its key policy must let EC2 Auto
   * Scaling's service-linked role use it (`stackKeyPolicy`), or instances fail to launch.
   * @default the account's AWS-managed `aws/ebs` key
   */
  readonly kmsKeyArn?: pulumi.Input<string>;
  readonly tags?: Record<string, string>;
}

/**
 * An EKS managed node group with a launch template that requires IMDSv2 (hop limit 1, so pods
 * cannot borrow the node's IAM role) and encrypts the root volume, tagged so the Cluster
 * Autoscaler can scale it from zero.
 */
export class ManagedNodeGroup extends pulumi.ComponentResource {
  readonly nodeGroupName: pulumi.Output<string>;
  readonly autoScalingGroupName: pulumi.Output<string>;

  constructor(name: string, args: ManagedNodeGroupArgs, opts?: pulumi.ComponentResourceOptions) {
    super("data-flywheel:aws:ManagedNodeGroup", name, {}, opts);
    const parent = { parent: this };
    const tags = args.tags ?? {};

    // No security groups here: a launch template's groups would replace the cluster security group
    // EKS otherwise attaches, cutting nodes off from the control plane. The disk size lives here too:
    // EKS rejects a node group's diskSize when it has a launch template.
    const launchTemplate = new aws.ec2.LaunchTemplate(name, {
      updateDefaultVersion: true,
      metadataOptions: {
        httpEndpoint: "enabled",
        httpTokens: "required",
        httpPutResponseHopLimit: 1,
      },
      blockDeviceMappings: [
        {
          deviceName: "/dev/xvda",
          ebs: { volumeSize: args.diskSizeGiB, volumeType: "gp3", encrypted: "true", kmsKeyId: args.kmsKeyArn, deleteOnTermination: "true" },
        },
      ],
      tagSpecifications: [
        { resourceType: "instance", tags: { ...tags, Name: name } },
        { resourceType: "volume", tags: { ...tags, Name: name } },
      ],
      tags,
    }, parent);

    const nodeGroup = new aws.eks.NodeGroup(name, {
      clusterName: args.clusterName,
      nodeRoleArn: args.nodeRoleArn,
      subnetIds: args.subnetIds,
      amiType: args.amiType,
      capacityType: args.capacityType,
      instanceTypes: [...args.instanceTypes],
      scalingConfig: { minSize: args.minSize, desiredSize: args.desiredSize ?? args.minSize, maxSize: args.maxSize },
      updateConfig: { maxUnavailable: 1 },
      launchTemplate: { id: launchTemplate.id, version: launchTemplate.latestVersion.apply(String) },
      labels: { ...args.labels },
      taints: args.taints.map((t) => ({ key: t.key, value: t.value, effect: eksTaintEffect(t.effect) })),
      tags,
    }, { parent: this, ignoreChanges: ["scalingConfig.desiredSize"] });

    this.nodeGroupName = nodeGroup.nodeGroupName;
    this.autoScalingGroupName = nodeGroup.resources.apply((r) => r[0].autoscalingGroups[0].name);

    const templateTags = nodeTemplateTags({ labels: args.labels, taints: args.taints, resources: args.extendedResources ?? {} });
    for (const [key, value] of Object.entries(templateTags)) {
      new aws.autoscaling.Tag(`${name}-${key.split("/").slice(3).join("-").replace(/[^A-Za-z0-9-]/g, "-")}`, {
        autoscalingGroupName: this.autoScalingGroupName,
        tag: { key, value, propagateAtLaunch: false },
      }, parent);
    }
    this.registerOutputs({ nodeGroupName: this.nodeGroupName, autoScalingGroupName: this.autoScalingGroupName });
  }
}
