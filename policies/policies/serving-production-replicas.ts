import type { ResourceValidationPolicy } from "@pulumi/policy";
import { policyConfig } from "../lib/config";
import { describeObject, validateKubernetesObject } from "../lib/kubernetes";
import { isServingModel, servingMaxReplicas } from "../lib/serving";
import { nimReplicaRange } from "../lib/workloads";

export interface ServingProductionReplicasConfig {
  /** Fewest replicas a served model may run at; 2 survive the loss or the drain of a node. */
  readonly minReplicas: number;
}

export const servingProductionReplicasDefaults: ServingProductionReplicasConfig = { minReplicas: 2 };

/**
 * Applications depend on a served model: in production it runs on at least two replicas, so a lost
 * node or a drained one does not stop it. Its PodDisruptionBudget is `pod-disruption-budget`'s to
 * check (it counts an HPA's `minReplicas`), so a missing budget is reported once, there. An entry
 * that is off (`replicas` 0/0) is exempt. Development allows one replica (`config/development.json`).
 */
export const servingProductionReplicas: ResourceValidationPolicy = {
  name: "serving-production-replicas",
  description:
    "Every served model (a data-flywheel:serving NIMService with replicas.max above 0) runs at least minReplicas replicas (config minReplicas); its PodDisruptionBudget is checked by pod-disruption-budget. " +
    "Mandatory: applications call it, and one replica stops answering whenever its node is lost or drained.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps: "Raise the entry's replicas.min in data-flywheel:serving to at least minReplicas (or set min and max to 0 to turn it off).",
  configSchema: {
    properties: {
      minReplicas: { type: "integer", minimum: 1, default: servingProductionReplicasDefaults.minReplicas, description: "Fewest replicas of a served model." },
    },
  },
  validateResource: validateKubernetesObject((object, args, reportViolation) => {
    if (!isServingModel(object) || servingMaxReplicas(object) <= 0) {
      return;
    }
    const { minReplicas } = policyConfig(args, servingProductionReplicasDefaults);
    const { min } = nimReplicaRange(object);
    if (min < minReplicas) {
      reportViolation(
        `${describeObject(object)} serves from ${min} replica(s) at least; this environment needs at least ${minReplicas}, so that a lost or drained node does not stop it. ` +
          `Fix: set replicas.min to ${minReplicas} in its data-flywheel:serving entry.`,
      );
    }
  }),
};
