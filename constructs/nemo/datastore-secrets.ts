/**
 * The five Secrets a NemoDatastore needs before the NIM operator can start it, as plain data for
 * whatever creates Secrets (the Pulumi program). Pure: no cdk8s, no Pulumi.
 *
 * NeMo Data Store is Gitea with a Hugging Face–compatible API. The operator (v3.1.2) runs three init
 * containers from the Data Store image and reads these Secrets as follows:
 * - `giteaAdmin`: keys `GITEA_ADMIN_USERNAME` and `GITEA_ADMIN_PASSWORD`, the admin account the last
 *   init container creates (or resets the password of).
 * - `lfsJwt`: key `jwtSecret`, the key Gitea signs Git LFS transfer tokens with (Gitea's
 *   `server.LFS_JWT_SECRET`: 32 bytes, unpadded base64url).
 * - `init`: mounted at `/usr/sbin/init`; the operator runs `init_directory_structure.sh` (first init
 *   container) and `configure_gitea.sh` (last) from it.
 * - `config`: mounted at `/usr/sbin`; the operator runs `config_environment.sh` (second init
 *   container), which writes Gitea's `app.ini`.
 * - `inlineConfig`: mounted at `/env-to-ini-mounts/inlines/`; one key per `app.ini` section (`_generals_`
 *   for the keys before the first section), each a list of `KEY=VALUE` lines.
 * The database host, name, user and password are not in these Secrets: the operator passes them from
 * the NemoDatastore's `databaseConfig` as `GITEA__DATABASE__*` variables, which take precedence.
 */

import { fail } from "../common/errors";
import { validateHttpUrl } from "../common/http-urls";
import { validateObjectName } from "../common/names";

/**
 * Names of the five Secrets (all in the NemoDatastore's namespace). A type alias, not an interface,
 * so `Object.values` of one is a `string[]`.
 */
export type NemoDatastoreSecretNames = {
  /** Admin account: `GITEA_ADMIN_USERNAME`, `GITEA_ADMIN_PASSWORD`. */
  readonly giteaAdmin: string;
  /** LFS token signing key: `jwtSecret`. */
  readonly lfsJwt: string;
  /** Init container scripts: `init_directory_structure.sh`, `configure_gitea.sh`. */
  readonly init: string;
  /** The script that writes `app.ini`: `config_environment.sh`. */
  readonly config: string;
  /** `app.ini` settings, one key per section. */
  readonly inlineConfig: string;
};

/** Secret names derived from the NemoDatastore's name. */
export function nemoDatastoreSecretNames(datastoreName: string): NemoDatastoreSecretNames {
  return {
    giteaAdmin: `${datastoreName}-admin`,
    lfsJwt: `${datastoreName}-lfs-jwt`,
    init: `${datastoreName}-init`,
    config: `${datastoreName}-config`,
    inlineConfig: `${datastoreName}-inline-config`,
  };
}

export interface NemoDatastoreSecretInputs {
  /** Names of the Secrets; pass the same object to the NemoDatastore. */
  readonly secretNames: NemoDatastoreSecretNames;
  /**
   * URL clients reach the Data Store at (its in-cluster URL, `NemoDatastore.url`). Gitea builds the
   * links it returns, e.g. Git LFS download URLs, from it.
   */
  readonly rootUrl: string;
  /**
   * Admin account name (Gitea reserves some names, such as `admin`).
   * @default "datastore-admin"
   */
  readonly adminUsername?: string;
  /** Admin password, at least 8 characters (generate it, e.g. with @pulumi/random). */
  readonly adminPassword: string;
  /**
   * 32 random bytes, base64- or base64url-encoded (e.g. `new random.RandomBytes(…, { length: 32 }).base64`).
   * Stored in the form Gitea expects.
   */
  readonly lfsJwtSecret: string;
}

/** Secret name → key → value (the `stringData` of each Secret). */
export type SecretsData = Readonly<Record<string, Readonly<Record<string, string>>>>;

const owner = "NemoDatastore secrets";

/** The contents of the five Secrets, keyed by Secret name. */
export function nemoDatastoreSecretData(inputs: NemoDatastoreSecretInputs): SecretsData {
  const names = inputs.secretNames;
  const nameList = [names.giteaAdmin, names.lfsJwt, names.init, names.config, names.inlineConfig];
  (Object.keys(names) as (keyof NemoDatastoreSecretNames)[]).forEach((key) => validateObjectName(owner, `secretNames.${key}`, names[key]));
  if (new Set(nameList).size !== nameList.length) {
    fail(owner, `secretNames must be five different Secrets, got ${nameList.join(", ")}`);
  }
  const adminUsername = inputs.adminUsername ?? "datastore-admin";
  validateAdminUsername(adminUsername);
  validateAdminPassword(inputs.adminPassword);
  const rootUrl = validateHttpUrl(owner, "rootUrl", inputs.rootUrl);

  return {
    [names.giteaAdmin]: { GITEA_ADMIN_USERNAME: adminUsername, GITEA_ADMIN_PASSWORD: inputs.adminPassword },
    [names.lfsJwt]: { jwtSecret: lfsJwtKey(inputs.lfsJwtSecret) },
    [names.init]: { "init_directory_structure.sh": initDirectoriesScript, "configure_gitea.sh": configureGiteaScript },
    [names.config]: { "config_environment.sh": configEnvironmentScript },
    [names.inlineConfig]: inlineConfig(rootUrl),
  };
}

// Names Gitea refuses for accounts (a subset of its reserved list: the plausible ones).
const reservedUsernames = new Set(["admin", "api", "assets", "explore", "ghost", "login", "new", "org", "raw", "repo", "search", "user", "v2", "gitea-actions"]);

function validateAdminUsername(username: string): void {
  if (!/^[A-Za-z0-9]+([._-][A-Za-z0-9]+)*$/.test(username) || username.length > 40) {
    fail(owner, `adminUsername "${username}" must be letters and digits, optionally joined by single '.', '_' or '-', at most 40 characters`);
  }
  if (reservedUsernames.has(username.toLowerCase())) {
    fail(owner, `adminUsername "${username}" is reserved by Gitea; choose another, e.g. datastore-admin`);
  }
}

function validateAdminPassword(password: string): void {
  if (password.length < 8) {
    fail(owner, `adminPassword must be at least 8 characters (Gitea's minimum), got ${password.length}`);
  }
  if (/[\r\n]/.test(password)) {
    fail(owner, "adminPassword must be a single line");
  }
}

/** Gitea decodes the LFS key as unpadded base64url and requires exactly 32 bytes. */
function lfsJwtKey(encoded: string): string {
  const key = /^[A-Za-z0-9+/_-]{43}=?$/.test(encoded) ? Buffer.from(encoded.replace(/-/g, "+").replace(/_/g, "/"), "base64") : undefined;
  if (key === undefined || key.length !== 32) {
    fail(owner, "lfsJwtSecret must be 32 random bytes, base64-encoded (43 characters, optionally with one '=')");
  }
  return key.toString("base64url");
}

/** `app.ini` sections as the inline-config Secret holds them. */
function inlineConfig(rootUrl: string): Record<string, string> {
  const sections: Record<string, Record<string, string>> = {
    _generals_: { APP_NAME: "NeMo Data Store", RUN_MODE: "prod" },
    server: {
      PROTOCOL: "http",
      // The operator's container port and probes use 3000.
      HTTP_PORT: "3000",
      ROOT_URL: `${rootUrl}/`,
      DOMAIN: new URL(rootUrl).hostname,
      APP_DATA_PATH: "/data",
      LFS_START_SERVER: "true",
      START_SSH_SERVER: "false",
      DISABLE_SSH: "true",
      OFFLINE_MODE: "true",
    },
    // Host, name, user, password and SSL mode come from the operator's GITEA__DATABASE__* variables.
    database: { DB_TYPE: "postgres" },
    security: { INSTALL_LOCK: "true" },
    repository: { ROOT: "/data/git/gitea-repositories" },
    // Files on the data volume unless the NemoDatastore sets objectStoreConfig (then the operator overrides it).
    lfs: { STORAGE_TYPE: "local" },
    cache: { ADAPTER: "memory" },
    session: { PROVIDER: "memory" },
    // The queue type NVIDIA's own Data Store chart ships with.
    queue: { TYPE: "dummy" },
    indexer: { ISSUE_INDEXER_TYPE: "db" },
    metrics: { ENABLED: "false" },
    "cron.GIT_GC_REPOS": { ENABLED: "false" },
  };
  return Object.fromEntries(
    Object.entries(sections).map(([section, settings]) => [section, Object.entries(settings).map(([key, value]) => `${key}=${value}`).join("\n")]),
  );
}

const initDirectoriesScript = `#!/usr/bin/env bash
# First init container: the directories Gitea expects on the data volume, and its temp directory.
set -euo pipefail
mkdir -p /data/git/.ssh /data/gitea/conf "\${GITEA_TEMP}"
chmod -R 700 /data/git/.ssh
chmod ug+rwx "\${GITEA_TEMP}"
`;

const configEnvironmentScript = `#!/usr/bin/env bash
# Second init container: writes Gitea's app.ini (GITEA_APP_INI) from, strongest first,
#   1. GITEA__<SECTION>__<KEY> variables already set (the operator passes the database settings and
#      the LFS key this way),
#   2. the inline configuration: one file per app.ini section, KEY=VALUE lines, "_generals_" for the
#      keys before the first section,
#   3. on first start only, fresh internal secrets, so a restart never rotates them.
set -euo pipefail

inline_dir=\${DATASTORE_INLINE_CONFIG_DIR:-/env-to-ini-mounts/inlines}

# environment-to-ini reads GITEA__<SECTION>__<KEY>; '.' and '-' in a section name are written
# _0X2E_ and _0X2D_, and the root section is empty.
variable_name() {
  local section=$1 key=$2
  if [[ $section == _generals_ ]]; then
    section=''
  fi
  section=\${section//./_0X2E_}
  section=\${section//-/_0X2D_}
  printf 'GITEA__%s__%s' "\${section^^}" "\${key^^}"
}

export_unless_set() {
  if [[ -z \${!1+set} ]]; then
    export "$1=$2"
  fi
}

for file in "$inline_dir"/*; do
  [[ -f $file ]] || continue
  section=$(basename "$file")
  while IFS= read -r line || [[ -n $line ]]; do
    [[ -z \${line//[[:space:]]/} ]] && continue
    if [[ $line != *=* ]]; then
      echo "datastore: $section: expected KEY=VALUE, got: $line" >&2
      exit 1
    fi
    key=\${line%%=*}
    value=\${line#*=}
    export_unless_set "$(variable_name "$section" "\${key//[[:space:]]/}")" "$value"
  done <"$file"
done

if [[ ! -f $GITEA_APP_INI ]]; then
  export_unless_set GITEA__SECURITY__INTERNAL_TOKEN "$(gitea generate secret INTERNAL_TOKEN)"
  export_unless_set GITEA__SECURITY__SECRET_KEY "$(gitea generate secret SECRET_KEY)"
  export_unless_set GITEA__OAUTH2__JWT_SECRET "$(gitea generate secret JWT_SECRET)"
fi

environment-to-ini -o "$GITEA_APP_INI"
`;

const configureGiteaScript = `#!/usr/bin/env bash
# Last init container: migrates the database schema, then creates the admin account, or sets its
# password to the one in the admin Secret if it exists.
set -euo pipefail

if ! gitea migrate; then
  echo "datastore: database migration failed (is PostgreSQL reachable yet?); Kubernetes retries this init container" >&2
  exit 1
fi

# A table headed "ID Username Email ..."; log lines may come before the header.
admins=$(gitea admin user list --admin)
if awk -v user="$GITEA_ADMIN_USERNAME" '
    header && $2 == user { found = 1 }
    $1 == "ID" && $2 == "Username" { header = 1 }
    END { exit found ? 0 : 1 }' <<<"$admins"; then
  echo "datastore: admin account $GITEA_ADMIN_USERNAME exists; setting its password from the Secret"
  gitea admin user change-password --username "$GITEA_ADMIN_USERNAME" --password "$GITEA_ADMIN_PASSWORD"
else
  echo "datastore: creating admin account $GITEA_ADMIN_USERNAME"
  gitea admin user create --admin --username "$GITEA_ADMIN_USERNAME" --password "$GITEA_ADMIN_PASSWORD" \\
    --email "$GITEA_ADMIN_USERNAME@datastore.local" --must-change-password=false
fi
`;
