import { withJobTimeouts } from "../../infra/kubernetes/cdk8s-chart";

describe("withJobTimeouts", () => {
  it("lets Pulumi wait for a Job as long as the Job may run, plus a minute", () => {
    const [job] = withJobTimeouts([{ kind: "Job", metadata: { name: "bootstrap", annotations: { a: "b" } }, spec: { activeDeadlineSeconds: 1800 } }]);
    expect(job).toMatchObject({ metadata: { name: "bootstrap", annotations: { a: "b", "pulumi.com/timeoutSeconds": "1860" } } });
  });

  it("leaves other objects, and Jobs without a deadline, alone", () => {
    const objects = [{ kind: "ConfigMap", metadata: { name: "c" } }, { kind: "Job", metadata: { name: "j" }, spec: {} }];
    expect(withJobTimeouts(objects)).toEqual(objects);
  });
});
