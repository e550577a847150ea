import type { PlatformCheckResult, PlatformVerifyConfig } from "./platform-verify-contract";

/** What every check of `verify platform` is given. */
export interface PlatformCheckContext {
  readonly config: PlatformVerifyConfig;
  /** The content of a file under the credentials mount, by its key; throws a UsageError naming the key when it is missing. */
  readCredential(file: string): string;
  /** Aborted when the whole verification is cancelled (SIGTERM) or out of time. */
  readonly signal: AbortSignal;
  /** How long one network call of a check may take. */
  readonly callTimeoutMs: number;
}

/**
 * One group of checks (the operators, Elasticsearch, ...). It resolves to one result per thing it
 * checked, failures included: it rejects only on a fault of its own, which the runner reports as a
 * failed line naming the group.
 */
export interface PlatformCheck {
  /** The group's name in the checklist and in `--only`. */
  readonly name: string;
  /** How long the whole group may take, when it needs longer than the runner's default (the GPU probe waits for a node). */
  readonly timeoutMs?: number;
  run(context: PlatformCheckContext): Promise<readonly PlatformCheckResult[]>;
}
