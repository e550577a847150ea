import { type Client, errors, type estypes } from "@elastic/elasticsearch";
import { TransientError, UsageError } from "../errors";
import { type LogQuery, type LogSource, type PulledRecord, normaliseTimestamp } from "./log-source";

export interface ElasticsearchLogSourceOptions {
  /** Index with the logs. */
  readonly index: string;
  /** Records per search request. */
  readonly pageSize: number;
  /** How long the point in time stays open between pages, e.g. "2m". */
  readonly keepAlive: string;
  /** Told when closing the point in time fails (it then expires after `keepAlive`). */
  readonly onWarning?: (message: string) => void;
}

/**
 * Reads logs from Elasticsearch with a point in time and `search_after`: a consistent snapshot,
 * newest first, one page at a time. The point in time is always closed, also when reading fails or
 * the consumer stops early.
 */
export class ElasticsearchLogSource implements LogSource {
  readonly description: string;

  constructor(
    private readonly client: Client,
    private readonly options: ElasticsearchLogSourceOptions,
  ) {
    this.description = `Elasticsearch index "${options.index}"`;
  }

  async *pull(query: LogQuery): AsyncIterable<PulledRecord> {
    const { index, pageSize, keepAlive } = this.options;
    const opened = await this.call("open a point in time", () => this.client.openPointInTime({ index, keep_alive: keepAlive }));
    let pitId = opened.id;
    try {
      let searchAfter: estypes.SortResults | undefined;
      let remaining = query.maxRecords;
      while (remaining > 0) {
        const size = Math.min(pageSize, remaining);
        const page = await this.call("search", () =>
          this.client.search<Record<string, unknown>>({
            pit: { id: pitId, keep_alive: keepAlive },
            size,
            query: { bool: { filter: [{ term: { workload_id: query.workloadId } }, { term: { client_id: query.clientId } }] } },
            sort: [{ timestamp: { order: "desc" } }, { _shard_doc: { order: "asc" } }],
            track_total_hits: false,
            ...(searchAfter ? { search_after: searchAfter } : {}),
          }),
        );
        pitId = page.pit_id ?? pitId;
        const hits = page.hits.hits;
        for (const hit of hits) {
          const document = hit._source ?? {};
          yield { timestamp: normaliseTimestamp(document.timestamp), document };
        }
        remaining -= hits.length;
        if (hits.length < size) {
          return;
        }
        searchAfter = hits[hits.length - 1].sort;
      }
    } finally {
      await this.client.closePointInTime({ id: pitId }).catch((error: unknown) => {
        this.options.onWarning?.(`could not close the Elasticsearch point in time (it expires after ${keepAlive}): ${describe(error)}`);
      });
    }
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
  return error instanceof Error ? error.message : String(error);
}
