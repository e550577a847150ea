import type { ResourceValidationPolicy } from "@pulumi/policy";
import { policyConfig } from "../lib/config";
import { describeObject, isKind, validateKubernetesObject } from "../lib/kubernetes";
import { secretsInArgs, secretsInDocument, secretsInValue, type SecretFinding } from "../lib/secrets";
import { isRecord } from "../lib/values";
import { podTemplatesOf } from "../lib/workloads";

export interface NoPlaintextSecretsConfig {
  /** Names that look like secrets but are not (an escape hatch for a false positive). */
  readonly allowedNames: readonly string[];
}

export const noPlaintextSecretsDefaults: NoPlaintextSecretsConfig = { allowedNames: [] };

const fix = "Fix: keep the value in a Secret and reference it (env valueFrom.secretKeyRef, envFrom.secretRef or a Secret volume); set it with `pulumi config set --secret`.";

function where(finding: SecretFinding): string {
  return [finding.key ? `"${finding.key}"` : undefined, finding.line ? `line ${finding.line}` : undefined].filter(Boolean).join(" ");
}

/**
 * Plain env values and ConfigMaps are readable by anyone who can read a Deployment, show up in
 * `kubectl describe`, diffs and logs, and are stored unencrypted; NGC keys, passwords and tokens
 * belong in Secrets. Helm values are out of scope: a preview hands policies secret values already
 * decrypted, so a policy cannot tell a Pulumi secret from a plaintext one there.
 */
export const noPlaintextSecrets: ResourceValidationPolicy = {
  name: "no-plaintext-secrets",
  description:
    "No secret material (NGC keys, passwords, tokens, private keys) in plain container env values, command lines or ConfigMaps; it comes from Secrets (config allowedNames). " +
    "Mandatory: plain values are readable by anyone who can read the workload, and leak into diffs and logs.",
  enforcementLevel: "mandatory",
  severity: "critical",
  remediationSteps: "Move the value into a Kubernetes Secret written by Pulumi from a `pulumi config set --secret` value, and reference it by name.",
  configSchema: {
    properties: {
      allowedNames: {
        type: "array",
        items: { type: "string" },
        default: [...noPlaintextSecretsDefaults.allowedNames],
        description: "Env var, flag or ConfigMap key names that look like secrets but are not.",
      },
    },
  },
  validateResource: validateKubernetesObject((object, args, reportViolation) => {
    const { allowedNames } = policyConfig(args, noPlaintextSecretsDefaults);
    for (const pod of podTemplatesOf(object)) {
      for (const { name, container, fields } of pod.containers) {
        for (const variable of container.env ?? []) {
          if (typeof variable.value !== "string") {
            continue;
          }
          for (const finding of secretsInValue(variable.name, variable.value, allowedNames)) {
            reportViolation(`${describeObject(object)}: container "${name}" env ${variable.name} holds ${finding.what} in plain text (at ${fields.env}). ${fix}`);
          }
        }
        for (const finding of secretsInArgs([...(container.command ?? []), ...(container.args ?? [])], allowedNames)) {
          reportViolation(`${describeObject(object)}: the command line of container "${name}" holds ${finding.what}${finding.key ? ` (${finding.key})` : ""}. ${fix}`);
        }
      }
    }
    if (isKind(object, "core", "ConfigMap") && isRecord(object.data)) {
      for (const [key, value] of Object.entries(object.data)) {
        if (typeof value !== "string") {
          continue;
        }
        for (const finding of secretsInDocument(key, value, allowedNames)) {
          reportViolation(`${describeObject(object)}: ${where(finding) || `key "${key}"`} holds ${finding.what}. ${fix}`);
        }
      }
    }
  }),
};
