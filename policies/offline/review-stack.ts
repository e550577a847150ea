import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { packName, packVersion } from "../pack";
import { policies } from "../policies";
import { isRecord } from "../lib/values";
import { configurePolicies, PolicyConfigError, readPolicyPackConfig } from "./config";
import { loadRenderedStack, type ReviewedResource } from "./dist";
import type { ReviewSubject } from "./report";
import { reviewResources, type Review } from "./review";

/** The repository root: policies/offline/ is two levels down. */
export const repoRoot = path.resolve(__dirname, "..", "..");

/** The project name Pulumi puts into URNs. */
function projectName(root: string): string {
  const project: unknown = parseYaml(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8"));
  return isRecord(project) && typeof project.name === "string" ? project.name : "project";
}

/** `data-flywheel:environment` of `stacks/Pulumi.<stack>.yaml`: the environment whose policy config applies. */
export function environmentOf(stack: string, root = repoRoot): string {
  const file = path.join(root, "stacks", `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(file)) {
    throw new PolicyConfigError(`no stack file stacks/Pulumi.${stack}.yaml`);
  }
  const parsed: unknown = parseYaml(fs.readFileSync(file, "utf8"));
  const environment = isRecord(parsed) && isRecord(parsed.config) ? parsed.config[`${projectName(root)}:environment`] : undefined;
  if (typeof environment !== "string") {
    throw new PolicyConfigError(`stacks/Pulumi.${stack}.yaml sets no ${projectName(root)}:environment, so no policy config applies`);
  }
  return environment;
}

/** `policies/config/<environment>.json`, what `--policy-pack-config` takes in a real preview. */
export function policyConfigFile(environment: string, root = repoRoot): string {
  return path.join(root, "policies", "config", `${environment}.json`);
}

export interface StackReview {
  readonly review: Review;
  readonly subject: ReviewSubject;
}

/** Reviews the rendered stack in `dir` against every policy, with the config of the stack's environment. */
export async function reviewResourcesOfStack(stack: string, resources: readonly ReviewedResource[], dir: string, root = repoRoot): Promise<StackReview> {
  const environment = environmentOf(stack, root);
  const configFile = policyConfigFile(environment, root);
  const configured = configurePolicies(policies, readPolicyPackConfig(configFile), path.relative(root, configFile));
  const review = await reviewResources(resources, configured, stack, projectName(root));
  return {
    review,
    subject: {
      packName,
      packVersion: packVersion(),
      stack,
      environment,
      dir: path.relative(process.cwd(), dir) || ".",
      configFile: path.relative(process.cwd(), configFile),
    },
  };
}

/** Reviews `dist/<stack>/` (or another render directory) as `npm run policy -- <stack> --no-render` does. */
export function reviewRenderedStack(stack: string, dir = path.join(repoRoot, "dist", stack), root = repoRoot): Promise<StackReview> {
  return reviewResourcesOfStack(stack, loadRenderedStack(dir), dir, root);
}
