/**
 * One entry of the blueprint's `HTTPValidationError` (FastAPI's): where in the request the problem
 * is (`["body", "data_split_config", "eval_size"]`, `["query", "limit"]`), what is wrong, and a
 * machine-readable kind in pydantic's words where one fits.
 */
export interface ValidationIssue {
  readonly loc: readonly (string | number)[];
  readonly msg: string;
  readonly type: string;
}

/** Longest field name quoted back in an answer: a client's key is untrusted text. */
const maxQuotedLength = 100;

/** A client's key as an answer may quote it: bounded, so a huge key does not come back whole. */
export function quotedKey(key: string): string {
  return key.length > maxQuotedLength ? `${key.slice(0, maxQuotedLength)}…` : key;
}
