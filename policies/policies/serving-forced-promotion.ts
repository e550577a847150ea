import type { StackValidationPolicy } from "@pulumi/policy";
import { describeObject, kubernetesObjectsIn } from "../lib/kubernetes";
import { evidenceOf, evidenceShortfalls, isServingModel, servingMaxReplicas, workloadTargetsIn } from "../lib/serving";

/**
 * An entry promoted with `flywheel promote --force --reason` serves although its evidence misses
 * its workload's bar; `serving-evidence` lets it through, and this policy says so on every review,
 * with the recorded reason, for as long as the override matters (the entry serves and still misses
 * the bar). Advisory: the override was a reviewed decision, recorded in the stack file; it is shown,
 * not refused.
 */
export const servingForcedPromotion: StackValidationPolicy = {
  name: "serving-forced-promotion",
  description:
    "Shows every served model promoted with --force --reason whose evidence still misses its workload's current targets, with the recorded reason. " +
    "Advisory: the override is a reviewed decision in the stack file, shown on every review until a run that meets the bar replaces it.",
  enforcementLevel: "advisory",
  severity: "low",
  remediationSteps: "Promote a run that meets the workload's targets with `flywheel promote <run-id> --stack <stack>`; the forced entry is then replaced.",
  validateStack: (args, reportViolation) => {
    const objects = kubernetesObjectsIn(args.resources);
    const workloads = workloadTargetsIn(objects.map(({ object }) => object));
    for (const { object, resource } of objects) {
      const maxReplicas = isServingModel(object) ? servingMaxReplicas(object) : 0;
      const evidence = maxReplicas > 0 ? evidenceOf(object) : undefined;
      const promotedFrom = evidence && "promotedFrom" in evidence ? evidence.promotedFrom : undefined;
      if (promotedFrom?.forcedReason === undefined) {
        continue;
      }
      for (const workload of workloads) {
        if (workload.workloadId !== promotedFrom.workloadId || workload.clientId !== promotedFrom.clientId || workload.targets === undefined) {
          continue;
        }
        const shortfalls = evidenceShortfalls(promotedFrom, { ...workload, targets: workload.targets });
        if (shortfalls.length > 0) {
          reportViolation(
            `${describeObject(object)} serves (replicas.max ${maxReplicas}) on the evidence of run ${promotedFrom.runId}, promoted by force because ${JSON.stringify(promotedFrom.forcedReason)}, although ${shortfalls.join("; and ")}. ` +
              "Fix: promote a run that meets the workload's current targets with `flywheel promote <run-id> --stack <stack>`.",
            resource.urn,
          );
        }
      }
    }
  },
};
