import type { PlatformCheck } from "./platform-check";
import { kubernetesFailure, type PlatformKubernetes } from "./platform-kubernetes";
import type { PlatformCheckResult } from "./platform-verify-contract";

/** What a crash of the NVIDIA container runtime or a GPU mismatch says: the guide's CrashLoopBackOff entry. */
const gpuRuntimeMessage = /nvidia|gpu|cuda|container runtime|runtimeclass/i;

/**
 * `operators`: each configured operator's Deployment or StatefulSet has all its replicas available; one that has
 * not names its pods in CrashLoopBackOff, and one whose crash mentions the NVIDIA runtime or a GPU
 * points at that entry rather than the generic one.
 */
export function operatorsCheck(kubernetes: () => Promise<PlatformKubernetes>): PlatformCheck {
  return {
    name: "operators",
    async run(context) {
      const api = await kubernetes();
      return Promise.all(
        context.config.operators.map(async (operator): Promise<PlatformCheckResult> => {
          const check = `operator ${operator.name}`;
          const target = `${operator.namespace}/${operator.workload}`;
          try {
            const deployment = await api.readWorkload(operator.kind, operator.namespace, operator.workload, context.signal);
            if (deployment === undefined) {
              return { check, target, outcome: "fail", detail: `no ${operator.kind} ${target}`, troubleshooting: "operator-not-ready" };
            }
            if (deployment.replicas > 0 && deployment.availableReplicas >= deployment.replicas) {
              return { check, target, outcome: "pass", detail: `${deployment.availableReplicas}/${deployment.replicas} replicas available` };
            }
            const selector = Object.entries(deployment.matchLabels)
              .map(([key, value]) => `${key}=${value}`)
              .join(",");
            const pods = selector === "" ? [] : await api.listPods(operator.namespace, selector, context.signal);
            const crashing = pods.flatMap((pod) => pod.containers.filter((container) => container.reason === "CrashLoopBackOff").map((container) => ({ pod: pod.name, ...container })));
            const gpuCrash = crashing.find((container) => gpuRuntimeMessage.test(container.message ?? ""));
            const seen = `${deployment.availableReplicas}/${deployment.replicas} replicas available`;
            if (gpuCrash) {
              return { check, target, outcome: "fail", detail: `${seen}; pod ${gpuCrash.pod} (${gpuCrash.name}) in CrashLoopBackOff: ${gpuCrash.message ?? ""}`, troubleshooting: "pod-crashloop-gpu-runtime" };
            }
            const crashed = crashing[0];
            return {
              check,
              target,
              outcome: "fail",
              detail: crashed === undefined ? seen : `${seen}; pod ${crashed.pod} (${crashed.name}) in CrashLoopBackOff${crashed.message === undefined ? "" : `: ${crashed.message}`}`,
              troubleshooting: "operator-not-ready",
            };
          } catch (error) {
            return kubernetesFailure(check, target, error);
          }
        }),
      );
    },
  };
}
