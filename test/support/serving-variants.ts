import type { ConfigSource } from "../../stacks/config/source";
import { editedStack } from "./stack-config";

/**
 * Stack configurations that serve models, which no shipped stack does: the dev entry switched on
 * with an adapter, and a production entry of two replicas or more. The serving tests render them,
 * and so can a reviewer (validate-manifests, the pack) through `renderSource`.
 */

export const adapter = "default/llama-3.2-1b-customer-support@cust-3kYq2Bn8ZcS7";
export const runId = "6650f1a2b3c4d5e6f7a8b9c0";
export const promotedFrom = {
  runId,
  workloadId: "customer-support",
  clientId: "support-web",
  evalType: "customized-eval",
  scores: { function_name_and_args_accuracy: 0.97 },
  targets: { function_name_and_args_accuracy: 0.95 },
  at: "2026-12-01T10:00:00Z",
};

type Config = Record<string, unknown>;
type Entry = Record<string, unknown>;

/** The dev entry switched on: one to two replicas, the run's adapter and in-context examples. */
export function servingDev(): ConfigSource {
  return editedStack("dev", (c: Config) => {
    const [entry] = c["data-flywheel:serving"] as Entry[];
    Object.assign(entry, { replicas: { min: 1, max: 2 }, adapter, iclExamplesFrom: runId, promotedFrom });
    // Room for two serving replicas beside the two GPUs of the flywheel's budget.
    const aws = c["data-flywheel:aws"] as { gpuNodePools: Entry[] };
    aws.gpuNodePools[0].maxSize = 4;
  });
}

/** Production serving the base model from two to three replicas, on tool-calling evidence. */
export function servingProd(): ConfigSource {
  return editedStack("prod", (c: Config) => {
    c["data-flywheel:serving"] = [
      {
        name: "support-agent",
        model: "meta/llama-3.1-8b-instruct",
        image: { repository: "nvcr.io/nim/meta/llama-3.1-8b-instruct", tag: "1.8.6" },
        replicas: { min: 2, max: 3 },
        scaleOn: { metric: "gpu_cache_usage_perc", target: 0.6 },
        clientNamespaces: ["support-web", "support-batch"],
        promotedFrom: { ...promotedFrom, evalType: "base-eval" },
      },
    ];
    // The workload it was promoted from, whose current targets the pack holds the evidence to.
    c["data-flywheel:workloads"] = [
      {
        workloadId: promotedFrom.workloadId,
        clientId: promotedFrom.clientId,
        schedule: "0 3 * * 1",
        candidates: [{ model: "meta/llama-3.1-8b-instruct" }],
        targets: promotedFrom.targets,
      },
    ];
    (c["data-flywheel:flywheel"] as Config).gpuBudget = 3;
  });
}
