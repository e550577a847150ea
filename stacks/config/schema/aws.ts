import { z } from "zod";
import { gpuInstanceType, gpuInstanceTypes } from "../../../infra/gpu-instance-types";
import { gpuRoles } from "../../../flywheel-job/src/contract";
import { addonVersion, checkScaling, cidr, dnsLabel, kubernetesVersion, roleArn, scaling, vpcCidr } from "./common";

/** `data-flywheel:aws`: the EKS cluster this stack builds. */

/** EKS accepts at most this many public access CIDRs per cluster. */
const maxEndpointCidrs = 40;

/**
 * The IPv4 documentation ranges (RFC 5737, TEST-NET-1 to 3): no machine has an address in them, so
 * the shipped dev stack holds one where the deploying networks go.
 */
const documentationRanges = ["192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"];

function ipv4(address: string): number {
  return address.split(".").reduce((n, octet) => n * 256 + Number(octet), 0);
}

/** Whether every address of `inner` lies in `outer` (both IPv4 CIDRs). */
function within(inner: string, outer: string): boolean {
  const [innerAddress, innerPrefix] = inner.split("/");
  const [outerAddress, outerPrefix] = outer.split("/");
  const size = 2 ** (32 - Number(outerPrefix));
  return Number(innerPrefix) >= Number(outerPrefix) && Math.floor(ipv4(innerAddress) / size) === Math.floor(ipv4(outerAddress) / size);
}

/**
 * The endpoint CIDRs that lie in a documentation range, by index: placeholders a real deployment
 * must refuse, since a cluster reachable only from them locks out the runner that deploys it.
 */
export function placeholderEndpointCidrs(aws: AwsSettings): readonly { readonly index: number; readonly cidr: string }[] {
  if (!aws.cluster.endpoint.publicAccess) {
    return [];
  }
  return aws.cluster.endpoint.publicAccessCidrs.flatMap((cidr, index) => (documentationRanges.some((range) => within(cidr, range)) ? [{ index, cidr }] : []));
}

/** The retention periods (days) a CloudWatch log group accepts. */
const logRetentionDays: readonly number[] = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

const gpuNodePool = z
  .strictObject({
    /** Name of the pool; also the `data-flywheel.io/node-pool` label of its nodes. */
    name: dnsLabel,
    /** `inference` pools serve NIMs, `training` pools run LoRA fine-tuning. */
    role: z.enum(gpuRoles),
    /** EC2 GPU instance types; all must have the same GPU product and count. */
    instanceTypes: z.array(z.string()).min(1),
    capacityType: z.enum(["ON_DEMAND", "SPOT"]).default("ON_DEMAND"),
    ...scaling,
    /** Root volume size: container images of NIMs and training containers are large. */
    diskSizeGiB: z.int().min(50).max(16384).default(200),
    /**
     * Keep the pool in this one zone. Pods with EBS volumes must stay in their volume's zone, so a
     * training pool (workspace volumes) defaults to the first zone; an inference pool (weights come
     * from the shared EFS cache) spreads over all zones unless pinned.
     */
    availabilityZone: z.string().optional(),
  })
  .superRefine((pool, ctx) => {
    checkScaling(pool, ctx);
    const known = pool.instanceTypes.map((t) => gpuInstanceType(t));
    pool.instanceTypes.forEach((t, i) => {
      if (!known[i]) {
        ctx.addIssue({
          code: "custom",
          path: ["instanceTypes", i],
          input: t,
          message: `is not a GPU instance type this project knows (one of ${[...gpuInstanceTypes.keys()].join(", ")})`,
        });
      }
    });
    const first = known[0];
    known.forEach((k, i) => {
      if (first && k && (k.product !== first.product || k.gpus !== first.gpus)) {
        ctx.addIssue({
          code: "custom",
          path: ["instanceTypes", i],
          input: pool.instanceTypes[i],
          message: `has ${k.gpus}× ${k.product} but ${pool.instanceTypes[0]} has ${first.gpus}× ${first.product}; the autoscaler needs one GPU shape per pool`,
        });
      }
    });
  });

const systemNodes = z
  .strictObject({
    instanceTypes: z.array(z.string().regex(/^[a-z0-9-]+\.[a-z0-9]+$/, "expected an EC2 instance type such as m6i.xlarge")).min(1),
    /** Sizes are per availability zone: there is one node group per zone (see README). */
    ...scaling,
    diskSizeGiB: z.int().min(20).max(16384).default(100),
  })
  .superRefine(checkScaling);

export const awsSchema = z.strictObject({
  vpc: z.strictObject({
    cidr: vpcCidr.default("10.0.0.0/16"),
    /**
     * Zones to spread subnets and nodes over (at least two for EKS). Named explicitly because GPU
     * instance types are not offered in every zone of a region.
     */
    availabilityZones: z
      .array(z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d[a-z]$/, "expected an availability zone name such as us-west-2a"))
      .min(2)
      .max(6),
    /** `single`: one NAT gateway (cheaper, one zone's outage cuts egress); `perZone`: one per zone. */
    natGateways: z.enum(["single", "perZone"]),
    /** VPC flow logs to a CloudWatch log group of the stack's own; production requires them. */
    flowLogs: z
      .strictObject({
        enabled: z.boolean(),
        /** How long CloudWatch keeps the records; one of the retention periods CloudWatch accepts. */
        retentionDays: z
          .int()
          .refine((days) => logRetentionDays.includes(days), { message: `must be a CloudWatch retention period (${logRetentionDays.join(", ")})` })
          .default(90),
        /** Which connections to record: accepted, rejected or all. */
        trafficType: z.enum(["ALL", "ACCEPT", "REJECT"]).default("ALL"),
      })
      .default({ enabled: false, retentionDays: 90, trafficType: "ALL" }),
  }),
  cluster: z.strictObject({
    kubernetesVersion,
    endpoint: z.strictObject({
      publicAccess: z.boolean(),
      /** CIDRs allowed to reach a public endpoint: the runner that deploys and the admins' networks. */
      publicAccessCidrs: z.array(cidr).max(maxEndpointCidrs).default([]),
    }),
    /** Envelope-encrypt Kubernetes Secrets with a customer-managed KMS key. */
    secretsEncryption: z.boolean(),
    controlPlaneLogTypes: z.array(z.enum(["api", "audit", "authenticator", "controllerManager", "scheduler"])).default([]),
    /** IAM roles that get cluster-admin through EKS access entries. */
    adminRoleArns: z.array(roleArn).default([]),
    /** IAM roles CI deploys with (cluster-admin through EKS access entries). */
    ciRoleArns: z.array(roleArn).default([]),
    /**
     * Attach AmazonSSMManagedInstanceCore to the node role (one role for every node group), so
     * Systems Manager Session Manager can open a shell on any node for whoever may call
     * `ssm:StartSession`. Off: `kubectl debug node/<name>` reaches a node without it.
     */
    nodeSsmAccess: z.boolean().default(false),
    /** Overrides of the pinned EKS add-on versions (stacks/config/versions.ts), by add-on name. */
    addonVersions: z
      .strictObject({
        "vpc-cni": addonVersion.optional(),
        coredns: addonVersion.optional(),
        "kube-proxy": addonVersion.optional(),
        "aws-ebs-csi-driver": addonVersion.optional(),
        "aws-efs-csi-driver": addonVersion.optional(),
        // Installed only with data-flywheel:secrets.source aws-secrets-manager.
        "eks-pod-identity-agent": addonVersion.optional(),
      })
      .default({}),
  }),
  systemNodes,
  gpuNodePools: z.array(gpuNodePool).min(1),
  encryption: z
    .strictObject({
      /**
       * Encrypt node and claim EBS volumes, the EFS file system, RDS and the S3 buckets with the
       * stack's own KMS keys (one per kind, rotated yearly) instead of AWS-managed ones. On an
       * existing stack AWS must replace the EFS file system and the RDS instance to change their key:
       * follow the README's migration ("Customer-managed keys") first.
       */
      customerManagedKeys: z.boolean().default(false),
    })
    .default({ customerManagedKeys: false }),
  /**
   * AWS Backup over the EBS volumes of the durable StorageClass and the EFS file system: a daily
   * plan keeping each recovery point `retentionDays` days. Production requires it.
   */
  backups: z
    .strictObject({
      enabled: z.boolean(),
      /** Days AWS Backup keeps each recovery point (at least one). */
      retentionDays: z.int().min(1).default(35),
      /** When the daily backup starts (UTC), as AWS Backup writes cron: six fields, `?` in one day field. */
      schedule: z
        .string()
        .regex(/^cron\((\S+ ){5}\S+\)$/, "expected an AWS Backup cron expression such as cron(0 5 ? * * *)")
        .default("cron(0 5 ? * * *)"),
    })
    .default({ enabled: false, retentionDays: 35, schedule: "cron(0 5 ? * * *)" }),
});

/** The shortest retention (days) of production's volume backups: a week of daily restore points. */
export const productionBackupRetentionDays = 7;

export type AwsSettings = z.infer<typeof awsSchema>;

/** Rules that span several keys; production adds its own. */
export function checkAws(aws: AwsSettings, production: boolean, ctx: z.RefinementCtx): void {
  aws.gpuNodePools.forEach((pool, i) => {
    if (pool.availabilityZone !== undefined && !aws.vpc.availabilityZones.includes(pool.availabilityZone)) {
      ctx.addIssue({
        code: "custom",
        path: ["aws", "gpuNodePools", i, "availabilityZone"],
        input: pool.availabilityZone,
        message: `must be one of aws.vpc.availabilityZones (${aws.vpc.availabilityZones.join(", ")})`,
      });
    }
  });
  if (aws.cluster.adminRoleArns.length + aws.cluster.ciRoleArns.length === 0) {
    ctx.addIssue({
      code: "custom",
      path: ["aws", "cluster", "adminRoleArns"],
      input: [],
      message: "must list at least one role (here or in ciRoleArns): the cluster grants access only through these roles' access entries, and whoever runs `pulumi up` must be one of them",
    });
  }
  const endpoint = aws.cluster.endpoint;
  if (endpoint.publicAccess && endpoint.publicAccessCidrs.length === 0) {
    ctx.addIssue({
      code: "custom",
      path: ["aws", "cluster", "endpoint", "publicAccessCidrs"],
      input: [],
      message: "must list who may reach the public endpoint: the runner that deploys the stack and the admins' networks",
    });
  }
  // In every environment: an endpoint open to the internet is what scanners find, and no deployment
  // needs it (both stacks deploy from the self-hosted runner, whose egress address is known).
  endpoint.publicAccessCidrs.forEach((c, i) => {
    if (c.endsWith("/0")) {
      ctx.addIssue({
        code: "custom",
        path: ["aws", "cluster", "endpoint", "publicAccessCidrs", i],
        input: c,
        message: "must not open the API endpoint to the whole internet: list the runner that deploys the stack and the admins' networks, or turn publicAccess off",
      });
    }
  });
  if (!production) {
    return;
  }
  if (!aws.cluster.secretsEncryption) {
    ctx.addIssue({
      code: "custom",
      path: ["aws", "cluster", "secretsEncryption"],
      input: false,
      message: "must be true in production (KMS envelope encryption of Kubernetes Secrets)",
    });
  }
  if (aws.cluster.controlPlaneLogTypes.length === 0) {
    ctx.addIssue({
      code: "custom",
      path: ["aws", "cluster", "controlPlaneLogTypes"],
      input: [],
      message: "must enable control-plane logging in production (at least api and audit)",
    });
  }
  if (!aws.vpc.flowLogs.enabled) {
    ctx.addIssue({
      code: "custom",
      path: ["aws", "vpc", "flowLogs", "enabled"],
      input: false,
      message: "must be true in production: without VPC flow logs nobody can tell which addresses a node or pod talked to",
    });
  }
  if (!aws.encryption.customerManagedKeys) {
    ctx.addIssue({
      code: "custom",
      path: ["aws", "encryption", "customerManagedKeys"],
      input: false,
      message: "must be true in production (EBS, EFS, RDS and S3 encrypted with the stack's own KMS keys); an existing stack migrates its RDS instance first (README, \"Customer-managed keys\")",
    });
  }
  if (!aws.backups.enabled) {
    ctx.addIssue({
      code: "custom",
      path: ["aws", "backups", "enabled"],
      input: false,
      message: "must be true in production: Data Store's repositories and the databases' volumes have no other backup",
    });
  }
  if (aws.backups.retentionDays < productionBackupRetentionDays) {
    ctx.addIssue({
      code: "custom",
      path: ["aws", "backups", "retentionDays"],
      input: aws.backups.retentionDays,
      message: `must be at least ${productionBackupRetentionDays} days in production`,
    });
  }
  if (aws.vpc.natGateways !== "perZone") {
    ctx.addIssue({
      code: "custom",
      path: ["aws", "vpc", "natGateways"],
      input: aws.vpc.natGateways,
      message: "must be perZone in production, so one zone's outage does not cut every node's egress",
    });
  }
}

