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

/**
 * An S3 access-key pair in Secrets of the construct's namespace: what a writer to an S3-compatible
 * endpoint (such as MinIO) signs with where no IAM role (IRSA) exists.
 */
export interface S3AccessKeyReference {
  readonly accessKeyId: SecretKeyReference;
  readonly secretAccessKey: SecretKeyReference;
}

/** Validates both references of an access-key pair and fills in their keys' defaults. */
export function resolveS3AccessKey(owner: string, prop: string, ref: S3AccessKeyReference): { readonly accessKeyId: Required<SecretKeyReference>; readonly secretAccessKey: Required<SecretKeyReference> } {
  return { accessKeyId: resolveSecretKey(owner, `${prop}.accessKeyId`, ref.accessKeyId), secretAccessKey: resolveSecretKey(owner, `${prop}.secretAccessKey`, ref.secretAccessKey) };
}
