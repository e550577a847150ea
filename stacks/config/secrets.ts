import type { StackSettings } from "./schema";

/** Keys of the settings that may only be stored as Pulumi secrets. */
export type SecretName = "ngcApiKey" | "judgeApiKey" | "embeddingApiKey" | "wandbApiKey";

/** A configuration value that may only be stored as a Pulumi secret. */
export interface SecretSetting {
  /** Key under the project's namespace. */
  readonly key: SecretName;
  /** What it is for, shown when it is missing. */
  readonly description: string;
  /** Whether this stack needs it. */
  readonly requiredBy: (settings: StackSettings) => boolean;
}

export const secretSettings: readonly SecretSetting[] = [
  {
    key: "ngcApiKey",
    description: "NGC API key: pulls NIM and NeMo images from nvcr.io and model weights from NGC",
    requiredBy: () => true,
  },
  {
    key: "judgeApiKey",
    description: "API key of the remote judge endpoint (models.judge.url)",
    requiredBy: (settings) => settings.models.judge.type === "remote",
  },
  {
    key: "embeddingApiKey",
    description: "API key of the remote embedding endpoint (models.embedding.url)",
    requiredBy: (settings) => settings.models.embedding.type === "remote",
  },
  {
    key: "wandbApiKey",
    description: "Weights & Biases API key for Customizer's experiment tracking (optional)",
    requiredBy: () => false,
  },
];
