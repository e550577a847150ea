/**
 * A policy's settings: its defaults, overlaid with what the pack config for the stack's environment
 * sets (`policies/config/<environment>.json`, passed as `--policy-pack-config`). Defaults are the
 * production settings, so a stack reviewed without a config file is held to the strictest bar.
 */
export function policyConfig<T extends object>(args: { getConfig<C extends object>(): C }, defaults: T): T {
  return { ...defaults, ...args.getConfig<Partial<T>>() };
}
