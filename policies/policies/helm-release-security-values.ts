import type { ResourceValidationPolicy } from "@pulumi/policy";
import { policyConfig } from "../lib/config";
import { chartName, helmReleaseOf } from "../lib/helm";
import { isRecord, valueAt, walk } from "../lib/values";

/** Values paths of a chart's pod and container security contexts. */
export interface ChartSecurityValues {
  /** Path of the pod security context, which must run as non-root. */
  readonly pod?: string;
  /** Path of the container security context, which must forbid privilege escalation. */
  readonly container?: string;
}

export interface HelmReleaseSecurityValuesConfig {
  /** Charts whose security contexts the stack must set explicitly, by chart name. */
  readonly charts: Readonly<Record<string, ChartSecurityValues>>;
}

export const helmReleaseSecurityValuesDefaults: HelmReleaseSecurityValuesConfig = {
  charts: {
    "cluster-autoscaler": { pod: "securityContext", container: "containerSecurityContext" },
    "eck-operator": { pod: "podSecurityContext", container: "securityContext" },
    "k8s-nim-operator": { pod: "operator.podSecurityContext", container: "operator.containerSecurityContext" },
  },
};

/**
 * A chart's pods only exist after `helm install`, so neither a preview nor the offline review sees
 * them; what the stack controls is the values it passes. Advisory, because whether a chart's
 * defaults are safe is the chart's business and some (the GPU operator's driver pods) must run
 * privileged: it flags values that weaken a security context, and listed charts whose security
 * context the stack leaves to the chart's defaults (a chart upgrade could relax them).
 */
export const helmReleaseSecurityValues: ResourceValidationPolicy = {
  name: "helm-release-security-values",
  description:
    "Helm values do not make pods run as root, privileged or with privilege escalation, and the charts in config charts have their security contexts set explicitly. " +
    "Advisory: a chart's pods are invisible before install, so only its values can be checked.",
  enforcementLevel: "advisory",
  severity: "medium",
  remediationSteps: "Set the chart's pod security context (runAsNonRoot: true) and container security context (allowPrivilegeEscalation: false) in the release values.",
  configSchema: {
    properties: {
      charts: {
        type: "object",
        additionalProperties: {
          type: "object",
          properties: { pod: { type: "string" }, container: { type: "string" } },
          additionalProperties: false,
        },
        default: { ...helmReleaseSecurityValuesDefaults.charts },
        description: "Chart name → values paths of its pod and container security contexts.",
      },
    },
  },
  validateResource: (args, reportViolation) => {
    const release = helmReleaseOf(args.type, args.props);
    if (!release) {
      return;
    }
    const chart = chartName(release.chart);
    const name = `Helm release "${args.name}" (chart ${chart})`;
    for (const [path, value] of walk(release.values)) {
      if (!isRecord(value) || !/securitycontext$/i.test(path.split(".").pop() ?? "")) {
        continue;
      }
      const weakened = [
        value.runAsUser === 0 ? "runAsUser: 0" : undefined,
        value.runAsNonRoot === false ? "runAsNonRoot: false" : undefined,
        value.privileged === true ? "privileged: true" : undefined,
        value.allowPrivilegeEscalation === true ? "allowPrivilegeEscalation: true" : undefined,
      ].filter(Boolean);
      if (weakened.length > 0) {
        reportViolation(`${name} sets ${weakened.join(", ")} in values.${path}. Fix: run as non-root without privilege escalation, or document why this chart cannot.`);
      }
    }
    const paths = policyConfig(args, helmReleaseSecurityValuesDefaults).charts[chart];
    const pod = paths?.pod ? valueAt(release.values, paths.pod) : undefined;
    if (paths?.pod && !(isRecord(pod) && (pod.runAsNonRoot === true || (typeof pod.runAsUser === "number" && pod.runAsUser > 0)))) {
      reportViolation(`${name} leaves values.${paths.pod}.runAsNonRoot to the chart's default. Fix: set values.${paths.pod}.runAsNonRoot to true.`);
    }
    const container = paths?.container ? valueAt(release.values, paths.container) : undefined;
    if (paths?.container && !(isRecord(container) && container.allowPrivilegeEscalation === false)) {
      reportViolation(
        `${name} leaves values.${paths.container}.allowPrivilegeEscalation to the chart's default. Fix: set values.${paths.container}.allowPrivilegeEscalation to false.`,
      );
    }
  },
};
