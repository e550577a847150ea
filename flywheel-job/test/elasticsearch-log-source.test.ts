import { Client, errors } from "@elastic/elasticsearch";
import type {
  ConnectionRequestOptions,
  ConnectionRequestOptionsAsStream,
  ConnectionRequestParams,
  ConnectionRequestResponse,
  ConnectionRequestResponseAsStream,
} from "@elastic/transport";
import Mock from "@elastic/elasticsearch-mock";
import { TransientError, UsageError } from "../src/errors";
import { ElasticsearchLogSource } from "../src/logs/elasticsearch-log-source";
import type { PulledRecord } from "../src/logs/log-source";
import { defaultLimits, logDocument } from "./support/logs";

interface SearchBody {
  pit: { id: string; keep_alive: string };
  size: number;
  search_after?: unknown[];
  query: unknown;
  sort: unknown;
  _source?: boolean;
}

type IndexedDocument = ReturnType<typeof logDocument> & { timestamp: number };

/**
 * An index of `total` documents of (w, c), newest first (or the given ones); pages honour size,
 * search_after and `_source: false`. The mock's connection ignores `maxResponseSize`; this one
 * enforces it as the client's HTTP connection does, and records each search's bound.
 */
function setUp(total: number, options: { failOnPage?: number; failWith?: number; documents?: IndexedDocument[]; writers?: readonly string[] } = {}) {
  const mock = new Mock();
  const searches: SearchBody[] = [];
  const responseBounds: number[] = [];
  const closed: string[] = [];
  const opened: Array<{ path: string | string[]; querystring: unknown }> = [];
  const documents = options.documents ?? Array.from({ length: total }, (_, i) => ({ ...logDocument({ user: `q${i}` }), timestamp: 1_700_000_000_000 - i * 1000 }));
  mock.add({ method: "POST", path: "/:index/_pit" }, (params) => {
    opened.push({ path: params.path, querystring: params.querystring });
    return { id: "pit-0" };
  });
  mock.add({ method: "POST", path: "/_search" }, (params) => {
    const body = params.body as unknown as SearchBody;
    searches.push(body);
    if (options.failOnPage === searches.length) {
      return new errors.ResponseError({ body: { error: { type: "search_phase_execution_exception", reason: "boom" } }, statusCode: options.failWith ?? 503, headers: {}, warnings: null, meta: {} as never });
    }
    const start = body.search_after ? documents.findIndex((d) => d.timestamp === (body.search_after as number[])[0]) + 1 : 0;
    const page = documents.slice(start, start + body.size);
    return {
      pit_id: `pit-${searches.length}`,
      took: 1,
      timed_out: false,
      _shards: { total: 1, successful: 1, skipped: 0, failed: 0 },
      hits: {
        total: { value: documents.length, relation: "eq" },
        max_score: null,
        hits: page.map((d, i) => ({ _index: "flywheel", _id: `${start + i}`, ...(body._source === false ? {} : { _source: d }), sort: [d.timestamp, start + i] })),
      },
    };
  });
  mock.add({ method: "DELETE", path: "/_pit" }, (params) => {
    closed.push((params.body as unknown as { id: string }).id);
    return { succeeded: true, num_freed: 1 };
  });
  const MockConnection = mock.getConnection();
  class BoundedConnection extends MockConnection {
    override request(params: ConnectionRequestParams, requestOptions: ConnectionRequestOptions): Promise<ConnectionRequestResponse>;
    override request(params: ConnectionRequestParams, requestOptions: ConnectionRequestOptionsAsStream): Promise<ConnectionRequestResponseAsStream>;
    override async request(
      params: ConnectionRequestParams,
      requestOptions: ConnectionRequestOptions | ConnectionRequestOptionsAsStream,
    ): Promise<ConnectionRequestResponse | ConnectionRequestResponseAsStream> {
      const response = await super.request(params, requestOptions);
      if (String(params.path).endsWith("/_search")) {
        responseBounds.push(requestOptions.maxResponseSize ?? Infinity);
      }
      const length = Buffer.byteLength(String(response.body));
      if (requestOptions.maxResponseSize !== undefined && length > requestOptions.maxResponseSize) {
        throw new errors.RequestAbortedError(`The content length (${length}) is bigger than the maximum allowed string (${requestOptions.maxResponseSize})`);
      }
      return response;
    }
  }
  const client = new Client({ node: "http://localhost:9200", Connection: BoundedConnection, maxRetries: 0 });
  const source = new ElasticsearchLogSource(client, { index: "flywheel", pageSize: 4, keepAlive: "2m", ...(options.writers ? { writers: options.writers } : {}) });
  return { source, searches, responseBounds, closed, opened, mock };
}

async function pullAll(source: ElasticsearchLogSource, maxRecords: number, maxRecordBytes = defaultLimits.maxRecordBytes): Promise<PulledRecord[]> {
  const out = [];
  for await (const record of source.pull({ workloadId: "w", clientId: "c", maxRecords, maxRecordBytes })) {
    out.push(record);
  }
  return out;
}

describe("ElasticsearchLogSource", () => {
  it("filters on both ids, sorts newest first and pages with search_after inside one point in time", async () => {
    const { source, searches, closed, opened } = setUp(10);
    const records = await pullAll(source, 100);
    expect(opened).toEqual([{ path: "/flywheel/_pit", querystring: { keep_alive: "2m" } }]);
    expect(records).toHaveLength(10);
    expect(records.map((r) => r.timestamp)).toEqual(Array.from({ length: 10 }, (_, i) => 1_700_000_000_000 - i * 1000));
    expect(searches[0]).toEqual({
      pit: { id: "pit-0", keep_alive: "2m" },
      size: 4,
      query: { bool: { filter: [{ term: { workload_id: "w" } }, { term: { client_id: "c" } }] } },
      sort: [{ timestamp: { order: "desc" } }, { _shard_doc: { order: "asc" } }],
      track_total_hits: false,
    });
    expect(searches.map((s) => s.search_after)).toEqual([undefined, [1_699_999_997_000, 3], [1_699_999_993_000, 7]]);
    expect(searches.map((s) => s.pit.id)).toEqual(["pit-0", "pit-1", "pit-2"]);
    expect(closed).toEqual(["pit-3"]);
  });

  it("with writers, every page also filters on the writer the log store stamped, and messages name them", async () => {
    const { source, searches } = setUp(10, { writers: ["log-writer-shop", "log-writer-support"] });
    await pullAll(source, 100);
    const filter = { bool: { filter: [{ term: { workload_id: "w" } }, { term: { client_id: "c" } }, { terms: { writer: ["log-writer-shop", "log-writer-support"] } }] } };
    expect(searches.map((s) => s.query)).toEqual([filter, filter, filter]);
    expect(source.description).toBe('Elasticsearch index "flywheel" written by log-writer-shop, log-writer-support');
  });

  it("with an empty list of writers, asks for documents of no writer", async () => {
    const { source, searches } = setUp(0, { writers: [] });
    await pullAll(source, 100);
    expect(searches[0].query).toEqual({ bool: { filter: [{ term: { workload_id: "w" } }, { term: { client_id: "c" } }, { terms: { writer: [] } }] } });
    expect(source.description).toBe('Elasticsearch index "flywheel" written by no allowed writer');
  });

  it("stops at maxRecords, asking for no more than it needs", async () => {
    const { source, searches, closed } = setUp(50);
    expect(await pullAll(source, 6)).toHaveLength(6);
    expect(searches.map((s) => s.size)).toEqual([4, 2]);
    expect(closed).toHaveLength(1);
  });

  it("closes the point in time when a search fails, and reports a 5xx as transient", async () => {
    const { source, closed } = setUp(20, { failOnPage: 2, failWith: 503 });
    await expect(pullAll(source, 100)).rejects.toThrow(TransientError);
    expect(closed).toEqual(["pit-1"]);
  });

  it("reports a 403 as a configuration problem", async () => {
    const { source, closed } = setUp(20, { failOnPage: 1, failWith: 403 });
    await expect(pullAll(source, 100)).rejects.toThrow(UsageError);
    expect(closed).toEqual(["pit-0"]);
  });

  it("closes the point in time when the reader stops early", async () => {
    const { source, closed } = setUp(20);
    for await (const record of source.pull({ workloadId: "w", clientId: "c", maxRecords: 100, maxRecordBytes: defaultLimits.maxRecordBytes })) {
      expect(record.timestamp).toBeDefined();
      break;
    }
    expect(closed).toEqual(["pit-1"]);
  });

  it("names the index when it does not exist", async () => {
    const { source, mock } = setUp(0);
    mock.clear({ method: "POST", path: "/:index/_pit" });
    mock.add({ method: "POST", path: "/:index/_pit" }, () => new errors.ResponseError({ body: { error: { type: "index_not_found_exception", reason: "no such index [flywheel]" }, status: 404 }, statusCode: 404, headers: {}, warnings: null, meta: {} as never }));
    await expect(pullAll(source, 10)).rejects.toThrow('Elasticsearch could not open a point in time on index "flywheel": HTTP 404 no such index [flywheel]');
  });

  describe("bounds the bytes of a page", () => {
    const kib = 1024;
    /** Ten documents of a few hundred bytes, and at `bigAt` one with `bigBytes` of padding. */
    const index = (bigAt: number, bigBytes: number): IndexedDocument[] =>
      Array.from({ length: 10 }, (_, i) => ({ ...logDocument({ user: `q${i}` }), timestamp: 1_700_000_000_000 - i * 1000, ...(i === bigAt ? { padding: "z".repeat(bigBytes) } : {}) }));
    const kinds = (records: readonly PulledRecord[]) => records.map((r) => r.kind);

    it("asks the client to abort any response beyond the page's documents at maxRecordBytes each", async () => {
      const { source, responseBounds } = setUp(0, { documents: index(-1, 0) });
      await pullAll(source, 100, 16 * kib);
      expect(responseBounds[0]).toBe(4 * (16 * kib + 1024) + 64 * kib);
    });

    it("asks again with smaller pages, then skips the one document that is too large on its own, without its source", async () => {
      const { source, searches } = setUp(0, { documents: index(5, 200 * kib) });
      const records = await pullAll(source, 100, 16 * kib);
      expect(kinds(records)).toEqual(["document", "document", "document", "document", "document", "too_large", "document", "document", "document", "document"]);
      expect(records[5]).toEqual({ kind: "too_large", timestamp: 1_700_000_000_000 - 5000 });
      // Four fit; from the fifth, four and two are too many, one fits; two from the sixth do not, nor
      // the sixth alone, which is located without _source; then pages grow again.
      expect(searches.map((s) => [s.size, s._source ?? true])).toEqual([
        [4, true],
        [4, true],
        [2, true],
        [1, true],
        [2, true],
        [1, true],
        [1, false],
        [1, true],
        [2, true],
        [4, true],
      ]);
    });

    it("drops a document over the bound that a page brought with others, measured as compact JSON", async () => {
      // 18 KiB fits a page of four at 16 KiB each plus envelope, but not the bound on its own.
      const { source, searches } = setUp(0, { documents: index(2, 18 * kib) });
      const records = await pullAll(source, 100, 16 * kib);
      expect(kinds(records)).toEqual(["document", "document", "too_large", ...Array.from({ length: 7 }, () => "document")]);
      expect(searches.map((s) => s.size)).toEqual([4, 4, 4]);
    });

    it("keeps what it yields as bytes: a kept document reads back equal to what was pulled", async () => {
      const { source } = setUp(3);
      const [first] = await pullAll(source, 1);
      expect(first.kind === "document" && first.keep().read()).toEqual(first.kind === "document" && first.document);
    });
  });
});
