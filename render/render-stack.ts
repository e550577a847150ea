import * as pulumi from "@pulumi/pulumi";
import { loadStackConfig, type StackConfig } from "../stacks/config/load";
import type { ConfigSource } from "../stacks/config/source";
import { defineStack } from "../stacks/program";
import type { KubernetesObject } from "../policies/lib/kubernetes-object";
import { kubernetesObjects } from "./manifests";
import { ResourceRecorder, type RecordedResource } from "./recorder";
import { secretMarker } from "./secret-masking";
import { repoRoot, stackConfigSource } from "./stack-files";

/** What `pulumi up` would create for a stack, computed offline. */
export interface RenderedStack {
  readonly config: StackConfig;
  readonly resources: RecordedResource[];
  readonly manifests: KubernetesObject[];
  readonly outputs: Record<string, unknown>;
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
  await pulumi.runtime.runInPulumiStack(() => {
    recorder.trackParents();
    outputs = defineStack(config);
    return Promise.resolve(outputs);
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
