import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { describeObject, isKind, kubernetesObjectsIn, namespaceOf } from "../lib/kubernetes";
import type { KubernetesObject } from "../lib/kubernetes-object";
import { namespaceNameLabel, selectorMatches, type LabelSelector } from "../lib/selectors";
import { arrayOf, isRecord, valueAt } from "../lib/values";
import { nimGroup } from "../lib/workloads";

const nimServices = "nimservices";

interface PolicyRule {
  readonly apiGroups?: readonly string[];
  readonly resources?: readonly string[];
  readonly verbs?: readonly string[];
  readonly operations?: readonly string[];
}

const has = (list: readonly string[] | undefined, value: string): boolean => arrayOf(list).some((item) => item === value || item === "*");

/** True when an RBAC role lets its subjects create NIMServices. */
function grantsCreate(role: KubernetesObject): boolean {
  return arrayOf(role.rules as readonly PolicyRule[] | undefined).some((rule) => has(rule.apiGroups, nimGroup) && has(rule.resources, nimServices) && has(rule.verbs, "create"));
}

/** Where a grant applies: one namespace, or every namespace (a ClusterRoleBinding). */
interface Grant {
  readonly binding: KubernetesObject;
  readonly resource: PolicyResource;
  readonly role: string;
  readonly namespace?: string;
}

/** True when a selector admits this namespace (every namespace, when `namespace` is undefined: only the empty selector). */
function admits(selector: unknown, namespace: string | undefined, labels: ReadonlyMap<string, Readonly<Record<string, string>>>): boolean {
  const value = isRecord(selector) ? (selector as LabelSelector) : undefined;
  if (namespace === undefined) {
    return Object.keys(value?.matchLabels ?? {}).length === 0 && (value?.matchExpressions ?? []).length === 0;
  }
  return selectorMatches(value, { ...(labels.get(namespace) ?? {}), [namespaceNameLabel]: namespace });
}

/**
 * The flywheel job creates a NIMService per candidate model at run time, so neither a preview nor
 * this pack ever sees them: what keeps a compromised job from running any image, on any node, with
 * any Secret, is an admission policy on the cluster. Wherever the stack lets someone create
 * NIMServices (a RoleBinding to a Role or ClusterRole that grants `create` on
 * `apps.nvidia.com/nimservices`; a ClusterRoleBinding means every namespace), a
 * ValidatingAdmissionPolicy with at least one validation, not failing open, must match NIMService
 * creation there, with a binding that denies. What the policy admits (the candidates' images, the
 * run labels, the inference pool, the NGC Secrets) is the construct's and its tests' to prove.
 */
export const nimserviceAdmissionPolicy: StackValidationPolicy = {
  name: "nimservice-admission-policy",
  description:
    "Every namespace where the stack lets someone create NIMServices (RBAC create on apps.nvidia.com/nimservices) has a ValidatingAdmissionPolicy matching NIMService creation there, failing closed, with a binding whose validationActions include Deny. " +
    "Mandatory: the job's NIMServices are created at run time, so admission is the only check they ever meet.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps:
    "Declare a ValidatingAdmissionPolicy (admissionregistration.k8s.io/v1) whose matchConstraints.resourceRules cover apps.nvidia.com nimservices CREATE, and a ValidatingAdmissionPolicyBinding with validationActions [Deny] selecting the namespace.",
  validateStack: (args, reportViolation) => {
    const objects = kubernetesObjectsIn(args.resources);
    const of = (group: string, kind: string): { object: KubernetesObject; resource: PolicyResource }[] => objects.filter(({ object }) => isKind(object, group, kind));
    const rbac = "rbac.authorization.k8s.io";
    const granting = (kind: string, name: string, namespace: string | undefined): boolean =>
      of(rbac, kind).some(({ object }) => object.metadata.name === name && (kind === "ClusterRole" || namespaceOf(object) === namespace) && grantsCreate(object));
    const grants: Grant[] = [];
    for (const { object, resource } of [...of(rbac, "RoleBinding"), ...of(rbac, "ClusterRoleBinding")]) {
      const ref = isRecord(object.roleRef) ? object.roleRef : {};
      const role = typeof ref.name === "string" ? ref.name : "";
      const kind = typeof ref.kind === "string" ? ref.kind : "";
      const namespace = object.kind === "RoleBinding" ? namespaceOf(object) : undefined;
      if (granting(kind, role, namespace)) {
        grants.push({ binding: object, resource, role: `${kind} ${role}`, namespace });
      }
    }
    if (grants.length === 0) {
      return;
    }
    const labels = new Map(of("core", "Namespace").map(({ object }) => [object.metadata.name ?? "", object.metadata.labels ?? {}] as const));
    const admission = "admissionregistration.k8s.io";
    const policies = of(admission, "ValidatingAdmissionPolicy").map(({ object }) => object);
    const bindings = of(admission, "ValidatingAdmissionPolicyBinding").map(({ object }) => object);
    const checks = (policy: KubernetesObject, namespace: string | undefined): boolean =>
      valueAt(policy, "spec.failurePolicy") !== "Ignore" &&
      arrayOf(valueAt(policy, "spec.validations") as readonly unknown[] | undefined).length > 0 &&
      arrayOf(valueAt(policy, "spec.matchConstraints.resourceRules") as readonly PolicyRule[] | undefined).some(
        (rule) => has(rule.apiGroups, nimGroup) && has(rule.resources, nimServices) && has(rule.operations, "CREATE"),
      ) &&
      admits(valueAt(policy, "spec.matchConstraints.namespaceSelector"), namespace, labels);
    const denies = (binding: KubernetesObject, policy: KubernetesObject, namespace: string | undefined): boolean =>
      valueAt(binding, "spec.policyName") === policy.metadata.name &&
      arrayOf(valueAt(binding, "spec.validationActions") as readonly string[] | undefined).includes("Deny") &&
      admits(valueAt(binding, "spec.matchResources.namespaceSelector"), namespace, labels);
    for (const grant of grants) {
      const covered = policies.some((policy) => checks(policy, grant.namespace) && bindings.some((binding) => denies(binding, policy, grant.namespace)));
      if (!covered) {
        const where = grant.namespace === undefined ? "in every namespace" : `in namespace "${grant.namespace}"`;
        reportViolation(
          `${describeObject(grant.binding)} lets its subjects create NIMServices ${where} (${grant.role}), and no ValidatingAdmissionPolicy with a Deny binding checks NIMServices created there: ` +
            "a compromised job could run any image, on any node, with any Secret. " +
            `Fix: declare a ValidatingAdmissionPolicy matching apps.nvidia.com nimservices CREATE (failurePolicy Fail) and a binding with validationActions [Deny] selecting ${grant.namespace === undefined ? "every namespace" : `"${grant.namespace}"`}.`,
          grant.resource.urn,
        );
      }
    }
  },
};
