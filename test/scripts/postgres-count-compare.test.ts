import { execFile } from "node:child_process";
import { chmodSync, chownSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { describeWithProgram } from "../support/needs-program";
import { postgresServer, postgresServerUser } from "../support/postgres-server";

const run = promisify(execFile);
const script = resolve(__dirname, "../../scripts/postgres-count-compare.sh");


interface Server {
  readonly url: string;
  readonly dataDir: string;
}

async function psql(url: string, sql: string): Promise<void> {
  await run("psql", [url, "--no-psqlrc", "--quiet", "--set", "ON_ERROR_STOP=1", "--command", sql]);
}

async function compare(source: string, restored: string): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await run("sh", [script, source, restored]);
    return { code: 0, stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string };
    return { code: failed.code, stdout: failed.stdout };
  }
}

describeWithProgram(postgresServer, "postgres-count-compare.sh against two real PostgreSQL servers", () => {
  const root = mkdtempSync(join(tmpdir(), "pg-compare-"));
  const servers: Server[] = [];
  const user = postgresServerUser();
  if (user) {
    chownSync(root, user.uid, user.gid);
    chmodSync(root, 0o755);
  }
  const asServer = user ?? {};

  async function start(name: string, port: number): Promise<Server> {
    const dataDir = join(root, name);
    await run("initdb", ["--pgdata", dataDir, "--auth", "trust", "--username", "postgres", "--no-sync"], asServer);
    await run("pg_ctl", ["--pgdata", dataDir, "--wait", "--log", join(root, `${name}.log`), "--options", `-c listen_addresses='' -c unix_socket_directories=${root} -p ${port}`, "start"], asServer);
    const server = { url: `postgresql://postgres@/postgres?host=${root}&port=${port}`, dataDir };
    servers.push(server);
    return server;
  }

  let source: Server;
  let restored: Server;
  beforeAll(async () => {
    const base = 20000 + (process.pid % 20000);
    [source, restored] = await Promise.all([start("source", base), start("restored", base + 1)]);
    const schema = "CREATE SCHEMA datastore; CREATE TABLE datastore.repos (id int); CREATE TABLE public.runs (id int);";
    await Promise.all([psql(source.url, schema), psql(restored.url, schema)]);
    const rows = "INSERT INTO datastore.repos SELECT generate_series(1, 3); INSERT INTO public.runs SELECT generate_series(1, 5);";
    await Promise.all([psql(source.url, rows), psql(restored.url, rows)]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(servers.map((server) => run("pg_ctl", ["--pgdata", server.dataDir, "--mode", "immediate", "stop"], asServer).catch(() => undefined)));
    rmSync(root, { recursive: true, force: true });
  }, 30_000);

  test("the same tables with the same counts pass, every table listed", async () => {
    const result = await compare(source.url, restored.url);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("datastore.repos 3");
    expect(result.stdout).toContain("public.runs 5");
    expect(result.stdout).toContain("same tables, same counts (2 tables)");
  });

  test("a table with fewer rows on the restored server fails, naming it", async () => {
    await psql(restored.url, "DELETE FROM public.runs WHERE id = 5;");
    const result = await compare(source.url, restored.url);
    await psql(restored.url, "INSERT INTO public.runs VALUES (5);");
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/-public\.runs 5\n\+public\.runs 4/);
  });

  test("a table missing on the restored server fails", async () => {
    await psql(source.url, "CREATE TABLE public.extra (id int);");
    const result = await compare(source.url, restored.url);
    await psql(source.url, "DROP TABLE public.extra;");
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("-public.extra 0");
  });

  test("a server it cannot reach is an error (2), not a match", async () => {
    const result = await compare(source.url, `postgresql://postgres@/postgres?host=${root}&port=1`);
    expect(result.code).toBe(2);
  });
});
