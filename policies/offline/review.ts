import type {
  EnforcementLevel,
  Policy,
  PolicyResource,
  PolicyResourceOptions,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationPolicy,
} from "@pulumi/policy";
import type { ConfiguredPolicy } from "./config";
import type { ReviewedResource } from "./dist";

/** One policy violation, as `pulumi preview --policy-pack` reports it. */
export interface Violation {
  readonly policyName: string;
  readonly enforcementLevel: EnforcementLevel;
  readonly description: string;
  readonly message: string;
  /** The resource in violation; a stack policy may report the stack as a whole. */
  readonly resource?: ReviewedResource;
}

/** What a review found. */
export interface Review {
  readonly violations: Violation[];
  /** Policies that ran (not disabled). */
  readonly policies: number;
  readonly resources: number;
}

class NotApplicable extends Error {}

function isStackPolicy(policy: Policy): policy is StackValidationPolicy {
  return "validateStack" in policy && typeof (policy as StackValidationPolicy).validateStack === "function";
}

const options: PolicyResourceOptions = {
  protect: false,
  ignoreChanges: [],
  aliases: [],
  customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
  additionalSecretOutputs: [],
};

/** The Pulumi type token an SDK resource class carries. */
function pulumiTypeOf(resourceClass: unknown): string | undefined {
  const type = (resourceClass as { __pulumiType?: unknown }).__pulumiType;
  return typeof type === "string" ? type : undefined;
}

function notApplicable(reason?: string): never {
  throw new NotApplicable(reason);
}

/** Runs a policy callback; a policy that throws stops the review, naming the policy and the resource. */
async function run(policy: Policy, what: string, callback: () => Promise<void> | void): Promise<void> {
  try {
    await callback();
  } catch (error) {
    if (!(error instanceof NotApplicable)) {
      throw new Error(`policy ${policy.name} failed on ${what}: ${(error as Error).message}`, { cause: error });
    }
  }
}

/**
 * Runs every policy over a stack's resources the way the Pulumi engine does in a preview:
 * resource policies once per resource, stack policies once over all of them, each with its
 * configured settings; disabled policies do not run.
 */
export async function reviewResources(
  resources: readonly ReviewedResource[],
  configured: readonly ConfiguredPolicy[],
  stack: string,
  project: string,
): Promise<Review> {
  const urnOf = (r: ReviewedResource): string => `urn:pulumi:${stack}::${project}::${r.type}::${r.name}`;
  const violations: Violation[] = [];
  const active = configured.filter((c) => c.enforcementLevel !== "disabled");
  for (const { policy, enforcementLevel, config } of active) {
    const violation = (message: string, resource?: ReviewedResource): Violation => ({
      policyName: policy.name,
      enforcementLevel,
      description: policy.description,
      message,
      ...(resource ? { resource } : {}),
    });
    const getConfig = <T extends object>(): T => config as T;
    if (isStackPolicy(policy)) {
      const byUrn = new Map(resources.map((r) => [urnOf(r), r]));
      const policyResources: PolicyResource[] = resources.map((r) => ({
        type: r.type,
        props: r.props,
        urn: urnOf(r),
        name: r.name,
        opts: { ...options, ...(r.parent ? { parent: r.parent } : {}) },
        dependencies: [],
        propertyDependencies: {},
        isType: (resourceClass) => pulumiTypeOf(resourceClass) === r.type,
        asType: (resourceClass) => (pulumiTypeOf(resourceClass) === r.type ? (r.props as never) : undefined),
      }));
      await run(policy, "the stack", () =>
        policy.validateStack({ resources: policyResources, stackTags: new Map(), getConfig, notApplicable }, (message, urn) => {
          violations.push(violation(message, urn ? byUrn.get(urn) : undefined));
        }),
      );
      continue;
    }
    const validations = [(policy as ResourceValidationPolicy).validateResource ?? []].flat();
    for (const resource of resources) {
      const args: ResourceValidationArgs = {
        type: resource.type,
        props: resource.props,
        urn: urnOf(resource),
        name: resource.name,
        opts: { ...options, ...(resource.parent ? { parent: resource.parent } : {}) },
        stackTags: new Map(),
        isType: (resourceClass) => pulumiTypeOf(resourceClass) === resource.type,
        asType: (resourceClass) => (pulumiTypeOf(resourceClass) === resource.type ? (resource.props as never) : undefined),
        getConfig,
        notApplicable,
      };
      for (const validate of validations) {
        await run(policy, `${resource.type} "${resource.name}" (${resource.source})`, () =>
          validate(args, (message) => {
            violations.push(violation(message, resource));
          }),
        );
      }
    }
  }
  return { violations, policies: active.length, resources: resources.length };
}
