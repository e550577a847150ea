import type { ResourceValidationPolicy } from "@pulumi/policy";
import { verifyPlatformNaming } from "../../flywheel-job/src/contract";
import { describeObject, isKind, validateKubernetesObject } from "../lib/kubernetes";
import type { KubernetesObject } from "../lib/kubernetes-object";

const readVerbs = new Set(["get", "list", "watch"]);
const rbacGroup = "rbac.authorization.k8s.io";
const accountName = verifyPlatformNaming.serviceAccount;

interface Rule {
  readonly apiGroups?: readonly string[];
  readonly resources?: readonly string[];
  readonly nonResourceURLs?: readonly string[];
  readonly verbs?: readonly string[];
}

interface Binding {
  readonly roleRef?: { readonly kind?: string; readonly name?: string };
  readonly subjects?: readonly { readonly kind?: string; readonly name?: string }[];
}

const rulesOf = (object: KubernetesObject): readonly Rule[] => ((object as { rules?: readonly Rule[] }).rules ?? []);
const isProbePodsRule = (rule: Rule): boolean => (rule.apiGroups ?? []).every((g) => g === "") && (rule.resources ?? []).every((r) => r === "pods") && (rule.resources ?? []).length > 0;

/** What is wrong with one rule of the verify Job's ClusterRole (`writes` false) or one of its Roles (`writes` true: pods only). */
function ruleProblems(rule: Rule, writes: boolean): string[] {
  const problems: string[] = [];
  const all = [...(rule.apiGroups ?? []), ...(rule.resources ?? []), ...(rule.verbs ?? [])];
  if (all.includes("*")) problems.push("a wildcard (*)");
  if ((rule.nonResourceURLs ?? []).length > 0) problems.push(`non-resource URLs (${(rule.nonResourceURLs ?? []).join(", ")})`);
  if ((rule.resources ?? []).some((r) => r === "secrets" || r.startsWith("secrets/"))) problems.push("Secrets (the Job reads its credentials from its mounted Secret, never through the API)");
  const writing = (rule.verbs ?? []).filter((v) => !readVerbs.has(v));
  if (writing.length > 0 && !(writes && isProbePodsRule(rule))) {
    problems.push(`write verbs (${writing.join(", ")}) on ${(rule.resources ?? []).join(", ") || "nothing named"}`);
  }
  return problems;
}

/**
 * `flywheel verify platform` proves the platform works without being able to change it: its
 * ClusterRole only reads (get, list, watch), its Roles write only the `--probe-gpu` pods, none of
 * them reaches Secrets, and its service account is bound to nothing but its own roles. A verify Job
 * that could write would be a cluster-wide credential in every deployment's log path.
 */
export const verifyPlatformReadOnly: ResourceValidationPolicy = {
  name: "verify-platform-read-only",
  description:
    `The ${accountName} ServiceAccount's ClusterRole has only get, list and watch; its namespaced Roles add write verbs only on pods (the GPU probe's); none grants Secrets, wildcards or non-resource URLs; ` +
    `its bindings refer only to its own ${accountName} roles. Mandatory: the verify Job runs on every deployment.`,
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps: `Keep constructs/verify/verify-platform.ts's rules read-only; bind the ${accountName} ServiceAccount only to the ${accountName} ClusterRole and Roles.`,
  validateResource: validateKubernetesObject((object, _args, reportViolation) => {
    const name = describeObject(object);
    const isOwn = object.metadata?.name === accountName;
    if (isKind(object, rbacGroup, "ClusterRole") && isOwn) {
      for (const rule of rulesOf(object)) {
        for (const problem of ruleProblems(rule, false)) {
          reportViolation(`${name} grants ${problem}; the verify Job's ClusterRole may only get, list and watch. Fix: remove the call from verifyPlatformPermissions (flywheel-job), which the construct derives its rules from.`);
        }
      }
      return;
    }
    if (isKind(object, rbacGroup, "Role") && isOwn) {
      for (const rule of rulesOf(object)) {
        for (const problem of ruleProblems(rule, true)) {
          reportViolation(`${name} grants ${problem}; the verify Job's Roles may write only the GPU probe's pods. Fix: remove it from the Role's rules.`);
        }
      }
      return;
    }
    const clusterBinding = isKind(object, rbacGroup, "ClusterRoleBinding");
    if (!clusterBinding && !isKind(object, rbacGroup, "RoleBinding")) return;
    const binding = object as unknown as Binding;
    const bindsAccount = (binding.subjects ?? []).some((s) => s.kind === "ServiceAccount" && s.name === accountName);
    if (!bindsAccount) return;
    const expectedKind = clusterBinding ? "ClusterRole" : "Role";
    if (binding.roleRef?.kind !== expectedKind || binding.roleRef.name !== accountName) {
      reportViolation(
        `${name} binds the ${accountName} ServiceAccount to ${binding.roleRef?.kind ?? "?"} ${binding.roleRef?.name ?? "?"}; it may be bound only to its own ${expectedKind} ${accountName}. Fix: bind it to ${expectedKind} ${accountName}.`,
      );
    }
  }),
};
