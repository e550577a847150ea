import type { PlatformCheckContext } from "../../src/verify/platform/platform-check";
import type { PlatformVerifyConfig } from "../../src/verify/platform/platform-verify-contract";

/** A configuration with nothing to check, which a test adds its group's part to. */
export const emptyPlatformConfig: PlatformVerifyConfig = {
  stack: "dev",
  operators: [],
  nemoServices: [],
  gpuPools: [],
  gpuProbe: { namespace: "flywheel", image: "registry.example/flywheel@sha256:0" },
  nimCaches: [],
  endpoints: [],
  networkSample: { allowed: [], denied: [] },
};

/** What a check is given: `config` over the empty one, credentials from `credentials` by key. */
export function platformCheckContext(config: Partial<PlatformVerifyConfig>, credentials: Record<string, string> = {}, callTimeoutMs = 2_000): PlatformCheckContext {
  return {
    config: { ...emptyPlatformConfig, ...config },
    readCredential: (file) => {
      const value = credentials[file];
      if (value === undefined) throw new Error(`no credential ${file}`);
      return value;
    },
    signal: new AbortController().signal,
    callTimeoutMs,
  };
}
