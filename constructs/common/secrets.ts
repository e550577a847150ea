import { validateDataKey, validateObjectName } from "./names";

/** A key of a Secret in the construct's namespace. Only the reference: the value stays with Pulumi. */
export interface SecretKeyReference {
  /** Name of the Secret. */
  readonly name: string;
  /**
   * Key inside the Secret.
   * @default "password"
   */
  readonly key?: string;
}

/** Validates a Secret reference and fills in the default key. */
export function resolveSecretKey(owner: string, prop: string, ref: SecretKeyReference): Required<SecretKeyReference> {
  validateObjectName(owner, `${prop}.name`, ref.name);
  const key = ref.key ?? "password";
  validateDataKey(owner, `${prop}.key`, key);
  return { name: ref.name, key };
}
