import { gpuNodeSelector, gpuRoleLabel, type GpuRole } from "../../flywheel-job/src/contract";
import { fail } from "./errors";

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
