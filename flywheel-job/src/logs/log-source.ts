/** One log document as a source returns it, before validation. */
export interface PulledDocument {
  readonly kind: "document";
  /** Epoch milliseconds, normalised from ISO-8601, epoch millis or epoch seconds; undefined when missing or unreadable. */
  readonly timestamp: number | undefined;
  /** The document as stored (`workload_id`, `client_id`, `timestamp`, `request`, `response`, ...). */
  readonly document: Readonly<Record<string, unknown>>;
  /**
   * Keeps the document so that it can be read again after the source has moved on, without holding
   * it parsed: a JSONL source remembers where the line is, others keep its bytes. Called only for a
   * validated document (its nesting is bounded, so serialising it is safe).
   */
  keep(): StoredDocument;
}

/** A record the source skipped unread because it is larger than `maxRecordBytes`. */
export interface OversizedRecord {
  readonly kind: "too_large";
  readonly timestamp: number | undefined;
}

export type PulledRecord = PulledDocument | OversizedRecord;

/** A document kept to be read again. */
export interface StoredDocument {
  /** Reads and parses it again; throws UsageError when it is no longer what was read (the file changed). */
  read(): Readonly<Record<string, unknown>>;
}

export interface LogQuery {
  readonly workloadId: string;
  readonly clientId: string;
  /** Return at most this many records (the run pulls `limit × 2`). */
  readonly maxRecords: number;
  /** A record larger than this (`data.limits.maxRecordBytes`) is returned as an OversizedRecord, never read whole. */
  readonly maxRecordBytes: number;
}

/**
 * Where production logs come from. `pull` yields only the query's (workload, client) records, newest
 * first, at most `maxRecords` (oversized ones included), and holds no more than one page in memory
 * beyond what it yields and what its callers keep.
 */
export interface LogSource {
  /** For messages, e.g. `Elasticsearch index "flywheel"` or `customer-support.jsonl`. */
  readonly description: string;
  pull(query: LogQuery): AsyncIterable<PulledRecord>;
}

/**
 * Normalises a log timestamp to epoch milliseconds. Numbers (and numeric strings) below 10^11 are
 * epoch seconds, the rest epoch millis (10^11 ms is March 1973, 10^11 s the year 5138); other strings
 * are parsed as ISO-8601. Returns undefined for anything else.
 */
export function normaliseTimestamp(value: unknown): number | undefined {
  let millis: number;
  if (typeof value === "number") {
    millis = value < 1e11 ? value * 1000 : value;
  } else if (typeof value === "string" && /^\d+(\.\d+)?$/.test(value.trim())) {
    return normaliseTimestamp(Number(value));
  } else if (typeof value === "string" && /^\d{4}-\d{2}-\d{2}/.test(value.trim())) {
    millis = Date.parse(value);
  } else {
    return undefined;
  }
  return Number.isFinite(millis) && millis >= 0 ? Math.round(millis) : undefined;
}

/** Keeps a document as its compact JSON bytes, outside the JavaScript heap, and parses them again when read. */
export function storeAsBytes(document: Readonly<Record<string, unknown>>): StoredDocument {
  const bytes = offHeapCopy(JSON.stringify(document));
  return { read: () => JSON.parse(bytes.toString("utf8")) as Record<string, unknown> };
}

/** The text's UTF-8 bytes in a buffer of its own (small `Buffer.from` results share an 8 KiB pool, which one survivor keeps alive). */
function offHeapCopy(text: string): Buffer {
  const bytes = Buffer.allocUnsafeSlow(Buffer.byteLength(text, "utf8"));
  bytes.write(text, "utf8");
  return bytes;
}
