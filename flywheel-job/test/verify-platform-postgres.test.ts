import { execFile } from "node:child_process";
import { chmodSync, chownSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describeWithProgram } from "../../test/support/needs-program";
import { postgresCheck } from "../src/verify/platform/store-postgres";
import { freePort } from "./support/free-port";
import { platformCheckContext } from "./support/platform-check-context";
import { postgresServer, postgresServerUser } from "../../test/support/postgres-server";

const run = promisify(execFile);


describeWithProgram(postgresServer, "verify platform postgres against a real PostgreSQL", () => {
  const root = mkdtempSync(join(tmpdir(), "verify-pg-"));
  const dataDir = join(root, "data");
  const user = postgresServerUser();
  const asServer = user ?? {};
  let port: number;

  beforeAll(async () => {
    if (user) {
      chownSync(root, user.uid, user.gid);
      chmodSync(root, 0o755);
    }
    port = await freePort();
    const passwordFile = join(root, "superuser-password");
    writeFileSync(passwordFile, "test-only-superuser\n");
    if (user) chownSync(passwordFile, user.uid, user.gid);
    // Password logins over TCP, as the stack's databases take them.
    await run("initdb", ["--pgdata", dataDir, "--auth-local", "trust", "--auth-host", "scram-sha-256", "--username", "postgres", "--pwfile", passwordFile, "--no-sync"], asServer);
    await run("pg_ctl", ["--pgdata", dataDir, "--wait", "--log", join(root, "server.log"), "--options", `-c listen_addresses=127.0.0.1 -c unix_socket_directories=${root} -p ${port}`, "start"], asServer);
    const psql = (sql: string) => run("psql", ["--host", root, "--port", String(port), "--username", "postgres", "--dbname", "postgres", "--no-psqlrc", "--quiet", "--set", "ON_ERROR_STOP=1", "--command", sql]);
    await psql("CREATE ROLE customizer LOGIN PASSWORD 'customizer-pw'");
    await psql("CREATE DATABASE customizer OWNER customizer");
  }, 60_000);

  afterAll(async () => {
    await run("pg_ctl", ["--pgdata", dataDir, "--mode", "immediate", "stop"], asServer).catch(() => undefined);
    rmSync(root, { recursive: true, force: true });
  }, 30_000);

  const check = (database: string, password = "customizer-pw") =>
    postgresCheck().run(platformCheckContext({ postgres: { databases: [{ service: "customizer", database, owner: "customizer", passwordFile: "pw", host: "127.0.0.1", port, tls: false }] } }, { pw: `${password}\n` }));

  test("the owner logs in to its database", async () => {
    expect(await check("customizer")).toEqual([expect.objectContaining({ outcome: "pass", detail: "current_user customizer, current_database customizer" })]);
  });

  test("a missing database fails, naming it", async () => {
    const [result] = await check("evaluator");
    expect(result).toMatchObject({ outcome: "fail", troubleshooting: "postgres-database-missing" });
    expect(result.detail).toContain('database "evaluator" does not exist');
  });

  test("a wrong password fails the same way", async () => {
    const [result] = await check("customizer", "wrong");
    expect(result).toMatchObject({ outcome: "fail", troubleshooting: "postgres-database-missing", detail: expect.stringContaining("password authentication failed") });
  });
});
