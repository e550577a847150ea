import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import { loadStackConfig, type StackConfig } from "../stacks/config/load";
import { stackFileConfigSource, type ConfigSource } from "../stacks/config/source";
import { defineStack } from "../stacks/program";
import { kubernetesObjects, type KubernetesObject } from "./manifests";
import { ResourceRecorder, type RecordedResource } from "./recorder";
import { secretMarker } from "./secret-masking";

/** What `pulumi up` would create for a stack, computed offline. */
export interface RenderedStack {
  readonly config: StackConfig;
  readonly resources: RecordedResource[];
  readonly manifests: KubernetesObject[];
  readonly outputs: Record<string, unknown>;
}

export const repoRoot = path.resolve(__dirname, "..");

/** Names of the stacks that have a `stacks/Pulumi.<stack>.yaml`. */
export function shippedStacks(root = repoRoot): string[] {
  return fs
    .readdirSync(path.join(root, "stacks"))
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();
}

/** A stack without a `stacks/Pulumi.<stack>.yaml`: a mistyped name, the user's to fix. */
export class UnknownStackError extends Error {
  constructor(stack: string, root: string) {
    super(`no stack file stacks/Pulumi.${stack}.yaml (stacks here: ${shippedStacks(root).join(", ")})`);
    this.name = "UnknownStackError";
  }
}

/** The stack file's configuration, as `pulumi up` in this project would see it. */
export function stackConfigSource(stack: string, root = repoRoot): ConfigSource {
  const file = path.join(root, "stacks", `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(file)) {
    throw new UnknownStackError(stack, root);
  }
  const project: unknown = parseYaml(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8"));
  const name = project && typeof project === "object" && "name" in project ? String(project.name) : "";
  return stackFileConfigSource(name, stack, file);
}

/**
 * Runs the real program under Pulumi mocks: no engine, no cloud, no cluster. Secrets the stack
 * file does not hold are placeholders. One render per process: Pulumi's runtime state is global.
 */
export async function renderSource(source: ConfigSource): Promise<RenderedStack> {
  const config = loadStackConfig(source, "placeholder");
  const recorder = new ResourceRecorder(config.region ?? "us-east-1");
  await recorder.install(source.project, source.stack);
  pulumi.runtime.setAllConfig({ ...source.values }, [...source.secretKeys]);
  // The stack's own copy of the outputs has lost their secretness; keep the program's.
  let outputs: Record<string, unknown> = {};
  await pulumi.runtime.runInPulumiStack(async () => {
    recorder.trackParents();
    outputs = defineStack(config);
    return outputs;
  });
  const resolved = await resolveOutputs(outputs);
  await pulumi.runtime.disconnect();
  const resources = await recorder.resources();
  return { config, resources, manifests: kubernetesObjects(resources), outputs: resolved };
}

/** Stack outputs as plain values, secret ones shown as "[secret]". */
async function resolveOutputs(outputs: Record<string, unknown>): Promise<Record<string, unknown>> {
  const entries = await Promise.all(
    Object.entries(outputs).map(async ([key, value]) => {
      const output = pulumi.output(value) as pulumi.Output<unknown>;
      if (await pulumi.isSecret(output)) {
        return [key, secretMarker] as const;
      }
      return [key, await new Promise<unknown>((resolve) => output.apply(resolve))] as const;
    }),
  );
  return Object.fromEntries(entries);
}

export function renderStack(stack: string, root = repoRoot): Promise<RenderedStack> {
  return renderSource(stackConfigSource(stack, root));
}
