import type { StackSettings } from "./schema";

/** Keys of the settings that may only be stored as Pulumi secrets. */
export type SecretName = "ngcApiKey";

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
];
