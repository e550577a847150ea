import type { Output } from "@pulumi/pulumi";
import { jobEnvironment, ngcSecretNames } from "../../flywheel-job/src/contract";

/**
 * Credentials someone outside the stack issues: NGC's API key, the remote judge's and embedding
 * endpoint's keys, Weights & Biases, the access-key pair of an S3-compatible backup endpoint
 * (`platform.backups.endpoint`). They come from Pulumi config or from a secrets manager
 * (`data-flywheel:secrets`); credentials the stack generates itself (database passwords, the CA) are
 * never external.
 */
export const externalCredentials = ["ngcApiKey", "judgeApiKey", "embeddingApiKey", "wandbApiKey", "backupEndpointAccessKeyId", "backupEndpointSecretAccessKey"] as const;

export type ExternalCredential = (typeof externalCredentials)[number];

/** NGC's logins, to nvcr.io and to its chart repositories: the literal user `$oauthtoken`, with the API key as password. */
export const ngcLogin = { registry: "nvcr.io", username: "$oauthtoken" } as const;

/** How a Secret's key holds a credential. */
export type CredentialFormat =
  /** The credential itself. */
  | "value"
  /** A `.dockerconfigjson` logging in to nvcr.io with the credential as password (`ngcLogin`). */
  | "nvcr-docker-config";

/** One key of a Secret and the credential it carries. */
export interface CredentialKey {
  readonly credential: ExternalCredential;
  readonly format: CredentialFormat;
}

/** The shape of a Kubernetes Secret that carries external credentials. */
export interface CredentialSecretLayout {
  /** The Secret's name, in every namespace it is written to. */
  readonly name: string;
  readonly type: "Opaque" | "kubernetes.io/dockerconfigjson";
  /** Keys holding external credentials. A key whose credential the stack does not use is left out. */
  readonly keys: Readonly<Record<string, CredentialKey>>;
  /**
   * Keys the stack generates (Pulumi-side) in the same Secret; with a secrets manager they stay in a
   * Pulumi Secret the synchronised keys are merged into.
   * @default none
   */
  readonly generatedKeys?: readonly string[];
}

const value = (credential: ExternalCredential): CredentialKey => ({ credential, format: "value" });

/**
 * Every Secret that carries an external credential, by purpose: one owner for their names and keys,
 * read by the stack (which writes them from Pulumi config or as ExternalSecrets) and the policy pack
 * (which, in production, admits them only from the secrets manager).
 */
export const credentialSecretLayouts = {
  ngcApiKey: { name: ngcSecretNames.apiKey, type: "Opaque", keys: { NGC_API_KEY: value("ngcApiKey") } },
  nvcrPull: {
    name: ngcSecretNames.pullSecret,
    type: "kubernetes.io/dockerconfigjson",
    keys: { ".dockerconfigjson": { credential: "ngcApiKey", format: "nvcr-docker-config" } },
  },
  /** Only the judge proxy mounts it: the jobs never see the judge's key. */
  judgeProxyKey: { name: "judge-proxy-key", type: "Opaque", keys: { [jobEnvironment.JUDGE_API_KEY]: value("judgeApiKey") } },
  /** The remote embedding endpoint's key, which the flywheel job reads from its environment. */
  flywheelModelKeys: { name: "flywheel-model-keys", type: "Opaque", keys: { [jobEnvironment.EMBEDDING_API_KEY]: value("embeddingApiKey") } },
  /** Customizer reads the encryption key even without a W&B account; an empty API key turns W&B off. */
  customizerWandb: { name: "customizer-wandb", type: "Opaque", keys: { apiKey: value("wandbApiKey") }, generatedKeys: ["encryptionKey"] },
} as const satisfies Record<string, CredentialSecretLayout>;

export type CredentialSecretPurpose = keyof typeof credentialSecretLayouts;

/**
 * Marks the keys a Secret holds empty on purpose: the credential is not configured, and its reader
 * needs the key to exist (Customizer reads `apiKey`, and an empty one turns W&B off). The policy pack
 * reads it, since an offline render cannot tell an empty value from a real one.
 */
export const emptyCredentialKeysAnnotation = "data-flywheel.nvidia.com/empty-credential-keys";

/** Where a stack's external credentials come from, as the loader validated them (`data-flywheel:secrets`). */
export type CredentialSource =
  | {
      readonly source: "pulumi";
      /** The values the stack's Pulumi config holds, as secret outputs. */
      readonly values: Readonly<Partial<Record<ExternalCredential, Output<string>>>>;
    }
  | {
      readonly source: "aws-secrets-manager";
      /** The AWS Secrets Manager secret of each credential the stack uses. */
      readonly names: Readonly<Partial<Record<ExternalCredential, string>>>;
      /** How often the operator reads them again. */
      readonly refreshInterval: string;
    };
