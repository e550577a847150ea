import { podsNonRoot } from "../../policies/pods-non-root";
import { objectViolations } from "../support/policy-review";
import { cpuDeployment, edit, flywheelCronJob, nimCache, nimService, redis } from "../support/fixtures";

describe("pods-non-root", () => {
  it("passes pods that run as non-root without privilege escalation", async () => {
    for (const object of [cpuDeployment(), flywheelCronJob(), redis(), nimService(), nimCache()]) {
      expect(await objectViolations(podsNonRoot, object)).toEqual([]);
    }
  });

  it("catches a container that may run as root and can escalate", async () => {
    const bare = edit(edit(cpuDeployment(), "spec.template.spec.securityContext", undefined), "spec.template.spec.containers.0.securityContext", undefined);
    expect(await objectViolations(podsNonRoot, bare)).toEqual([
      'Deployment nemo/mlflow-proxy: container "proxy" may run as root (neither runAsNonRoot: true nor a runAsUser is set, so the image decides), ' +
        "allows privilege escalation (allowPrivilegeEscalation is not false) (at spec.template.spec.containers[0].securityContext and spec.template.spec.securityContext). " +
        "Fix: set runAsNonRoot: true (with a non-zero runAsUser) and allowPrivilegeEscalation: false.",
    ]);
  });

  it("lets a container override the pod: runAsUser 0 is root whatever the pod says", async () => {
    const root = edit(cpuDeployment(), "spec.template.spec.containers.0.securityContext.runAsUser", 0);
    expect(await objectViolations(podsNonRoot, root)).toEqual([expect.stringContaining('container "proxy" runs as root (runAsUser: 0)')]);
  });

  it("catches privileged containers and init containers", async () => {
    const privileged = edit(cpuDeployment(), "spec.template.spec.initContainers", [
      { name: "sysctl", image: "nvcr.io/nvidia/example-proxy:1.2.3", securityContext: { privileged: true, allowPrivilegeEscalation: false } },
    ]);
    expect(await objectViolations(podsNonRoot, privileged)).toEqual([expect.stringContaining('init container "sysctl" is privileged')]);
  });

  it("accepts a non-zero runAsUser without runAsNonRoot", async () => {
    const byUser = edit(cpuDeployment(), "spec.template.spec.securityContext", { runAsUser: 10001 });
    expect(await objectViolations(podsNonRoot, byUser)).toEqual([]);
  });

  it("checks only the user of NIM operator resources, the one thing they expose", async () => {
    expect(await objectViolations(podsNonRoot, edit(nimService(), "spec.userID", 0))).toEqual([
      'NIMService flywheel/llm-judge: container "llm-judge" runs as root (spec.userID: 0). Fix: leave spec.userID unset (the operator uses 1000) or set a non-zero user.',
    ]);
    expect(await objectViolations(podsNonRoot, edit(nimCache(), "spec.userID", 0))).toEqual([expect.stringContaining("NIMCache flywheel/llm-judge")]);
  });
});
