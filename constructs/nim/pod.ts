import { gpuNodeSelector, gpuRoleLabel, type GpuRole } from "../../flywheel-job/src/contract";
import { fail } from "./validation";

/**
 * The node selector of pods on a GPU pool: the pool's role label plus any extra labels (e.g. a
 * specific pool name). Extra labels cannot move the pod to a pool of another role.
 */
export function gpuPoolNodeSelector(owner: string, prop: string, role: GpuRole, extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  const selector = gpuNodeSelector(role);
  const requested = extra[gpuRoleLabel];
  if (requested !== undefined && requested !== selector[gpuRoleLabel]) {
    fail(owner, `${prop} sets ${gpuRoleLabel}="${requested}", but these pods run on the ${role} pool`);
  }
  return { ...extra, ...selector };
}

/** Environment variables as the Kubernetes list, sorted by name so output is stable. */
export function renderEnv(owner: string, prop: string, env: Readonly<Record<string, string>> = {}): { name: string; value: string }[] | undefined {
  const entries = Object.entries(env).sort(([a], [b]) => a.localeCompare(b));
  for (const [name] of entries) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      fail(owner, `${prop} name "${name}" is not a valid environment variable name`);
    }
  }
  return entries.length > 0 ? entries.map(([name, value]) => ({ name, value })) : undefined;
}
