import type { CollectionName, Collections, Patch } from "./records";
import type { RunCursor } from "./run-page";

/** Equality (or membership, for a list) per field. */
export type Where<R> = { readonly [K in keyof R]?: string | readonly string[] };

export interface FindOptions {
  /** Newest `started_at` first. */
  readonly newestFirst?: boolean;
  readonly limit?: number;
  /** With `newestFirst`: only records after this position (older, or as old with a smaller id). */
  readonly after?: RunCursor;
}

/**
 * Where run records are kept: MongoDB in the cluster, JSON files offline. Both implement this and
 * pass the same contract tests. Updates are by id, merge the given fields, and may be conditional on
 * the record's `status` so that a cancel from another process is never overwritten.
 */
export interface RecordStore {
  /** For messages, e.g. `MongoDB database "flywheel"` or `state directory /tmp/state`. */
  readonly description: string;
  insert<C extends CollectionName>(collection: C, record: Collections[C]): Promise<void>;
  /**
   * Sets the patch's fields. With `onlyIfStatusIn`, only when the record's status is one of them.
   * Returns whether a record was updated.
   */
  update<C extends CollectionName>(collection: C, id: string, patch: Patch<Collections[C]>, onlyIfStatusIn?: readonly string[]): Promise<boolean>;
  get<C extends CollectionName>(collection: C, id: string): Promise<Collections[C] | undefined>;
  find<C extends CollectionName>(collection: C, where: Where<Collections[C]>, options?: FindOptions): Promise<Collections[C][]>;
  delete<C extends CollectionName>(collection: C, ids: readonly string[]): Promise<void>;
  close(): Promise<void>;
}
