/**
 * Names of the NGC Secrets the stack writes into every namespace that runs NVIDIA images, and that a
 * candidate NIMService refers to by default: the job and the stack read them from here.
 */
export const ngcSecretNames = {
  /** Opaque, key `NGC_API_KEY`: what NIMs and NeMo services authenticate to NGC with. */
  apiKey: "ngc-api",
  /** `kubernetes.io/dockerconfigjson` for nvcr.io. */
  pullSecret: "nvcr-pull",
} as const;
