import { Client, errors } from "@elastic/elasticsearch";
import Mock from "@elastic/elasticsearch-mock";
import { main } from "../src/cli/main";
import { ExitCode } from "../src/errors";
import { restoreCheckCommandWith } from "../src/restore/restore-check-command";

interface SnapshotFixture {
  readonly snapshot: string;
  readonly state: string;
  readonly end_time_in_millis: number;
  readonly indices: readonly string[];
}

const older = ".ds-flywheel-2026.11.30-000001";
const newer = ".ds-flywheel-2026.12.01-000002";

/**
 * An Elasticsearch stand-in holding live indices and a repository of snapshots: a restore copies the
 * snapshot's documents of the requested indices into renamed indices, which DELETE removes again.
 */
function standIn(options: { snapshots: readonly SnapshotFixture[]; live: Record<string, number>; held: Record<string, Record<string, number>>; refuse?: "list" | "restore" }) {
  const mock = new Mock();
  const indices = new Map(Object.entries(options.live));
  const restores: Array<Record<string, unknown> & { snapshot: string }> = [];
  const deleted: string[] = [];
  const forbidden = (action: string) =>
    new errors.ResponseError({
      body: { error: { type: "security_exception", reason: `action [${action}] is unauthorized for user [flywheel-reader]` } },
      statusCode: 403,
      headers: {},
      warnings: null,
      meta: {} as never,
    });
  mock.add({ method: "GET", path: "/_snapshot/:repository/_all" }, (params) => {
    if (options.refuse === "list") {
      return forbidden("cluster:admin/snapshot/get");
    }
    return String(params.path) === "/_snapshot/s3-snapshots/_all" ? { snapshots: options.snapshots, total: options.snapshots.length, remaining: 0 } : { snapshots: [], total: 0, remaining: 0 };
  });
  mock.add({ method: "POST", path: "/_snapshot/:repository/:snapshot/_restore" }, (params) => {
    if (options.refuse === "restore") {
      return forbidden("cluster:admin/snapshot/restore");
    }
    const snapshot = decodeURIComponent(String(params.path).split("/")[3]);
    const body = params.body as unknown as Record<string, unknown>;
    restores.push({ snapshot, ...(params.querystring as Record<string, unknown>), ...body });
    for (const index of String(body.indices).split(",")) {
      indices.set(`restore-check-${index}`, options.held[snapshot][index]);
    }
    return { snapshot: { snapshot, indices: String(body.indices).split(","), shards: { total: 1, failed: 0, successful: 1 } } };
  });
  mock.add({ method: ["GET", "POST"], path: "/:index/_count" }, (params) => {
    const index = decodeURIComponent(String(params.path).split("/")[1]);
    const count = indices.get(index);
    return count === undefined
      ? new errors.ResponseError({ body: { error: { type: "index_not_found_exception", reason: `no such index [${index}]` } }, statusCode: 404, headers: {}, warnings: null, meta: {} as never })
      : { count, _shards: { total: 1, successful: 1, skipped: 0, failed: 0 } };
  });
  mock.add({ method: "DELETE", path: "/:index" }, (params) => {
    for (const index of decodeURIComponent(String(params.path).slice(1)).split(",")) {
      if (indices.delete(index)) {
        deleted.push(index);
      }
    }
    return { acknowledged: true };
  });
  // The command closes its client; the mock's connection has nothing to close.
  class ClosableConnection extends mock.getConnection() {
    override async close(): Promise<void> {}
  }
  const client = new Client({ node: "http://localhost:9200", Connection: ClosableConnection, maxRetries: 0 });
  return { client, indices, restores, deleted };
}

async function run(client: Client, argv: string[] = []): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const command = restoreCheckCommandWith(() => client);
  const code = await main(["restore-check", ...argv], { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) }, env: {}, cwd: "/" }, [command]);
  return { code, stdout, stderr };
}

const snapshots: readonly SnapshotFixture[] = [
  { snapshot: "flywheel-snap-2026.12.01", state: "SUCCESS", end_time_in_millis: Date.parse("2026-12-01T01:31:00Z"), indices: [older, newer, ".security-7"] },
  { snapshot: "flywheel-snap-2026.12.02", state: "SUCCESS", end_time_in_millis: Date.parse("2026-12-02T01:31:00Z"), indices: [older, newer] },
  { snapshot: "flywheel-snap-2026.12.03", state: "FAILED", end_time_in_millis: Date.parse("2026-12-03T01:31:00Z"), indices: [older, newer] },
];
const held = {
  "flywheel-snap-2026.12.01": { [older]: 100, [newer]: 10 },
  "flywheel-snap-2026.12.02": { [older]: 100, [newer]: 40 },
};

describe("flywheel restore-check", () => {
  it("restores the newest successful snapshot's backing indices under restore-check-, passes when counts are within the live ones, and deletes them", async () => {
    const es = standIn({ snapshots, live: { [older]: 100, [newer]: 55 }, held });
    const result = await run(es.client);
    expect(result).toMatchObject({ code: ExitCode.ok, stderr: "" });
    expect(es.restores).toEqual([
      {
        snapshot: "flywheel-snap-2026.12.02",
        wait_for_completion: "true",
        indices: `${older},${newer}`,
        include_global_state: false,
        include_aliases: false,
        rename_pattern: "(.+)",
        rename_replacement: "restore-check-$1",
        index_settings: { "index.number_of_replicas": 0 },
      },
    ]);
    expect(result.stdout).toContain("snapshot flywheel-snap-2026.12.02 (ended 2026-12-02T01:31:00.000Z)");
    expect(result.stdout).toMatch(new RegExp(`${older.replace(/\./g, "\\.")}\\s+100\\s+100\\s+ok`));
    expect(result.stdout).toMatch(new RegExp(`${newer.replace(/\./g, "\\.")}\\s+40\\s+55\\s+ok`));
    expect(es.deleted).toEqual([`restore-check-${older}`, `restore-check-${newer}`]);
    expect([...es.indices.keys()]).toEqual([older, newer]);
  });

  it("passes an index retention deleted since the snapshot, shown as deleted", async () => {
    const es = standIn({ snapshots, live: { [newer]: 55 }, held });
    const result = await run(es.client);
    expect(result.code).toBe(ExitCode.ok);
    expect(result.stdout).toMatch(new RegExp(`${older.replace(/\./g, "\\.")}\\s+100\\s+\\(deleted\\)\\s+ok`));
  });

  it("fails naming the index and both counts when a restored index holds more than the live one, and still deletes what it restored", async () => {
    const es = standIn({ snapshots, live: { [older]: 90, [newer]: 55 }, held });
    const result = await run(es.client);
    expect(result.code).toBe(ExitCode.verificationFailed);
    expect(result.stderr).toContain(`${older}: restored 100 documents, more than the live index's 90`);
    expect(result.stdout).toMatch(/FAILED/);
    expect(es.deleted).toEqual([`restore-check-${older}`, `restore-check-${newer}`]);
  });

  it("fails when the snapshot restored no documents at all, and deletes the restored indices", async () => {
    const es = standIn({ snapshots, live: { [older]: 100, [newer]: 55 }, held: { ...held, "flywheel-snap-2026.12.02": { [older]: 0, [newer]: 0 } } });
    const result = await run(es.client);
    expect(result.code).toBe(ExitCode.verificationFailed);
    expect(result.stderr).toContain("snapshot flywheel-snap-2026.12.02 restored no documents");
    expect([...es.indices.keys()]).toEqual([older, newer]);
  });

  it("says the repository has no successful snapshot, restoring nothing", async () => {
    const es = standIn({ snapshots: [snapshots[2]], live: { [older]: 100 }, held });
    const result = await run(es.client);
    expect(result.code).toBe(ExitCode.verificationFailed);
    expect(result.stderr).toContain("repository s3-snapshots has no successful snapshot (1 in all)");
    expect(es.restores).toEqual([]);
  });

  it("looks in the repository --repository names", async () => {
    const es = standIn({ snapshots, live: { [older]: 100 }, held });
    const result = await run(es.client, ["--repository", "elsewhere"]);
    expect(result.code).toBe(ExitCode.verificationFailed);
    expect(result.stderr).toContain("repository elsewhere has no successful snapshot (0 in all)");
  });

  it.each(["list", "restore"] as const)("when Elasticsearch refuses to %s (403), exits 2 naming the action and the privileges needed", async (refuse) => {
    const es = standIn({ snapshots, live: { [older]: 100, [newer]: 55 }, held, refuse });
    const result = await run(es.client);
    expect(result.code).toBe(ExitCode.usage);
    expect(result.stderr).toContain("(HTTP 403): action [cluster:admin/snapshot/");
    expect(result.stderr).toContain("cluster privilege manage (or cluster:admin/snapshot/*)");
    expect([...es.indices.keys()]).toEqual([older, newer]);
  });
});
