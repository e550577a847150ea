import { gpuResource, gpuToleration } from "../../scheduling";
import { printableLine } from "../../text/printable";
import { formatDuration } from "../../waits/poll-until";
import { sleep } from "../../waits/sleep";
import type { PlatformCheck, PlatformCheckContext } from "./platform-check";
import { clusterAutoscalerStatus, kubernetesFailure, type PlatformKubernetes, type ProbePod } from "./platform-kubernetes";
import { type PlatformCheckResult, type PlatformVerifyConfig, verifyPlatformNaming } from "./platform-verify-contract";

type GpuPool = PlatformVerifyConfig["gpuPools"][number];

/** How `--probe-gpu` waits for its pods. */
export interface GpuProbeSettings {
  /** How long a probe pod may take to be scheduled (a node scaled up from zero, its driver loaded) and to run. */
  readonly timeoutMs: number;
  readonly pollIntervalMs: number;
}

/** What a container runtime or driver failure says, as opposed to a plain failed command. */
const gpuRuntimeMessage = /nvidia|cuda|container runtime|runtimeclass|device plugin/i;

/**
 * `gpu-pools`: each GPU pool the stack declared has nodes, or is at zero with the Cluster
 * Autoscaler knowing its node group (else a NIMService waits on it for ever). With `probe`, a tiny
 * pod per pool asks for one GPU on the pool's nodes, must run to completion, and is deleted
 * whatever happens.
 */
export function gpuPoolsCheck(kubernetes: () => Promise<PlatformKubernetes>, probe: GpuProbeSettings | undefined, now: () => Date = () => new Date()): PlatformCheck {
  return {
    name: "gpu-pools",
    // The probe waits for a node to scale up; the margin is for the calls around it.
    timeoutMs: probe === undefined ? undefined : probe.timeoutMs + 60_000,
    async run(context) {
      const api = await kubernetes();
      const { config, signal } = context;
      if (config.gpuPools.length === 0) {
        return [];
      }
      let nodeGroups: readonly string[] | undefined;
      try {
        const status = await api.readConfigMap(clusterAutoscalerStatus.namespace, clusterAutoscalerStatus.configMap, signal);
        nodeGroups = status === undefined ? undefined : autoscalerNodeGroups(status.status ?? "");
      } catch (error) {
        return [kubernetesFailure("autoscaler status", `${clusterAutoscalerStatus.namespace}/${clusterAutoscalerStatus.configMap}`, error)];
      }
      const results = await Promise.all(
        config.gpuPools.map(async (pool): Promise<PlatformCheckResult[]> => {
          const known = await poolKnown(api, pool, nodeGroups, signal).catch((error: unknown) => kubernetesFailure("gpu pool", pool.name, error));
          if (probe === undefined) {
            return [known];
          }
          if (known.outcome !== "pass" && pool.maxSize !== 0) {
            return [known, { check: "gpu probe", target: pool.name, outcome: "skip", detail: "not probed: the pool check above failed" }];
          }
          return [known, await probePool(api, pool, context, probe, now)];
        }),
      );
      return results.flat();
    },
  };
}

async function poolKnown(api: PlatformKubernetes, pool: GpuPool, nodeGroups: readonly string[] | undefined, signal: AbortSignal): Promise<PlatformCheckResult> {
  const check = "gpu pool";
  const selector = selectorOf(pool.nodeSelector);
  const nodes = await api.listNodes(selector, signal);
  const ready = nodes.filter((node) => node.ready).length;
  const seen = `${nodes.length} node${nodes.length === 1 ? "" : "s"} (${ready} Ready) with ${selector}`;
  const group = nodeGroups?.find((name) => name.includes(pool.name));
  if (group !== undefined) {
    const size = pool.maxSize === undefined ? "" : ` (${pool.minSize ?? 0}–${pool.maxSize})`;
    return { check, target: pool.name, outcome: "pass", detail: `${seen}; the cluster-autoscaler lists node group ${group}${size}` };
  }
  // A pool that cannot change size needs no autoscaler, as long as its nodes are there.
  if (nodes.length > 0 && pool.minSize === pool.maxSize) {
    return { check, target: pool.name, outcome: "pass", detail: pool.maxSize === undefined ? `${seen}; a pool the stack does not size` : `${seen}; fixed size ${pool.maxSize}` };
  }
  const autoscaler =
    nodeGroups === undefined
      ? `there is no ConfigMap ${clusterAutoscalerStatus.namespace}/${clusterAutoscalerStatus.configMap} (no cluster-autoscaler runs)`
      : `the cluster-autoscaler lists no node group named like ${pool.name} (it lists ${nodeGroups.join(", ") || "none"})`;
  return { check, target: pool.name, outcome: "fail", detail: `${seen}; ${autoscaler}: the pool cannot scale from ${nodes.length}`, troubleshooting: "gpu-pool-unknown-to-autoscaler" };
}

/** Schedules one pod asking for a GPU on the pool's nodes and waits for it to succeed; deletes it always. */
async function probePool(api: PlatformKubernetes, pool: GpuPool, context: PlatformCheckContext, probe: GpuProbeSettings, now: () => Date): Promise<PlatformCheckResult> {
  const check = "gpu probe";
  const { namespace, image } = context.config.gpuProbe;
  if (pool.maxSize === 0) {
    return { check, target: pool.name, outcome: "fail", detail: "the pool's maxSize is 0: it cannot scale up, so no probe pod can run there (raise maxSize, or leave the pool out of --probe-gpu by removing it)", troubleshooting: "gpu-probe-unschedulable" };
  }
  const pod = probePod(pool, image, probe.timeoutMs, now());
  const name = pod.metadata.name;
  const target = `${pool.name} (${namespace}/${name})`;
  let created = false;
  try {
    await api.createPod(namespace, pod, context.signal);
    created = true;
    const deadline = Date.now() + probe.timeoutMs;
    let last = "not read yet";
    for (;;) {
      const state = await api.readPod(namespace, name, context.signal);
      if (state === undefined) {
        return { check, target, outcome: "fail", detail: "the probe pod vanished before it ran", troubleshooting: "gpu-probe-unschedulable" };
      }
      if (state.phase === "Succeeded") {
        return { check, target, outcome: "pass", detail: `a pod with 1 ${gpuResource} was scheduled on the pool and ran` };
      }
      const said = state.containers.map((container) => [container.reason, container.message].filter(Boolean).join(": ")).filter(Boolean).join("; ");
      if (state.phase === "Failed" || state.containers.some((container) => container.reason === "CrashLoopBackOff" || container.reason === "CreateContainerError" || container.reason === "RunContainerError")) {
        return { check, target, outcome: "fail", detail: `the probe pod ${state.phase === "Failed" ? "failed" : "cannot start"}: ${said || "no reason given"}`, troubleshooting: gpuRuntimeMessage.test(said) ? "pod-crashloop-gpu-runtime" : "gpu-probe-unschedulable" };
      }
      last = state.unschedulable === undefined ? `phase ${state.phase}${said === "" ? "" : `, ${said}`}` : `unschedulable: ${state.unschedulable}`;
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        return { check, target, outcome: "fail", detail: `the probe pod did not run within ${formatDuration(probe.timeoutMs)} (last seen: ${last})`, troubleshooting: "gpu-probe-unschedulable" };
      }
      await sleep(Math.min(probe.pollIntervalMs, remaining), context.signal);
    }
  } catch (error) {
    return kubernetesFailure(check, target, error);
  } finally {
    if (created) {
      // Deleted even when the verification was cancelled: a pod holding a GPU keeps a node awake.
      await api.deletePod(namespace, name, AbortSignal.timeout(context.callTimeoutMs)).catch(() => undefined);
    }
  }
}

/** The probe pod: the job image's `--version` (no GPU library needed), asking for one GPU on the pool's nodes, as locked down as every pod of the stack. */
export function probePod(pool: GpuPool, image: string, timeoutMs: number, at: Date): ProbePod {
  const suffix = Math.floor(at.getTime() / 1000).toString(36);
  const poolPart = pool.name.toLowerCase().replace(/[^a-z0-9-]+/g, "-");
  const name = `${verifyPlatformNaming.probeComponent}-${poolPart}`.slice(0, 62 - suffix.length).replace(/-+$/, "");
  const resources = { [gpuResource]: "1", cpu: "100m", memory: "128Mi" };
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: `${name}-${suffix}`, labels: { "app.kubernetes.io/component": verifyPlatformNaming.probeComponent, "app.kubernetes.io/part-of": "data-flywheel" } },
    spec: {
      restartPolicy: "Never",
      activeDeadlineSeconds: Math.ceil(timeoutMs / 1000),
      automountServiceAccountToken: false,
      nodeSelector: { ...pool.nodeSelector },
      tolerations: [gpuToleration()],
      securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
      containers: [
        {
          name: "probe",
          image,
          args: ["--version"],
          resources: { requests: resources, limits: resources },
          securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
        },
      ],
    },
  };
}

/**
 * The node group names of the Cluster Autoscaler's status: the YAML of 1.30 and later (`nodeGroups:`
 * then `- name: ...`) and the text of earlier versions (`NodeGroups:` then `Name: ...`).
 */
export function autoscalerNodeGroups(status: string): string[] {
  const start = /^\s*nodegroups:/im.exec(status);
  if (start === null) {
    return [];
  }
  const names = [...status.slice(start.index).matchAll(/^\s*(?:-\s+)?name:\s*"?([^\s"]+)"?\s*$/gim)].map((match) => printableLine(match[1]));
  return [...new Set(names)];
}

function selectorOf(labels: Readonly<Record<string, string>>): string {
  return Object.entries(labels)
    .map(([key, value]) => `${key}=${value}`)
    .join(",");
}
