import type { ResourceValidationPolicy } from "@pulumi/policy";
import { gpuResource, gpuTaint, nodePoolLabel } from "../../flywheel-job/src/contract";
import { gpuNodeSelectionOf, gpuTolerationOf, gpusRequested } from "../lib/gpu";
import { describeObject, validateKubernetesObject } from "../lib/kubernetes";
import { podTemplatesOf } from "../lib/workloads";

/**
 * GPU nodes are for GPU work: a CPU pod that selects or tolerates them keeps a GPU node busy (or
 * scales one up from zero) for nothing. DaemonSets are exempt: node agents run everywhere by design.
 * A NIMCache without a node selector is caught here too: the NIM operator then sends its caching
 * job to GPU nodes (NFD's NVIDIA PCI label), which a scale-from-zero pool does not have yet.
 */
export const gpuNodesReserved: ResourceValidationPolicy = {
  name: "gpu-nodes-reserved",
  description:
    `Only pods that request ${gpuResource} select GPU nodes or tolerate the ${gpuTaint.key} taint (DaemonSets excepted). ` +
    "Mandatory: a CPU pod on a GPU node wastes the most expensive capacity in the cluster and blocks scale-down.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps: `Schedule CPU work on the system nodes (${nodePoolLabel}: system, or kubernetes.io/os: linux on a cluster you bring) and drop GPU tolerations from pods that request no GPU.`,
  validateResource: validateKubernetesObject((object, _args, reportViolation) => {
    for (const pod of podTemplatesOf(object)) {
      if (pod.daemon || gpusRequested(pod) > 0) {
        continue;
      }
      const selection = gpuNodeSelectionOf(pod);
      if (selection) {
        reportViolation(
          `${describeObject(object)} requests no ${gpuResource} but is pinned to GPU nodes by its ${selection}. ` +
            `Fix: select CPU nodes instead (e.g. ${nodePoolLabel}: system), or request a GPU if it needs one.`,
        );
      }
      const toleration = gpuTolerationOf(pod);
      if (toleration) {
        reportViolation(
          `${describeObject(object)} requests no ${gpuResource} but tolerates the ${gpuTaint.key} taint (${JSON.stringify(toleration)} at ${pod.path}.tolerations), so it can occupy a GPU node. ` +
            "Fix: remove the toleration.",
        );
      }
    }
  }),
};
