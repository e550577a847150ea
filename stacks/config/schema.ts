import { z } from "zod";
import { gpuInstanceType, gpuInstanceTypes } from "../../infra/aws/gpu-instance-types";
import { gpuRoles } from "../../constructs/scheduling";
import { supportedKubernetesVersions } from "./versions";

/**
 * The schema of everything a stack file can set under the project's namespace. Every object is
 * strict: an unknown key is an error, because a misspelt key that is silently ignored is a default
 * nobody chose.
 */

const dnsLabel = z
  .string()
  .regex(/^[a-z]([a-z0-9-]{0,30}[a-z0-9])?$/, "expected a lower-case DNS label (a-z, 0-9, '-'), at most 32 characters");

const cidr = z
  .string()
  .regex(/^(\d{1,3}\.){3}\d{1,3}\/(\d|[12]\d|3[0-2])$/, "expected an IPv4 CIDR such as 10.0.0.0/16");

const vpcCidr = cidr.refine((value) => {
  const prefix = Number(value.split("/")[1]);
  return prefix >= 16 && prefix <= 20;
}, "expected a VPC CIDR between /16 and /20, to leave room for a private and a public subnet per zone");

const roleArn = z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, "expected an IAM role ARN (arn:aws:iam::<account>:role/<name>)");

const kubernetesVersion = z.enum(supportedKubernetesVersions);

const addonVersion = z.string().regex(/^v\d+\.\d+\.\d+-eksbuild\.\d+$/, "expected an EKS add-on version such as v1.20.4-eksbuild.2");

const nodeCount = z.int().min(0);

/** Sizes of a managed node group. `desiredSize` only seeds the group: the autoscaler owns it afterwards. */
const scaling = {
  minSize: nodeCount,
  desiredSize: nodeCount.optional(),
  maxSize: z.int().min(1),
};

function checkScaling(pool: { minSize: number; desiredSize?: number; maxSize: number }, ctx: z.RefinementCtx): void {
  if (pool.minSize > pool.maxSize) {
    ctx.addIssue({ code: "custom", path: ["minSize"], input: pool.minSize, message: `must not exceed maxSize (${pool.maxSize})` });
  }
  if (pool.desiredSize !== undefined && (pool.desiredSize < pool.minSize || pool.desiredSize > pool.maxSize)) {
    ctx.addIssue({
      code: "custom",
      path: ["desiredSize"],
      input: pool.desiredSize,
      message: `must lie between minSize (${pool.minSize}) and maxSize (${pool.maxSize})`,
    });
  }
}

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

const awsSchema = z.strictObject({
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
  }),
  cluster: z.strictObject({
    kubernetesVersion,
    endpoint: z.strictObject({
      publicAccess: z.boolean(),
      /** CIDRs allowed to reach a public endpoint. */
      publicAccessCidrs: z.array(cidr).default([]),
    }),
    /** Envelope-encrypt Kubernetes Secrets with a customer-managed KMS key. */
    secretsEncryption: z.boolean(),
    controlPlaneLogTypes: z.array(z.enum(["api", "audit", "authenticator", "controllerManager", "scheduler"])).default([]),
    /** IAM roles that get cluster-admin through EKS access entries. */
    adminRoleArns: z.array(roleArn).default([]),
    /** IAM roles CI deploys with (cluster-admin through EKS access entries). */
    ciRoleArns: z.array(roleArn).default([]),
    /** Overrides of the pinned EKS add-on versions (stacks/config/versions.ts), by add-on name. */
    addonVersions: z
      .strictObject({
        "vpc-cni": addonVersion.optional(),
        coredns: addonVersion.optional(),
        "kube-proxy": addonVersion.optional(),
        "aws-ebs-csi-driver": addonVersion.optional(),
        "aws-efs-csi-driver": addonVersion.optional(),
      })
      .default({}),
  }),
  systemNodes,
  gpuNodePools: z.array(gpuNodePool).min(1),
});

const existingGpuPool = z.strictObject({
  name: dnsLabel,
  role: z.enum(gpuRoles),
  /** The `nvidia.com/gpu.product` label of the pool's nodes, e.g. NVIDIA-L40S. */
  gpuProduct: z.string().min(1),
  gpusPerNode: z.int().min(1),
});

const existingClusterSchema = z.strictObject({
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
  /** The GPU pools the cluster has; their nodes must carry the role label and GPU taint (README). */
  gpuPools: z.array(existingGpuPool).default([]),
});

export const stackConfigSchema = z
  .strictObject({
    /** `production` turns on the checks a production cluster must pass. */
    environment: z.enum(["development", "production"]),
    /** `aws`: this stack builds an EKS cluster. `existing`: it deploys into the current kubeconfig's cluster. */
    cloud: z.enum(["aws", "existing"]),
    aws: awsSchema.optional(),
    existingCluster: existingClusterSchema.optional(),
  })
  .superRefine((cfg, ctx) => {
    if (cfg.cloud === "aws" && !cfg.aws) {
      ctx.addIssue({ code: "custom", path: ["aws"], input: undefined, message: "is required when cloud is aws" });
    }
    if (cfg.cloud === "aws" && cfg.existingCluster) {
      ctx.addIssue({ code: "custom", path: ["existingCluster"], input: "(set)", message: "only applies when cloud is existing" });
    }
    if (cfg.cloud === "existing" && cfg.aws) {
      ctx.addIssue({ code: "custom", path: ["aws"], input: "(set)", message: "only applies when cloud is aws" });
    }
    if (cfg.aws) {
      checkAws(cfg.aws, cfg.environment === "production", ctx);
    }
    const pools = cfg.aws?.gpuNodePools ?? cfg.existingCluster?.gpuPools ?? [];
    const where = cfg.aws ? ["aws", "gpuNodePools"] : ["existingCluster", "gpuPools"];
    pools.forEach((p, i) => {
      if (pools.findIndex((q) => q.name === p.name) !== i) {
        ctx.addIssue({ code: "custom", path: [...where, i, "name"], input: p.name, message: "is used by another pool; pool names must be unique" });
      }
    });
  });

type AwsConfig = z.infer<typeof awsSchema>;

function checkAws(aws: AwsConfig, production: boolean, ctx: z.RefinementCtx): void {
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
  const endpoint = aws.cluster.endpoint;
  if (endpoint.publicAccess && endpoint.publicAccessCidrs.length === 0) {
    ctx.addIssue({
      code: "custom",
      path: ["aws", "cluster", "endpoint", "publicAccessCidrs"],
      input: [],
      message: "must list who may reach the public endpoint (0.0.0.0/0 for anyone, development only)",
    });
  }
  if (!production) {
    return;
  }
  if (endpoint.publicAccess && endpoint.publicAccessCidrs.includes("0.0.0.0/0")) {
    ctx.addIssue({
      code: "custom",
      path: ["aws", "cluster", "endpoint", "publicAccessCidrs"],
      input: endpoint.publicAccessCidrs,
      message: "a production API endpoint must not be open to 0.0.0.0/0: turn publicAccess off or list your CIDRs",
    });
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
  if (aws.vpc.natGateways !== "perZone") {
    ctx.addIssue({
      code: "custom",
      path: ["aws", "vpc", "natGateways"],
      input: aws.vpc.natGateways,
      message: "must be perZone in production, so one zone's outage does not cut every node's egress",
    });
  }
}

export type StackSettings = z.infer<typeof stackConfigSchema>;
export type AwsSettings = NonNullable<StackSettings["aws"]>;
export type GpuNodePoolSettings = AwsSettings["gpuNodePools"][number];
export type SystemNodeSettings = AwsSettings["systemNodes"];
export type ExistingClusterSettings = NonNullable<StackSettings["existingCluster"]>;
