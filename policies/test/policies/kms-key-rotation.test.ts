import { kmsKeyRotation } from "../../policies/kms-key-rotation";
import { resourceViolations } from "../support/policy-review";
import { edit, type TestResource } from "../support/fixtures";

/** A stack key as StackKeys renders it. */
const key = (): TestResource => ({ type: "aws:kms/key:Key", name: "flywheel-keys-rds", props: { enableKeyRotation: true, deletionWindowInDays: 30 } });

describe("kms-key-rotation", () => {
  it("passes a rotating key", async () => {
    expect(await resourceViolations(kmsKeyRotation, key())).toEqual([]);
  });

  it("catches a symmetric key that does not rotate", async () => {
    expect(await resourceViolations(kmsKeyRotation, edit(key(), "props.enableKeyRotation", undefined))).toEqual([
      'KMS key "flywheel-keys-rds" does not rotate its key material (enableKeyRotation is unset). Fix: set enableKeyRotation to true.',
    ]);
  });

  it("leaves asymmetric keys, which KMS cannot rotate, alone", async () => {
    expect(await resourceViolations(kmsKeyRotation, { ...key(), props: { keySpec: "RSA_2048", keyUsage: "SIGN_VERIFY" } })).toEqual([]);
  });

  it("catches a key created past the policy-lockout safety check", async () => {
    expect(await resourceViolations(kmsKeyRotation, edit(key(), "props.bypassPolicyLockoutSafetyCheck", true))).toEqual([expect.stringContaining("skips KMS's policy-lockout safety check")]);
  });
});
