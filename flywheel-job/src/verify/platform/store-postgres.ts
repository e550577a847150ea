import { Client } from "pg";
import type { PlatformCheck } from "./platform-check";
import type { PlatformCheckResult } from "./platform-verify-contract";
import { boundedCall, describeFailure } from "./store-call";

/** Where and as whom one database is reached. */
export interface PostgresLogin {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  readonly password: string;
  /** TLS, verified against `ca` (or the system's CAs); undefined for plain TCP. */
  readonly tls?: { readonly ca?: string };
}

/** How the check reaches PostgreSQL: log in, `SELECT current_user, current_database()`, close. */
export type PostgresWhoAmI = (login: PostgresLogin, timeoutMs: number) => Promise<{ user: string; database: string }>;

/** The `pg` driver, one connection per database, always closed. */
export const pgWhoAmI: PostgresWhoAmI = async (login, timeoutMs) => {
  const client = new Client({
    host: login.host,
    port: login.port,
    database: login.database,
    user: login.user,
    password: login.password,
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
    ...(login.tls === undefined ? {} : { ssl: { rejectUnauthorized: true, ...(login.tls.ca === undefined ? {} : { ca: login.tls.ca }) } }),
  });
  // A connection that fails after connecting emits `error`; without a listener it would crash the process.
  client.on("error", () => undefined);
  try {
    await client.connect();
    const result = await client.query<{ user: string; database: string }>("SELECT current_user AS user, current_database() AS database");
    const row = result.rows[0];
    if (row === undefined) throw new Error("the query returned no row");
    return row;
  } finally {
    await client.end().catch(() => undefined);
  }
};

/** `postgres`: each service's database accepts its owner's login, and is the database the owner lands in; skipped when the stack has none. */
export function postgresCheck(whoAmI: PostgresWhoAmI = pgWhoAmI): PlatformCheck {
  return {
    name: "postgres",
    async run(context): Promise<PlatformCheckResult[]> {
      const postgres = context.config.postgres;
      if (postgres === undefined) {
        return [{ check: "postgres database", target: "(none)", outcome: "skip", detail: "the stack declares no PostgreSQL" }];
      }
      const ca = postgres.caFile === undefined ? undefined : context.readCredential(postgres.caFile);
      return Promise.all(
        postgres.databases.map(async (db): Promise<PlatformCheckResult> => {
          const check = `postgres ${db.service} database`;
          const target = `${db.owner}@${db.host}:${db.port}/${db.database}`;
          // A missing credential file is the configuration's fault, which the runner reports for the group.
          const password = context.readCredential(db.passwordFile).trim();
          try {
            const login: PostgresLogin = { host: db.host, port: db.port, database: db.database, user: db.owner, password, ...(db.tls ? { tls: ca === undefined ? {} : { ca } } : {}) };
            const seen = await boundedCall(context, () => whoAmI(login, context.callTimeoutMs));
            if (seen.user !== db.owner || seen.database !== db.database) {
              return { check, target, outcome: "fail", detail: `logged in as ${describeFailure(seen.user)} to ${describeFailure(seen.database)}`, troubleshooting: "postgres-database-missing" };
            }
            return { check, target, outcome: "pass", detail: `current_user ${describeFailure(seen.user)}, current_database ${describeFailure(seen.database)}` };
          } catch (error) {
            return { check, target, outcome: "fail", detail: `database ${db.database} as ${db.owner}: ${describeFailure(error)}`, troubleshooting: "postgres-database-missing" };
          }
        }),
      );
    },
  };
}
