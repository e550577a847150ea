import { type Client, errors, type estypes } from "@elastic/elasticsearch";
import { messageOf, TransientError, UsageError } from "../errors";
import { exceedsJsonBytes } from "./json-size";
import { type LogQuery, type LogSource, normaliseTimestamp, type PulledRecord, storeAsBytes } from "./log-source";

export interface ElasticsearchLogSourceOptions {
  /** Index with the logs. */
  readonly index: string;
  /** Records per search request. */
  readonly pageSize: number;
  /** How long the point in time stays open between pages, e.g. "2m". */
  readonly keepAlive: string;
  /**
   * Read only documents whose `writer` is one of these Elasticsearch users (an empty list reads
   * nothing); docs/log-contract.md, "Writers".
   * @default any writer, also documents without a `writer`
   */
  readonly writers?: readonly string[];
  /** Told when closing the point in time fails (it then expires after `keepAlive`). */
  readonly onWarning?: (message: string) => void;
}

/**
 * Bytes a search response may take beyond its documents: took, shards, the point-in-time id, and
 * per hit its index, id and sort values.
 */
const responseEnvelopeBytes = 64 * 1024;
const hitEnvelopeBytes = 1024;
/** A page holds at most this many documents' worth of `maxRecordBytes`, so one page of large documents stays small. */
const pageRecordBudget = 16;
/** Below V8's longest string (about 512 MiB), which the client's `maxResponseSize` may not exceed. */
const largestPageBytes = 256 * 1024 * 1024;

/** The field the log store's final ingest pipeline stamps with the user that wrote the document. */
const writerField = "writer";

/**
 * Reads logs from Elasticsearch with a point in time and `search_after`: a consistent snapshot,
 * newest first, one page at a time. The point in time is always closed, also when reading fails or
 * the consumer stops early.
 *
 * A page's bytes are bounded before the client holds or parses them: the client aborts a response
 * larger than `maxResponseSize`, here the page's documents at `maxRecordBytes` each (at most
 * `pageRecordBudget` of them) plus their envelope. A page that is too large is asked for again at half
 * the size, down to one document; a single document still too large is skipped — asked for once more
 * without its `_source`, for its sort values — and yielded as an OversizedRecord. Page sizes double
 * again after each page that fits. Within a page that fits, a document whose compact JSON exceeds
 * `maxRecordBytes` is yielded as an OversizedRecord too, so the bound means what it means for JSONL
 * (for a document written as compact JSON). Documents are kept as their compact JSON bytes.
 */
export class ElasticsearchLogSource implements LogSource {
  readonly description: string;

  constructor(
    private readonly client: Client,
    private readonly options: ElasticsearchLogSourceOptions,
  ) {
    const writers = options.writers === undefined ? "" : ` written by ${options.writers.length === 0 ? "no allowed writer" : options.writers.join(", ")}`;
    this.description = `Elasticsearch index "${options.index}"${writers}`;
  }

  async *pull(query: LogQuery): AsyncIterable<PulledRecord> {
    const { index, pageSize, keepAlive } = this.options;
    const opened = await this.call("open a point in time", () => this.client.openPointInTime({ index, keep_alive: keepAlive }));
    let pitId = opened.id;
    try {
      let searchAfter: estypes.SortResults | undefined;
      let remaining = query.maxRecords;
      let size = pageSize;
      while (remaining > 0) {
        size = Math.min(size, remaining);
        const page = await this.search(query, { pitId, size, searchAfter, withSource: true });
        if (page === "too_large") {
          if (size > 1) {
            size = Math.ceil(size / 2);
            continue;
          }
          const located = await this.search(query, { pitId, size: 1, searchAfter, withSource: false });
          if (located === "too_large") {
            throw new UsageError(`Elasticsearch answered a search for one hit without its _source with more than ${Math.round(query.maxRecordBytes / 1024)} KiB on index "${index}"`);
          }
          const hit = located.hits.hits[0];
          if (hit === undefined) {
            return;
          }
          pitId = located.pit_id ?? pitId;
          yield { kind: "too_large", timestamp: normaliseTimestamp(hit.sort?.[0]) };
          remaining -= 1;
          searchAfter = hit.sort;
          continue;
        }
        pitId = page.pit_id ?? pitId;
        const hits = page.hits.hits;
        for (const hit of hits) {
          const document = hit._source ?? {};
          const timestamp = normaliseTimestamp(document.timestamp);
          if (exceedsJsonBytes(document, query.maxRecordBytes)) {
            yield { kind: "too_large", timestamp };
          } else {
            yield { kind: "document", timestamp, document, keep: () => storeAsBytes(document) };
          }
        }
        remaining -= hits.length;
        if (hits.length < size) {
          return;
        }
        searchAfter = hits[hits.length - 1].sort;
        size = Math.min(pageSize, size * 2);
      }
    } finally {
      await this.client.closePointInTime({ id: pitId }).catch((error: unknown) => {
        this.options.onWarning?.(`could not close the Elasticsearch point in time (it expires after ${keepAlive}): ${describe(error)}`);
      });
    }
  }

  /** One page of the query's records, or "too_large" when the response would exceed its bound. */
  private async search(
    query: LogQuery,
    page: { readonly pitId: string; readonly size: number; readonly searchAfter: estypes.SortResults | undefined; readonly withSource: boolean },
  ): Promise<estypes.SearchResponse<Record<string, unknown>> | "too_large"> {
    const { keepAlive } = this.options;
    const maxResponseSize = Math.min(page.size * (query.maxRecordBytes + hitEnvelopeBytes), pageRecordBudget * query.maxRecordBytes, largestPageBytes) + responseEnvelopeBytes;
    try {
      return await this.call("search", () =>
        this.client.search<Record<string, unknown>>(
          {
            pit: { id: page.pitId, keep_alive: keepAlive },
            size: page.size,
            query: { bool: { filter: this.filters(query) } },
            sort: [{ timestamp: { order: "desc" } }, { _shard_doc: { order: "asc" } }],
            track_total_hits: false,
            ...(page.searchAfter ? { search_after: page.searchAfter } : {}),
            ...(page.withSource ? {} : { _source: false }),
          },
          { maxResponseSize },
        ),
      );
    } catch (error) {
      // The client aborts a response over maxResponseSize; no abort signal is passed, so nothing else aborts.
      if (error instanceof errors.RequestAbortedError) {
        return "too_large";
      }
      throw error;
    }
  }

  /** The query's pair, and the allowed writers when they are configured. */
  private filters(query: LogQuery): estypes.QueryDslQueryContainer[] {
    const filters: estypes.QueryDslQueryContainer[] = [{ term: { workload_id: query.workloadId } }, { term: { client_id: query.clientId } }];
    if (this.options.writers !== undefined) {
      filters.push({ terms: { [writerField]: [...this.options.writers] } });
    }
    return filters;
  }

  /** Runs a request and turns its failure into an error that says whether retrying can help. */
  private async call<T>(what: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      const message = `Elasticsearch could not ${what} on index "${this.options.index}": ${describe(error)}`;
      if (error instanceof errors.ResponseError) {
        const status = error.statusCode ?? 0;
        if (status === 429 || status >= 500) {
          throw new TransientError(message);
        }
        if (status >= 400 && status < 500) {
          // Credentials, a missing index, a mapping without a `timestamp` date: retrying cannot help.
          throw new UsageError(message);
        }
        throw error;
      }
      if (error instanceof errors.ConnectionError || error instanceof errors.TimeoutError || error instanceof errors.NoLivingConnectionsError) {
        throw new TransientError(message);
      }
      throw error;
    }
  }
}

function describe(error: unknown): string {
  if (error instanceof errors.ResponseError) {
    const reason = (error.body as { error?: { type?: string; reason?: string } } | undefined)?.error;
    const detail = reason?.reason ?? reason?.type ?? error.message;
    return `HTTP ${error.statusCode ?? "?"} ${detail}`;
  }
  return messageOf(error);
}
