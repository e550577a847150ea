import { Client, errors } from "@elastic/elasticsearch";
import Mock from "@elastic/elasticsearch-mock";
import { elasticsearchCheck, type ElasticsearchConnector } from "../src/verify/platform/store-elasticsearch";
import { platformCheckContext } from "./support/platform-check-context";

const dataStream = "flywheel-logs";
const config = {
  elasticsearch: {
    url: "http://elasticsearch:9200",
    dataStream,
    ingestPipeline: "flywheel-logs-writer",
    roles: ["flywheel-logs-reader", "flywheel-logs-writer", "flywheel-metrics"],
    users: ["flywheel-reader", "flywheel-writer"],
    reader: { username: "flywheel-reader", passwordFile: "reader-password" },
    writer: { username: "flywheel-writer", passwordFile: "writer-password" },
  },
};
const credentials = { "reader-password": "r\n", "writer-password": "w\n" };

/** One user's view of a bootstrapped cluster (the mock sees no credentials: each user gets its own). */
function clusterAs(user: string, overrides: { readerPrivileges?: Record<string, boolean>; refuse?: string; noStream?: boolean }): Mock {
  const mock = new Mock();
  const missing = (statusCode: number) => new errors.ResponseError({ statusCode, body: { error: "refused" }, headers: {}, warnings: null, meta: {} as never });
  mock.add({ method: "GET", path: "/_security/_authenticate" }, () =>
    user === overrides.refuse ? missing(401) : { username: user, roles: [user === "flywheel-reader" ? "flywheel-logs-reader" : "flywheel-logs-writer"] },
  );
  mock.add({ method: ["GET", "POST"], path: "/_security/user/_has_privileges" }, () => {
    const held = user === "flywheel-reader" ? (overrides.readerPrivileges ?? { read: true, create_doc: false, write: false }) : { create_doc: true, read: false };
    return { username: user, has_all_requested: false, cluster: {}, index: { [dataStream]: held }, application: {} };
  });
  mock.add({ method: "GET", path: `/_data_stream/${dataStream}` }, () => (overrides.noStream ? missing(404) : { data_streams: [{ name: dataStream, status: "GREEN", indices: [{}, {}] }] }));
  mock.add({ method: "GET", path: `/${dataStream}/_settings` }, () => ({ ".ds-flywheel-logs-000001": { settings: { "index.default_pipeline": "flywheel-logs-timestamp", "index.final_pipeline": "flywheel-logs-writer" } } }));
  mock.add({ method: ["GET", "POST"], path: `/${dataStream}/_search` }, () => ({ hits: { total: { value: 12, relation: "eq" }, hits: [] } }));
  return mock;
}

function cluster(overrides: { readerPrivileges?: Record<string, boolean>; refuse?: string; noStream?: boolean } = {}): { connector: ElasticsearchConnector } {
  const connector: ElasticsearchConnector = ({ url, username, password }) => {
    // The mock's connection has no close(), which the check calls when it is done with a client.
    class ClosableConnection extends clusterAs(username, overrides).getConnection() {
      override async close(): Promise<void> {}
    }
    return new Client({ node: url, auth: { username, password }, maxRetries: 0, Connection: ClosableConnection });
  };
  return { connector };
}

const outcomes = (results: readonly { check: string; target: string; outcome: string; troubleshooting?: string }[]) => results.map((result) => `${result.check} ${result.target}: ${result.outcome}${result.troubleshooting ? ` ${result.troubleshooting}` : ""}`);

describe("verify platform elasticsearch", () => {
  test("a bootstrapped cluster passes: logins, privileges, data stream, pipeline, a search; a role neither holds is skipped", async () => {
    const results = await elasticsearchCheck(cluster().connector).run(platformCheckContext(config, credentials));
    expect(outcomes(results)).toEqual([
      "elasticsearch reader login flywheel-reader: pass",
      "elasticsearch reader privileges flywheel-logs: pass",
      "elasticsearch data stream flywheel-logs: pass",
      "elasticsearch ingest pipeline flywheel-logs-writer: pass",
      "elasticsearch reader search flywheel-logs: pass",
      "elasticsearch writer login flywheel-writer: pass",
      "elasticsearch writer privileges flywheel-logs: pass",
      "elasticsearch user flywheel-reader: pass",
      "elasticsearch user flywheel-writer: pass",
      "elasticsearch role flywheel-logs-reader: pass",
      "elasticsearch role flywheel-logs-writer: pass",
      "elasticsearch role flywheel-metrics: skip",
    ]);
  });

  test("a refused password fails that credential's login and nothing more of it", async () => {
    const results = await elasticsearchCheck(cluster({ refuse: "flywheel-writer" }).connector).run(platformCheckContext(config, credentials));
    expect(outcomes(results)).toContain("elasticsearch writer login flywheel-writer: fail elasticsearch-credentials-refused");
    expect(outcomes(results).filter((line) => line.startsWith("elasticsearch writer"))).toHaveLength(1);
  });

  test("a reader that may write fails its privileges, naming what it must not have", async () => {
    const results = await elasticsearchCheck(cluster({ readerPrivileges: { read: true, create_doc: true, write: true } }).connector).run(platformCheckContext(config, credentials));
    const privileges = results.find((result) => result.check === "elasticsearch reader privileges");
    expect(privileges).toMatchObject({ outcome: "fail", troubleshooting: "elasticsearch-privileges-wrong", detail: "has create_doc, write, which it must not" });
  });

  test("a missing data stream is an incomplete bootstrap", async () => {
    const results = await elasticsearchCheck(cluster({ noStream: true }).connector).run(platformCheckContext(config, credentials));
    expect(outcomes(results)).toContain("elasticsearch data stream flywheel-logs: fail elasticsearch-bootstrap-incomplete");
  });

  test("an unreachable cluster fails each login as unreachable", async () => {
    const results = await elasticsearchCheck().run(platformCheckContext({ elasticsearch: { ...config.elasticsearch, url: "http://127.0.0.1:1" } }, credentials, 1_000));
    expect(outcomes(results).slice(0, 2)).toEqual(["elasticsearch reader login flywheel-reader: fail elasticsearch-unreachable", "elasticsearch writer login flywheel-writer: fail elasticsearch-unreachable"]);
  });
});
