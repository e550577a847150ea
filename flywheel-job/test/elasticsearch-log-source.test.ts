import { Client, errors } from "@elastic/elasticsearch";
import Mock from "@elastic/elasticsearch-mock";
import { TransientError, UsageError } from "../src/errors";
import { ElasticsearchLogSource } from "../src/logs/elasticsearch-log-source";
import { logDocument } from "./support/logs";

interface SearchBody {
  pit: { id: string; keep_alive: string };
  size: number;
  search_after?: unknown[];
  query: unknown;
  sort: unknown;
}

/** An index of `total` documents of (w, c), newest first; pages honour size and search_after. */
function setUp(total: number, options: { failOnPage?: number; failWith?: number } = {}) {
  const mock = new Mock();
  const searches: SearchBody[] = [];
  const closed: string[] = [];
  const opened: Array<{ path: string | string[]; querystring: unknown }> = [];
  const documents = Array.from({ length: total }, (_, i) => ({ ...logDocument({ user: `q${i}` }), timestamp: 1_700_000_000_000 - i * 1000 }));
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
      hits: { total: { value: total, relation: "eq" }, max_score: null, hits: page.map((d, i) => ({ _index: "flywheel", _id: `${start + i}`, _source: d, sort: [d.timestamp, start + i] })) },
    };
  });
  mock.add({ method: "DELETE", path: "/_pit" }, (params) => {
    closed.push((params.body as unknown as { id: string }).id);
    return { succeeded: true, num_freed: 1 };
  });
  const client = new Client({ node: "http://localhost:9200", Connection: mock.getConnection(), maxRetries: 0 });
  const source = new ElasticsearchLogSource(client, { index: "flywheel", pageSize: 4, keepAlive: "2m" });
  return { source, searches, closed, opened, mock };
}

async function pullAll(source: ElasticsearchLogSource, maxRecords: number) {
  const out = [];
  for await (const record of source.pull({ workloadId: "w", clientId: "c", maxRecords })) {
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
    for await (const record of source.pull({ workloadId: "w", clientId: "c", maxRecords: 100 })) {
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
});
