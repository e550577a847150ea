import type { ExternalCredential } from "../../infra/platform/external-credentials";
import type { StackSettings } from "./schema";

/** Whether a stack needs a credential: it fails without it, may have it, or would never read it. */
export type CredentialNeed = "required" | "optional" | "unused";

/** A credential someone outside the stack issues, stored as a Pulumi secret or in a secrets manager. */
export interface SecretSetting {
  /** Key under the project's namespace (Pulumi config), and under `secrets.names` (a secrets manager). */
  readonly key: ExternalCredential;
  /** What it is for, shown when it is missing. */
  readonly description: string;
  readonly need: (settings: StackSettings) => CredentialNeed;
}

/** The endpoint's access-key pair: read only where backups go to an endpoint (`cloud: existing`; EKS writes with IAM roles). */
function backupEndpointKeyNeed(settings: StackSettings): CredentialNeed {
  return settings.cloud !== "aws" && settings.platform.backups.enabled ? "required" : "unused";
}

export const secretSettings: readonly SecretSetting[] = [
  {
    key: "ngcApiKey",
    description: "NGC API key: pulls NIM and NeMo images from nvcr.io and model weights from NGC",
    need: () => "required",
  },
  {
    key: "judgeApiKey",
    description: "API key of the remote judge endpoint (models.judge.url)",
    need: (settings) => (settings.models.judge.type === "remote" ? "required" : "unused"),
  },
  {
    key: "embeddingApiKey",
    description: "API key of the remote embedding endpoint (models.embedding.url)",
    need: (settings) => (settings.models.embedding.type === "remote" ? "required" : "unused"),
  },
  {
    key: "wandbApiKey",
    description: "Weights & Biases API key for Customizer's experiment tracking (optional)",
    need: () => "optional",
  },
  {
    key: "backupEndpointAccessKeyId",
    description: "access key ID the backups sign with at platform.backups.endpoint",
    need: backupEndpointKeyNeed,
  },
  {
    key: "backupEndpointSecretAccessKey",
    description: "secret access key the backups sign with at platform.backups.endpoint",
    need: backupEndpointKeyNeed,
  },
];
