import type { KubernetesObject } from "../../lib/kubernetes-object";
import { servingForcedPromotion } from "../../policies/serving-forced-promotion";
import { stackViolations } from "../support/policy-review";
import { annotated, kubernetesResource, promotedFrom, servingNimService, workloadSchedule } from "../support/fixtures";

const stack = (...objects: KubernetesObject[]) => objects.map(kubernetesResource);
const withEvidence = (changes: Record<string, unknown>) => annotated(servingNimService(), "promotedFrom", JSON.stringify({ ...promotedFrom(), ...changes }));

describe("serving-forced-promotion", () => {
  it("says nothing of an entry promoted on its merits, or forced but meeting today's bar", async () => {
    expect(await stackViolations(servingForcedPromotion, stack(servingNimService(), ...workloadSchedule()))).toEqual([]);
    expect(await stackViolations(servingForcedPromotion, stack(withEvidence({ forcedReason: "promoted before the report was fixed" }), ...workloadSchedule()))).toEqual([]);
  });

  it("shows a forced entry that misses its workload's bar, with its recorded reason, quoted", async () => {
    const forced = withEvidence({ scores: { function_name_accuracy: 0.85, tool_calling_correctness: 0.84 }, forcedReason: 'the "old" model is withdrawn' });
    expect(await stackViolations(servingForcedPromotion, stack(forced, ...workloadSchedule()))).toEqual([
      {
        message:
          'NIMService serving/support-agent serves (replicas.max 3) on the evidence of run 65a1b2c3d4e5f60718293a4b, promoted by force because "the \\"old\\" model is withdrawn", ' +
          "although its scores miss its targets: function_name_accuracy 0.85 < 0.9. Fix: promote a run that meets the workload's current targets with `flywheel promote <run-id> --stack <stack>`.",
        resource: "support-agent",
      },
    ]);
    const lowered = withEvidence({ targets: { function_name_accuracy: 0.5 }, forcedReason: "accepted by the product owner" });
    expect(await stackViolations(servingForcedPromotion, stack(lowered, ...workloadSchedule()))).toEqual([
      expect.objectContaining({ message: expect.stringContaining('because "accepted by the product owner", although it records the targets function_name_accuracy 0.5, but workload "support-agent" (client "acme") now has') }),
    ]);
  });
});
