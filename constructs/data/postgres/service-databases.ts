import { fail } from "../../common/errors";
import { validateObjectName } from "../../common/names";

/**
 * One service's database and the role that owns it. Every NeMo service gets its own pair, so one
 * service's credentials open no other service's data.
 */
export interface PostgresServiceDatabase {
  /** Name of the database in PostgreSQL (lowercase letters, digits, '_'). */
  readonly database: string;
  /** The owner role the service logs in as (lowercase letters, digits, '_'). */
  readonly owner: string;
  /**
   * Secret of type `kubernetes.io/basic-auth` with `username` (= `owner`) and `password`, generated
   * by Pulumi in the database's namespace. The service reads the same credentials from its own copy.
   */
  readonly credentialsSecretName: string;
}

// Names PostgreSQL or CloudNativePG reserve.
const reservedDatabases = new Set(["postgres", "template0", "template1"]);
const reservedRoles = new Set(["postgres", "streaming_replica", "public", "cnpg_pooler_pgbouncer"]);

/** Validates the list: well-formed, unreserved names, and no database or owner used twice. */
export function validateServiceDatabases(owner: string, databases: readonly PostgresServiceDatabase[]): void {
  if (databases.length === 0) fail(owner, "databases must list at least one service database");
  const seenDatabases = new Set<string>();
  const seenOwners = new Set<string>();
  databases.forEach((entry, i) => {
    const at = `databases[${i}]`;
    // Plain identifiers need no quoting anywhere: in SQL, in psql variables, in Kubernetes names.
    if (!/^[a-z][a-z0-9_]{0,62}$/.test(entry.database) || reservedDatabases.has(entry.database)) {
      fail(owner, `${at}.database "${entry.database}" must be a lowercase identifier (letters, digits, '_'; at most 63) other than postgres, template0 and template1`);
    }
    if (!/^[a-z][a-z0-9_]{0,62}$/.test(entry.owner) || reservedRoles.has(entry.owner) || entry.owner.startsWith("pg_")) {
      fail(owner, `${at}.owner "${entry.owner}" must be a lowercase identifier (letters, digits, '_'; at most 63), not a reserved role`);
    }
    validateObjectName(owner, `${at}.credentialsSecretName`, entry.credentialsSecretName);
    if (seenDatabases.has(entry.database)) fail(owner, `${at}.database "${entry.database}" is listed twice`);
    if (seenOwners.has(entry.owner)) fail(owner, `${at}.owner "${entry.owner}" owns another database already: one owner role per service`);
    seenDatabases.add(entry.database);
    seenOwners.add(entry.owner);
  });
}
