import { servingProductionReplicas } from "../../policies/serving-production-replicas";
import { objectViolations } from "../support/policy-review";
import { annotated, edit, nimService, servingNimService } from "../support/fixtures";

const unscaled = (replicas: number) => edit(edit(servingNimService(), "spec.scale", undefined), "spec.replicas", replicas);

describe("serving-production-replicas", () => {
  it("passes a served model on two replicas or more, an entry that is off, and the run's own NIMServices", async () => {
    expect(await objectViolations(servingProductionReplicas, servingNimService())).toEqual([]);
    expect(await objectViolations(servingProductionReplicas, unscaled(2))).toEqual([]);
    expect(await objectViolations(servingProductionReplicas, annotated(unscaled(0), "replicas", JSON.stringify({ min: 0, max: 0 })))).toEqual([]);
    expect(await objectViolations(servingProductionReplicas, nimService())).toEqual([]);
  });

  it("catches a served model that can scale down to one replica", async () => {
    expect(await objectViolations(servingProductionReplicas, edit(servingNimService(), "spec.scale.hpa.minReplicas", 1))).toEqual([
      "NIMService serving/support-agent serves from 1 replica(s) at least; this environment needs at least 2, so that a lost or drained node does not stop it. " +
        "Fix: set replicas.min to 2 in its data-flywheel:serving entry.",
    ]);
    // The HPA API's default minReplicas is 1.
    expect(await objectViolations(servingProductionReplicas, edit(servingNimService(), "spec.scale.hpa.minReplicas", undefined))).toEqual([expect.stringContaining("serves from 1 replica(s)")]);
    expect(await objectViolations(servingProductionReplicas, unscaled(1))).toEqual([expect.stringContaining("serves from 1 replica(s)")]);
  });

  it("holds an entry whose replicas annotation says it is off to its spec", async () => {
    expect(await objectViolations(servingProductionReplicas, annotated(unscaled(1), "replicas", JSON.stringify({ min: 0, max: 0 })))).toEqual([expect.stringContaining("serves from 1 replica(s)")]);
  });

  it("takes the environment's minimum from its config (development allows one)", async () => {
    expect(await objectViolations(servingProductionReplicas, unscaled(1), { minReplicas: 1 })).toEqual([]);
    expect(await objectViolations(servingProductionReplicas, unscaled(2), { minReplicas: 3 })).toEqual([expect.stringContaining("needs at least 3")]);
  });
});
