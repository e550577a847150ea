import { rdsInstancePrivate } from "../../policies/rds-instance-private";
import { resourceViolations } from "../support/policy-review";
import { edit, rdsInstance } from "../support/fixtures";

describe("rds-instance-private", () => {
  it("passes a private instance, and one that leaves publiclyAccessible to AWS's default (private)", async () => {
    expect(await resourceViolations(rdsInstancePrivate, rdsInstance())).toEqual([]);
    expect(await resourceViolations(rdsInstancePrivate, edit(rdsInstance(), "props.publiclyAccessible", undefined))).toEqual([]);
  });

  it("catches a publicly accessible instance", async () => {
    expect(await resourceViolations(rdsInstancePrivate, edit(rdsInstance(), "props.publiclyAccessible", true))).toEqual([
      'RDS instance "nemo-postgres" is publicly accessible. Fix: set publiclyAccessible to false.',
    ]);
  });

  it("catches a publicly accessible Aurora cluster instance", async () => {
    const member = { type: "aws:rds/clusterInstance:ClusterInstance", name: "nemo-aurora-1", props: { identifier: "nemo-aurora-1", publiclyAccessible: true } };
    expect(await resourceViolations(rdsInstancePrivate, member)).toEqual([
      'RDS cluster instance "nemo-aurora-1" is publicly accessible. Fix: set publiclyAccessible to false.',
    ]);
  });
});
