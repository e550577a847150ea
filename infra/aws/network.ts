import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { serviceTrustPolicy, type PolicyDocument } from "./iam-policies";
import { subnetLayout } from "./subnet-layout";

/** `data-flywheel:aws.vpc.flowLogs`. */
export interface FlowLogSettings {
  /** Record the VPC's traffic; off, nothing below is created. */
  readonly enabled: boolean;
  /** Days CloudWatch keeps the records. */
  readonly retentionDays: number;
  /** Which connections to record. */
  readonly trafficType: "ALL" | "ACCEPT" | "REJECT";
  /**
   * KMS key that encrypts the log group; its key policy must let `logs.<region>.amazonaws.com` use it.
   * @default CloudWatch's own encryption
   */
  readonly kmsKeyArn?: pulumi.Input<string>;
}

/**
 * What the flow-log service may do with the role it assumes: write streams of one log group only
 * (`<group ARN>:*` covers its streams). The group already exists, so it may not create groups.
 */
export function flowLogDeliveryPolicy(logGroupArn: string): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
        Resource: [logGroupArn, `${logGroupArn}:*`],
      },
    ],
  };
}

export interface NetworkArgs {
  /** VPC address range, /16 to /20. */
  readonly cidr: string;
  /** Availability zones to spread subnets over (at least two for EKS). */
  readonly availabilityZones: readonly string[];
  /** One NAT gateway for all zones, or one per zone. */
  readonly natGateways: "single" | "perZone";
  /** EKS cluster name, for the subnet tags load balancers discover subnets by. */
  readonly clusterName: string;
  /**
   * VPC flow logs to a CloudWatch log group.
   * @default none
   */
  readonly flowLogs?: FlowLogSettings;
  readonly tags?: Record<string, string>;
}

/**
 * A VPC for an EKS cluster: nodes in private subnets, one per zone; public subnets only for NAT
 * gateways and internet-facing load balancers.
 */
export class Network extends pulumi.ComponentResource {
  readonly vpcId: pulumi.Output<string>;
  readonly vpcCidr: string;
  readonly privateSubnetIds: pulumi.Output<string>[];
  /** The private subnets' CIDRs, in the order of `privateSubnetIds`: known before any resource. */
  readonly privateSubnetCidrs: readonly string[];
  readonly publicSubnetIds: pulumi.Output<string>[];
  /** Private subnet of each zone. */
  readonly privateSubnetsByZone: ReadonlyMap<string, pulumi.Output<string>>;

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("data-flywheel:aws:Network", name, {}, opts);
    const parent = { parent: this };
    const tags = args.tags ?? {};
    const layout = subnetLayout(args.cidr, args.availabilityZones.length);

    const vpc = new aws.ec2.Vpc(name, { cidrBlock: args.cidr, enableDnsHostnames: true, enableDnsSupport: true, tags: { ...tags, Name: name } }, parent);
    // The default security group allows all traffic between its members; nothing should use it.
    new aws.ec2.DefaultSecurityGroup(`${name}-default`, { vpcId: vpc.id, tags: { ...tags, Name: `${name}-default-deny` } }, parent);
    const gateway = new aws.ec2.InternetGateway(name, { vpcId: vpc.id, tags: { ...tags, Name: name } }, parent);
    const publicRoutes = new aws.ec2.RouteTable(`${name}-public`, {
      vpcId: vpc.id,
      routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: gateway.id }],
      tags: { ...tags, Name: `${name}-public` },
    }, parent);

    const clusterTag = `kubernetes.io/cluster/${args.clusterName}`;
    const publicSubnets = args.availabilityZones.map((zone, i) => {
      const subnet = new aws.ec2.Subnet(`${name}-public-${zone}`, {
        vpcId: vpc.id,
        availabilityZone: zone,
        cidrBlock: layout[i].publicCidr,
        mapPublicIpOnLaunch: false,
        tags: { ...tags, Name: `${name}-public-${zone}`, "kubernetes.io/role/elb": "1", [clusterTag]: "shared" },
      }, parent);
      new aws.ec2.RouteTableAssociation(`${name}-public-${zone}`, { subnetId: subnet.id, routeTableId: publicRoutes.id }, parent);
      return subnet;
    });

    const natZones = args.natGateways === "perZone" ? args.availabilityZones : args.availabilityZones.slice(0, 1);
    const natGateways = natZones.map((zone, i) => {
      const eip = new aws.ec2.Eip(`${name}-nat-${zone}`, { domain: "vpc", tags: { ...tags, Name: `${name}-nat-${zone}` } }, parent);
      return new aws.ec2.NatGateway(`${name}-${zone}`, {
        allocationId: eip.id,
        subnetId: publicSubnets[i].id,
        tags: { ...tags, Name: `${name}-${zone}` },
      }, { parent: this, dependsOn: [gateway] });
    });

    const privateSubnets = args.availabilityZones.map((zone, i) => {
      const subnet = new aws.ec2.Subnet(`${name}-private-${zone}`, {
        vpcId: vpc.id,
        availabilityZone: zone,
        cidrBlock: layout[i].privateCidr,
        tags: { ...tags, Name: `${name}-private-${zone}`, "kubernetes.io/role/internal-elb": "1", [clusterTag]: "shared" },
      }, parent);
      const routes = new aws.ec2.RouteTable(`${name}-private-${zone}`, {
        vpcId: vpc.id,
        routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: (args.natGateways === "perZone" ? natGateways[i] : natGateways[0]).id }],
        tags: { ...tags, Name: `${name}-private-${zone}` },
      }, parent);
      new aws.ec2.RouteTableAssociation(`${name}-private-${zone}`, { subnetId: subnet.id, routeTableId: routes.id }, parent);
      return subnet;
    });

    if (args.flowLogs?.enabled) {
      this.flowLogs(name, vpc, args.flowLogs, args.clusterName, tags);
    }

    this.vpcId = vpc.id;
    this.vpcCidr = args.cidr;
    this.privateSubnetIds = privateSubnets.map((s) => s.id);
    this.privateSubnetCidrs = layout.map((zone) => zone.privateCidr);
    this.publicSubnetIds = publicSubnets.map((s) => s.id);
    this.privateSubnetsByZone = new Map(args.availabilityZones.map((zone, i) => [zone, privateSubnets[i].id]));
    this.registerOutputs({ vpcId: this.vpcId, privateSubnetIds: this.privateSubnetIds, publicSubnetIds: this.publicSubnetIds });
  }

  /** The log group (ours, so its retention is ours), the role the flow-log service writes it with, and the flow log. */
  private flowLogs(name: string, vpc: aws.ec2.Vpc, settings: FlowLogSettings, clusterName: string, tags: Record<string, string>): void {
    const parent = { parent: this };
    const logGroup = new aws.cloudwatch.LogGroup(`${name}-flow-logs`, {
      name: `/aws/vpc/${clusterName}/flow-logs`,
      retentionInDays: settings.retentionDays,
      ...(settings.kmsKeyArn ? { kmsKeyId: settings.kmsKeyArn } : {}),
      tags,
    }, parent);
    const role = new aws.iam.Role(`${name}-flow-logs`, { assumeRolePolicy: JSON.stringify(serviceTrustPolicy("vpc-flow-logs.amazonaws.com")), tags }, parent);
    const delivery = new aws.iam.RolePolicy(`${name}-flow-logs`, {
      role: role.id,
      policy: logGroup.arn.apply((arn) => JSON.stringify(flowLogDeliveryPolicy(arn))),
    }, parent);
    new aws.ec2.FlowLog(`${name}-flow-logs`, {
      vpcId: vpc.id,
      trafficType: settings.trafficType,
      logDestinationType: "cloud-watch-logs",
      logDestination: logGroup.arn,
      iamRoleArn: role.arn,
      tags: { ...tags, Name: name },
    }, { parent: this, dependsOn: [delivery] });
  }
}
