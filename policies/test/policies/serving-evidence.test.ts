import type { KubernetesObject } from "../../lib/kubernetes-object";
import { servingEvidence } from "../../policies/serving-evidence";
import { stackViolations } from "../support/policy-review";
import { annotated, edit, kubernetesResource, nimService, promotedFrom, servingNimService, workloadSchedule } from "../support/fixtures";

const stack = (...objects: KubernetesObject[]) => objects.map(kubernetesResource);
const withEvidence = (changes: Record<string, unknown>) => annotated(servingNimService(), "promotedFrom", JSON.stringify({ ...promotedFrom(), ...changes }));
const subject = "NIMService serving/support-agent serves (replicas.max 3)";
const promoteFix = "Fix: promote a run that meets the workload's current targets with `flywheel promote <run-id> --stack <stack>`";

/** An entry that is off, as the dev stack ships it: 0/0 replicas and no evidence yet. */
const offEntry = annotated(annotated(edit(edit(servingNimService(), "spec.scale", undefined), "spec.replicas", 0), "replicas", JSON.stringify({ min: 0, max: 0 })), "promotedFrom", undefined);

describe("serving-evidence", () => {
  it("passes a served model whose evidence meets its workload's current targets, an entry that is off, and the run's own NIMServices", async () => {
    expect(await stackViolations(servingEvidence, stack(servingNimService(), ...workloadSchedule()))).toEqual([]);
    expect(await stackViolations(servingEvidence, stack(offEntry, nimService()))).toEqual([]);
  });

  it("catches a served model without evidence, or with evidence that does not parse", async () => {
    expect(await stackViolations(servingEvidence, stack(annotated(servingNimService(), "promotedFrom", undefined), ...workloadSchedule()))).toEqual([
      {
        message: `${subject} and carries no data-flywheel.io/promoted-from annotation: nothing says which run and scores it was promoted on. ${promoteFix}, which records its promotedFrom.`,
        resource: "support-agent",
      },
    ]);
    expect(await stackViolations(servingEvidence, stack(annotated(servingNimService(), "promotedFrom", "{runId:"), ...workloadSchedule()))).toEqual([
      expect.objectContaining({ message: expect.stringContaining(`${subject} and has a data-flywheel.io/promoted-from annotation that is not JSON (`) }),
    ]);
    expect(await stackViolations(servingEvidence, stack(withEvidence({ runId: "run-1", scores: {} }), ...workloadSchedule()))).toEqual([
      expect.objectContaining({
        message: expect.stringContaining(
          "has a data-flywheel.io/promoted-from annotation that is not valid evidence (runId: expected a run id (24 hexadecimal digits, as `flywheel runs list` shows it); scores: must record at least one metric)",
        ),
      }),
    ]);
  });

  it("checks an entry that serves by its spec even when its replicas annotation says it is off, and the other way round", async () => {
    const annotatedOff = annotated(annotated(servingNimService(), "replicas", JSON.stringify({ min: 0, max: 0 })), "promotedFrom", undefined);
    const specOff = annotated(edit(edit(servingNimService(), "spec.scale", undefined), "spec.replicas", 0), "promotedFrom", undefined);
    for (const entry of [annotatedOff, specOff]) {
      expect(await stackViolations(servingEvidence, stack(entry, ...workloadSchedule()))).toEqual([
        expect.objectContaining({ message: expect.stringContaining("serves (replicas.max 3) and carries no data-flywheel.io/promoted-from annotation") }),
      ]);
    }
  });

  it("catches evidence of a workload the stack does not schedule, even when promoted by force", async () => {
    const message =
      `${subject} on the evidence of run 65a1b2c3d4e5f60718293a4b of workload "support-agent" (client "globex"), which this stack does not schedule (it schedules support-agent/acme): its bar cannot be checked. ` +
      `${promoteFix} of a workload of this stack, or add the workload back to data-flywheel:workloads.`;
    expect(await stackViolations(servingEvidence, stack(withEvidence({ clientId: "globex" }), ...workloadSchedule()))).toEqual([{ message, resource: "support-agent" }]);
    expect(await stackViolations(servingEvidence, stack(withEvidence({ clientId: "globex", forcedReason: "hotfix" }), ...workloadSchedule()))).toEqual([{ message, resource: "support-agent" }]);
    expect(await stackViolations(servingEvidence, stack(servingNimService()))).toEqual([expect.objectContaining({ message: expect.stringContaining("(it schedules none)") })]);
  });

  it("catches an entry whose recorded targets are not the workload's current ones: lowered by the entry, or raised since", async () => {
    const fix = `${promoteFix}, or, to serve it anyway, record why with \`flywheel promote … --force --reason "…"\`.`;
    expect(await stackViolations(servingEvidence, stack(withEvidence({ targets: { function_name_accuracy: 0.5, tool_calling_correctness: 0.8 } }), ...workloadSchedule()))).toEqual([
      {
        message:
          `${subject} on the evidence of run 65a1b2c3d4e5f60718293a4b, and it records the targets function_name_accuracy 0.5, tool_calling_correctness 0.8, ` +
          `but workload "support-agent" (client "acme") now has function_name_accuracy 0.9, tool_calling_correctness 0.8 (ConfigMap flywheel/flywheel-support-agent-acme-config). ${fix}`,
        resource: "support-agent",
      },
    ]);
    expect(await stackViolations(servingEvidence, stack(servingNimService(), ...workloadSchedule({ function_name_accuracy: 0.9, tool_calling_correctness: 0.8, similarity: 0.7 })))).toEqual([
      expect.objectContaining({ message: expect.stringContaining("now has function_name_accuracy 0.9, similarity 0.7, tool_calling_correctness 0.8") }),
    ]);
  });

  it("catches recorded scores that miss the recorded targets, a missing score included", async () => {
    expect(await stackViolations(servingEvidence, stack(withEvidence({ scores: { function_name_accuracy: 0.85 } }), ...workloadSchedule()))).toEqual([
      expect.objectContaining({
        message: expect.stringContaining(`${subject} on the evidence of run 65a1b2c3d4e5f60718293a4b, and its scores miss its targets: function_name_accuracy 0.85 < 0.9, tool_calling_correctness has no score (target 0.8). `),
      }),
    ]);
  });

  it("lets an entry promoted with --force --reason miss its workload's bar", async () => {
    const forced = withEvidence({ scores: { function_name_accuracy: 0.5 }, targets: { function_name_accuracy: 0.4 }, forcedReason: "the previous model is withdrawn" });
    expect(await stackViolations(servingEvidence, stack(forced, ...workloadSchedule()))).toEqual([]);
  });

  it("catches a workload whose job configuration cannot be read", async () => {
    const [cronJob] = workloadSchedule();
    expect(await stackViolations(servingEvidence, stack(servingNimService(), cronJob))).toEqual([
      {
        message:
          `${subject} on the evidence of workload "support-agent" (client "acme"), whose targets cannot be read: ConfigMap flywheel/flywheel-support-agent-acme-config is not in the stack. ` +
          "Fix: render the stack again (npm run render), unedited.",
        resource: "support-agent",
      },
    ]);
  });
});
