import type { ResourceValidationPolicy } from "@pulumi/policy";
import { describeObject, validateKubernetesObject } from "../lib/kubernetes";
import { podTemplatesOf } from "../lib/workloads";

/**
 * A container that runs as root, or can gain privileges, turns any code execution bug into a node
 * compromise. NIM operator resources only expose the user (spec.userID, 1000 by default); the
 * operator sets the rest of the security context itself.
 */
export const podsNonRoot: ResourceValidationPolicy = {
  name: "pods-non-root",
  description:
    "Every pod the stack renders runs its containers as non-root, unprivileged, with allowPrivilegeEscalation: false. " +
    "Mandatory: a root or privileged container turns a bug in it into a node compromise.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps:
    "Set securityContext { runAsNonRoot: true, runAsUser: <non-zero> } on the pod and { allowPrivilegeEscalation: false, capabilities: { drop: [ALL] } } on each container.",
  validateResource: validateKubernetesObject((object, _args, reportViolation) => {
    for (const pod of podTemplatesOf(object)) {
      for (const { name, init, container, fields } of pod.containers) {
        const context = container.securityContext ?? {};
        const user = context.runAsUser ?? pod.spec.securityContext?.runAsUser;
        const label = `${describeObject(object)}: ${init ? "init container" : "container"} "${name}"`;
        if (pod.builtByNimOperator) {
          if (user === 0) {
            reportViolation(`${label} runs as root (spec.userID: 0). Fix: leave spec.userID unset (the operator uses 1000) or set a non-zero user.`);
          }
          continue;
        }
        const nonRoot = context.runAsNonRoot ?? pod.spec.securityContext?.runAsNonRoot;
        const problems: string[] = [];
        if (user === 0) {
          problems.push("runs as root (runAsUser: 0)");
        } else if (nonRoot !== true && user === undefined) {
          problems.push("may run as root (neither runAsNonRoot: true nor a runAsUser is set, so the image decides)");
        }
        if (context.privileged === true) {
          problems.push("is privileged");
        }
        if (context.allowPrivilegeEscalation !== false) {
          problems.push("allows privilege escalation (allowPrivilegeEscalation is not false)");
        }
        if (problems.length > 0) {
          reportViolation(
            `${label} ${problems.join(", ")} (at ${fields.securityContext} and ${pod.path}.securityContext). ` +
              "Fix: set runAsNonRoot: true (with a non-zero runAsUser) and allowPrivilegeEscalation: false.",
          );
        }
      }
    }
  }),
};
