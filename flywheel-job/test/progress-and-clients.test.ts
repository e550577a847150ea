import { join } from "node:path";
import { ReadProgress } from "../src/cli/progress";
import { UsageError } from "../src/errors";
import { createElasticsearchClient } from "../src/logs/elasticsearch-client";
import { temporaryDirectory } from "./support/logs";

describe("ReadProgress", () => {
  function recorder(isTTY: boolean) {
    const written: string[] = [];
    let now = 0;
    const progress = new ReadProgress({ isTTY, write: (text: string) => written.push(text) }, 200e6, () => now);
    return { written, progress, advance: (ms: number) => (now += ms) };
  }

  it("redraws one line on a terminal at most every 200 ms and clears it at the end", () => {
    const { written, progress, advance } = recorder(true);
    progress.update("reading logs.jsonl", 10e6);
    advance(250);
    progress.update("reading logs.jsonl", 50e6);
    advance(100);
    progress.update("reading logs.jsonl", 60e6);
    progress.done();
    expect(written).toEqual(["\r\x1b[2Kreading logs.jsonl: 25% (50 of 200 MB)", "\r\x1b[2K"]);
  });

  it("writes a plain line at most every 10 seconds elsewhere", () => {
    const { written, progress, advance } = recorder(false);
    advance(5_000);
    progress.update("reading logs.jsonl", 20e6);
    advance(6_000);
    progress.update("reading logs.jsonl", 100e6);
    progress.done();
    expect(written).toEqual(["reading logs.jsonl: 50% (100 of 200 MB)\n"]);
  });
});

describe("createElasticsearchClient", () => {
  it("needs ELASTICSEARCH_URL", () => {
    expect(() => createElasticsearchClient({})).toThrow("ELASTICSEARCH_URL is not set; it is needed to read logs from Elasticsearch");
  });

  it("names a CA file it cannot read", () => {
    const missing = join(temporaryDirectory(), "ca.pem");
    expect(() => createElasticsearchClient({ ELASTICSEARCH_URL: "https://es:9200", ELASTICSEARCH_CA_FILE: missing })).toThrow(
      new UsageError(`ELASTICSEARCH_CA_FILE: cannot read ${missing}: no such file or directory`),
    );
  });

  it("builds a client for the configured node", () => {
    const client = createElasticsearchClient({ ELASTICSEARCH_URL: "http://es:9200", ELASTICSEARCH_API_KEY: "key" });
    expect(client.connectionPool.connections.map((c) => c.url.href)).toEqual(["http://es:9200/"]);
  });
});
