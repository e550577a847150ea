import { z } from "zod";
import { namespaces } from "../../../infra/platform/namespaces";
import { supportedKubernetesVersions } from "../versions";

/** Value types shared by several sections of the stack config. */

export const dnsLabel = z
  .string()
  .regex(/^[a-z]([a-z0-9-]{0,30}[a-z0-9])?$/, "expected a lower-case DNS label (a-z, 0-9, '-'), at most 32 characters");

export const cidr = z
  .string()
  .regex(/^(\d{1,3}\.){3}\d{1,3}\/(\d|[12]\d|3[0-2])$/, "expected an IPv4 CIDR such as 10.0.0.0/16");

export const vpcCidr = cidr.refine((value) => {
  const prefix = Number(value.split("/")[1]);
  return prefix >= 16 && prefix <= 20;
}, "expected a VPC CIDR between /16 and /20, to leave room for a private and a public subnet per zone");

export const roleArn = z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, "expected an IAM role ARN (arn:aws:iam::<account>:role/<name>)");

export const kubernetesVersion = z.enum(supportedKubernetesVersions);

export const addonVersion = z.string().regex(/^v\d+\.\d+\.\d+-eksbuild\.\d+$/, "expected an EKS add-on version such as v1.20.4-eksbuild.2");

/** A Kubernetes namespace name: a DNS-1123 label. */
export const namespaceName = z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, "expected a namespace name (a DNS-1123 label)");

const platformNamespaceNames: readonly string[] = Object.values(namespaces);

/**
 * The namespace of a client of something the stack serves. The isolation table lets its pods in, and
 * the stack's own namespaces are not clients: listing one would open a path no application needs.
 */
export const clientNamespaceName = namespaceName.refine((n) => !platformNamespaceNames.includes(n), {
  error: (issue) => `"${String(issue.input)}" is one of the platform's own namespaces (${platformNamespaceNames.join(", ")}), not a client's`,
});

export const nodeCount = z.int().min(0);

/** Sizes of a managed node group. `desiredSize` only seeds the group: the autoscaler owns it afterwards. */
export const scaling = {
  minSize: nodeCount,
  desiredSize: nodeCount.optional(),
  maxSize: z.int().min(1),
};

export function checkScaling(pool: { minSize: number; desiredSize?: number; maxSize: number }, ctx: z.RefinementCtx): void {
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


/** An image tag that names one build: anything but a moving tag like `latest`. */
export const pinnedTag = z
  .string()
  .regex(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/, "expected an image tag")
  .refine((tag) => !["latest", "main", "master", "stable"].includes(tag), "must name one build, not a moving tag such as latest");

type WithoutDefault<T> = T extends z.ZodDefault<infer Inner> ? Inner : T;

/**
 * The fields of another schema's object, each optional and without its default: the stack passes on
 * what a stack file sets and leaves every default to the schema that owns it (the job's, for the
 * parts of a job configuration a workload sets), so the generated configuration stays minimal and
 * no default is written twice.
 */
export function optionalWithoutDefaults<Shape extends Record<string, z.ZodType>>(shape: Shape): { [Key in keyof Shape]: z.ZodOptional<WithoutDefault<Shape[Key]>> } {
  return Object.fromEntries(
    Object.entries(shape).map(([key, field]) => [key, (field instanceof z.ZodDefault ? (field.removeDefault() as z.ZodType) : field).optional()]),
  ) as { [Key in keyof Shape]: z.ZodOptional<WithoutDefault<Shape[Key]>> };
}
