import * as fs from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { manifestFileName } from "./manifests";
import type { RenderedStack } from "./render-stack";

/** Writes `resources.json`, `outputs.json` and `manifests/*.yaml` under `dir`, replacing what was there. */
export function writeRendered(rendered: RenderedStack, dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, "manifests"), { recursive: true });
  fs.writeFileSync(path.join(dir, "resources.json"), `${JSON.stringify(rendered.resources, null, 2)}\n`);
  fs.writeFileSync(path.join(dir, "outputs.json"), `${JSON.stringify(rendered.outputs, null, 2)}\n`);
  const seen = new Set<string>();
  for (const object of rendered.manifests) {
    const file = manifestFileName(object);
    if (seen.has(file)) {
      throw new Error(`two objects render to manifests/${file}: ${object.kind} ${object.metadata.namespace ?? ""}/${object.metadata.name} is declared twice`);
    }
    seen.add(file);
    fs.writeFileSync(path.join(dir, "manifests", file), stringify(object, { lineWidth: 0 }));
  }
}

/** A short, human summary: resource counts by type and the GPU pools. */
export function summarize(rendered: RenderedStack): string {
  const counts = new Map<string, number>();
  for (const r of rendered.resources) {
    counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
  }
  const lines = [
    `stack ${rendered.config.stack} (${rendered.config.environment}, cloud: ${rendered.config.cloud}): ${rendered.resources.length} resources, ${rendered.manifests.length} Kubernetes objects`,
    "",
    "resources by type:",
    ...[...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([type, n]) => `  ${String(n).padStart(4)}  ${type}`),
    "",
    "GPU pools:",
  ];
  const aws = rendered.config.aws;
  if (aws) {
    for (const pool of aws.gpuNodePools) {
      lines.push(
        `  ${pool.name.padEnd(14)} ${pool.role.padEnd(10)} ${pool.instanceTypes.join(",").padEnd(22)} ${pool.capacityType.padEnd(10)} min ${pool.minSize} / max ${pool.maxSize}, ${pool.diskSizeGiB} GiB disk`,
      );
    }
  } else {
    const pools = rendered.config.existingCluster?.gpuPools ?? [];
    lines.push(...(pools.length ? pools.map((p) => `  ${p.name.padEnd(14)} ${p.role.padEnd(10)} ${p.gpusPerNode}× ${p.gpuProduct} per node (existing nodes)`) : ["  none declared"]));
  }
  return lines.join("\n");
}
