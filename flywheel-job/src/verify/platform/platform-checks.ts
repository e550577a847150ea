import { endpointsCheck } from "./http-endpoints";
import { flywheelApiCheck } from "./http-flywheel-api";
import { nemoHealthCheck } from "./http-nemo-health";
import { networkSampleCheck } from "./network-sample";
import { elasticsearchCheck } from "./store-elasticsearch";
import { mongodbCheck } from "./store-mongodb";
import { postgresCheck } from "./store-postgres";
import { redisCheck } from "./store-redis";
import { gpuPoolsCheck, type GpuProbeSettings } from "./gpu-pools-check";
import { nimCachesCheck } from "./nimcaches-check";
import { operatorsCheck } from "./operators-check";
import type { PlatformCheck } from "./platform-check";
import type { PlatformKubernetes } from "./platform-kubernetes";

/** How the checks reach what they check: the Kubernetes API (connected once, on first use). */
export interface PlatformCheckConnections {
  kubernetes(): Promise<PlatformKubernetes>;
}

export interface PlatformCheckOptions {
  /** `--probe-gpu`: how the probe pods wait; undefined without it. */
  readonly probe?: GpuProbeSettings;
}

/** Every group of `verify platform`, in the checklist's order; `--only` picks among their names. */
export function platformChecks(connections: PlatformCheckConnections, options: PlatformCheckOptions): PlatformCheck[] {
  let connected: Promise<PlatformKubernetes> | undefined;
  const kubernetes = (): Promise<PlatformKubernetes> => (connected ??= connections.kubernetes());
  return [
    operatorsCheck(kubernetes),
    gpuPoolsCheck(kubernetes, options.probe),
    nimCachesCheck(kubernetes),
    nemoHealthCheck(),
    elasticsearchCheck(),
    mongodbCheck(),
    redisCheck(),
    postgresCheck(),
    endpointsCheck(),
    flywheelApiCheck(),
    networkSampleCheck(),
  ];
}
