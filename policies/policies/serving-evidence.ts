import type { StackValidationPolicy } from "@pulumi/policy";
import { describeObject, kubernetesObjectsIn } from "../lib/kubernetes";
import { evidenceOf, evidenceShortfalls, isServingModel, servingMaxReplicas, workloadTargetsIn, type WorkloadTargets } from "../lib/serving";

const promoteFix = "Fix: promote a run that meets the workload's current targets with `flywheel promote <run-id> --stack <stack>`";
const forceFix = 'or, to serve it anyway, record why with `flywheel promote … --force --reason "…"`';

/** `support-agent/acme, other/beta`, or `none`. */
const workloadList = (workloads: readonly WorkloadTargets[]): string =>
  [...new Set(workloads.map((w) => `${w.workloadId}/${w.clientId}`))].sort().join(", ") || "none";

/**
 * A served model is there because a run earned it: every `data-flywheel:serving` entry that serves
 * (`replicas.max` above 0) carries its evidence (`promotedFrom`, as `flywheel promote` records it),
 * of a workload this stack schedules, whose recorded targets are that workload's current `targets`
 * (so an entry cannot lower its own bar) and whose recorded scores meet them. An entry promoted with
 * `--force --reason` is exempt from the last two, and `serving-forced-promotion` prints its reason
 * instead. A stack policy, because the targets are in each workload's job configuration.
 */
export const servingEvidence: StackValidationPolicy = {
  name: "serving-evidence",
  description:
    "Every served model (a data-flywheel:serving NIMService with replicas.max above 0) carries parseable promotedFrom evidence of a workload the stack schedules, recorded against that workload's current targets, with scores that meet them (unless promoted with --force --reason). " +
    "Mandatory: otherwise a model reaches applications on no evidence, or on a bar it set for itself.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps: "Promote the entry with `flywheel promote <run-id> --stack <stack>` from a run that meets its workload's targets, or with --force --reason to record why it serves anyway.",
  validateStack: (args, reportViolation) => {
    const objects = kubernetesObjectsIn(args.resources);
    const workloads = workloadTargetsIn(objects.map(({ object }) => object));
    for (const { object, resource } of objects) {
      const maxReplicas = isServingModel(object) ? servingMaxReplicas(object) : 0;
      if (maxReplicas <= 0) {
        continue;
      }
      const subject = `${describeObject(object)} serves (replicas.max ${maxReplicas})`;
      const evidence = evidenceOf(object);
      if ("problem" in evidence) {
        reportViolation(`${subject} and ${evidence.problem}: nothing says which run and scores it was promoted on. ${promoteFix}, which records its promotedFrom.`, resource.urn);
        continue;
      }
      const { promotedFrom } = evidence;
      const pair = `workload "${promotedFrom.workloadId}" (client "${promotedFrom.clientId}")`;
      const versions = workloads.filter((w) => w.workloadId === promotedFrom.workloadId && w.clientId === promotedFrom.clientId);
      if (versions.length === 0) {
        reportViolation(
          `${subject} on the evidence of run ${promotedFrom.runId} of ${pair}, which this stack does not schedule (it schedules ${workloadList(workloads)}): its bar cannot be checked. ` +
            `${promoteFix} of a workload of this stack, or add the workload back to data-flywheel:workloads.`,
          resource.urn,
        );
        continue;
      }
      for (const workload of versions) {
        if (workload.targets === undefined) {
          reportViolation(`${subject} on the evidence of ${pair}, whose targets cannot be read: ${workload.source} ${workload.problem ?? ""}. Fix: render the stack again (npm run render), unedited.`, resource.urn);
          continue;
        }
        if (promotedFrom.forcedReason !== undefined) {
          continue;
        }
        const shortfalls = evidenceShortfalls(promotedFrom, { ...workload, targets: workload.targets });
        if (shortfalls.length > 0) {
          reportViolation(`${subject} on the evidence of run ${promotedFrom.runId}, and ${shortfalls.join("; and ")}. ${promoteFix}, ${forceFix}.`, resource.urn);
        }
      }
    }
  },
};
