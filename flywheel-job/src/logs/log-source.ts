/** One log document as a source returns it, before validation. */
export interface PulledRecord {
  /** Epoch milliseconds, normalised from ISO-8601, epoch millis or epoch seconds; undefined when missing or unreadable. */
  readonly timestamp: number | undefined;
  /** The document as stored (`workload_id`, `client_id`, `timestamp`, `request`, `response`, ...). */
  readonly document: Readonly<Record<string, unknown>>;
}

export interface LogQuery {
  readonly workloadId: string;
  readonly clientId: string;
  /** Return at most this many records (the run pulls `limit × 2`). */
  readonly maxRecords: number;
}

/**
 * Where production logs come from. `pull` yields only the query's (workload, client) records, newest
 * first, at most `maxRecords`, and holds no more than one page in memory beyond what it yields.
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
