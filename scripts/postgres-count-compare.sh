#!/bin/sh
# Compares the row count of every table of one database on two PostgreSQL servers, such as a
# CloudNativePG cluster and the cluster restored from its backups (README, "Restoring PostgreSQL").
# Usage: postgres-count-compare.sh SOURCE_URL RESTORED_URL
#   Each URL is a libpq connection string (postgresql://user:password@host:port/database?sslmode=...).
# Prints `schema.table count` per table of each server and, when they differ, a diff of the two;
# exits 0 when every table exists on both with the same count, 1 when not, 2 on a usage or
# connection error. Needs only psql (the CloudNativePG PostgreSQL image has it).
set -eu

if [ "$#" -ne 2 ]; then
  echo "usage: $0 SOURCE_URL RESTORED_URL" >&2
  exit 2
fi

# One `SELECT 'schema.table', count(*)` per ordinary or partitioned table outside the system
# schemas, generated on the server and run there: exact counts, not the planner's estimates.
counts() {
  psql "$1" --no-psqlrc --quiet --tuples-only --no-align --set ON_ERROR_STOP=1 --output "$2.sql" --command "
    SELECT format('SELECT %L, count(*) FROM %I.%I;', n.nspname || '.' || c.relname, n.nspname, c.relname)
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
      AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%'
    ORDER BY 1" || return 2
  psql "$1" --no-psqlrc --quiet --tuples-only --no-align --field-separator ' ' --set ON_ERROR_STOP=1 --file "$2.sql" --output "$2.unsorted" || return 2
  # psql prints an empty line for an empty script; keep only the counts.
  grep -v '^$' "$2.unsorted" | LC_ALL=C sort >"$2" || true
}

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
counts "$1" "$scratch/source" || exit 2
counts "$2" "$scratch/restored" || exit 2

echo "source:"
sed 's/^/  /' "$scratch/source"
echo "restored:"
sed 's/^/  /' "$scratch/restored"
if diff -u "$scratch/source" "$scratch/restored" >"$scratch/diff"; then
  echo "same tables, same counts ($(wc -l <"$scratch/source" | tr -d ' ') tables)"
else
  echo "counts differ:"
  tail -n +3 "$scratch/diff"
  exit 1
fi
