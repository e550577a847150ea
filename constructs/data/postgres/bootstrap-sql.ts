import { maxAttemptsEnv, shellBackoff } from "../jobs";
import type { PostgresServiceDatabase } from "./service-databases";

/**
 * The psql script and its shell wrapper for databases on a server the project does not run (such as
 * Amazon RDS). Idempotent: roles and databases are created only when missing, and owner, password
 * and access are set to the desired state on every run. Passwords come from the environment
 * (`\getenv`, psql 15+) and never appear in the script or on a command line.
 */

/** Name of the environment variable holding the password of the `index`-th service's owner. */
export function ownerPasswordEnv(index: number): string {
  return `OWNER_PASSWORD_${index}`;
}

/** The psql script. Names are validated identifiers; psql quotes them again (`%I`, `%L`). */
export function bootstrapSql(databases: readonly PostgresServiceDatabase[]): string {
  const blocks = databases.map((entry, i) => [
    `-- ${entry.database}, owned by ${entry.owner}`,
    `\\set owner '${entry.owner}'`,
    `\\set database '${entry.database}'`,
    `\\getenv password ${ownerPasswordEnv(i)}`,
    "SELECT format('CREATE ROLE %I LOGIN', :'owner') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'owner') \\gexec",
    "SELECT format('ALTER ROLE %I WITH LOGIN PASSWORD %L', :'owner', :'password') \\gexec",
    // Creating a database owned by another role needs membership in it (PostgreSQL 16+: with SET).
    // Granting again only raises a notice.
    "SELECT format('GRANT %I TO CURRENT_USER', :'owner') \\gexec",
    "SELECT format('CREATE DATABASE %I OWNER %I', :'database', :'owner') WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'database') \\gexec",
    "SELECT format('ALTER DATABASE %I OWNER TO %I', :'database', :'owner') \\gexec",
    // Only the owner (and superusers) may connect: another service's role cannot even open it.
    "SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'database') \\gexec",
    "\\unset password",
    `\\echo ready: database ${entry.database}, owner ${entry.owner}`,
  ].join("\n"));
  return ["\\set ON_ERROR_STOP on", ...blocks, ""].join("\n\n");
}

/** The wrapper: waits (with backoff) for the server to accept connections, then runs the script once. */
export function bootstrapShell(sqlFile: string): string {
  const backoff = shellBackoff("", "PostgreSQL at $PGHOST not ready");
  return `#!/bin/sh
# Waits for PostgreSQL, then applies ${sqlFile}. Connection settings come from the libpq environment
# (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, PGSSLMODE).
set -eu
: "\${PGHOST:?}" "\${${maxAttemptsEnv}:?}"
${backoff.start}
until pg_isready --quiet --timeout=5; do
  if ${backoff.exhausted}; then
    echo "FAILED: PostgreSQL at $PGHOST:\${PGPORT:-5432} did not accept connections after $attempt attempts" >&2
    exit 1
  fi
${backoff.wait}
done
# psql stops at the first error (ON_ERROR_STOP) and exits non-zero with PostgreSQL's message. No
# --echo-errors: a failed statement may carry a password.
exec psql --no-psqlrc --file "$(dirname "$0")/${sqlFile}"
`;
}
