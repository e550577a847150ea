import { mongodbReplicaSet } from "../../policies/mongodb-replica-set";
import { objectViolations } from "../support/policy-review";
import { edit, mongodb } from "../support/fixtures";

describe("mongodb-replica-set", () => {
  it("passes three members, and one in development", async () => {
    expect(await objectViolations(mongodbReplicaSet, mongodb(3))).toEqual([]);
    expect(await objectViolations(mongodbReplicaSet, mongodb(1), { minMembers: 1 })).toEqual([]);
  });

  it("catches a production replica set with one member", async () => {
    expect(await objectViolations(mongodbReplicaSet, mongodb(1))).toEqual([
      "MongoDBCommunity data/flywheel-db has 1 member(s); this environment needs at least 3, so that losing one keeps a primary. Fix: set spec.members to 3.",
    ]);
  });

  it("catches a data volume replaced by an emptyDir", async () => {
    const ephemeral = edit(mongodb(3), "spec.statefulSet", { spec: { template: { spec: { volumes: [{ name: "data-volume", emptyDir: {} }] } } } });
    expect(await objectViolations(mongodbReplicaSet, ephemeral)).toEqual([expect.stringContaining("replaces its data-volume claim with an emptyDir")]);
  });
});
