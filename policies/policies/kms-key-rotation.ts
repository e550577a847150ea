import type { ResourceValidationPolicy } from "@pulumi/policy";
import { validateResourceType } from "../lib/kubernetes";

interface KeyInputs {
  readonly enableKeyRotation?: boolean;
  readonly customerMasterKeySpec?: string;
  readonly keySpec?: string;
  readonly bypassPolicyLockoutSafetyCheck?: boolean;
}

/**
 * The stack's KMS keys encrypt Secrets, volumes, the file system, the database and the buckets: each
 * rotates its key material yearly, and none may be created with a key policy KMS would refuse as a
 * lockout (a policy nobody in the account could change again).
 */
export const kmsKeyRotation: ResourceValidationPolicy = {
  name: "kms-key-rotation",
  description:
    "Symmetric KMS keys rotate their key material (enableKeyRotation) and keep KMS's policy-lockout safety check. " +
    "Mandatory: a key that never rotates, or whose policy locks the account out, cannot be managed safely.",
  enforcementLevel: "mandatory",
  severity: "medium",
  remediationSteps: "Set enableKeyRotation: true on the aws.kms.Key and leave bypassPolicyLockoutSafetyCheck unset (StackKeys and EksCluster do).",
  validateResource: validateResourceType<KeyInputs>("aws:kms/key:Key", (key, args, reportViolation) => {
    // KMS rotates symmetric encryption keys only; asymmetric and HMAC keys cannot rotate.
    const spec = key.keySpec ?? key.customerMasterKeySpec ?? "SYMMETRIC_DEFAULT";
    if (spec === "SYMMETRIC_DEFAULT" && key.enableKeyRotation !== true) {
      reportViolation(`KMS key "${args.name}" does not rotate its key material (enableKeyRotation is ${String(key.enableKeyRotation ?? "unset")}). Fix: set enableKeyRotation to true.`);
    }
    if (key.bypassPolicyLockoutSafetyCheck === true) {
      reportViolation(`KMS key "${args.name}" skips KMS's policy-lockout safety check. Fix: remove bypassPolicyLockoutSafetyCheck and keep the account root as the key's administrator.`);
    }
  }),
};
