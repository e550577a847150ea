import { maxAttemptsEnv, shellBackoff } from "../jobs";

/**
 * The POSIX shell script the Elasticsearch bootstrap Job runs (busybox `sh` and curl). It waits for
 * the cluster, then applies each step in order. Unavailability (no connection, HTTP 408, 429, 5xx)
 * is retried with exponential backoff; any other error stops the Job with the response body, so a
 * rejected template shows its reason in `kubectl logs` and in `pulumi up`.
 */

/** One step of the bootstrap. Paths and names are validated Elasticsearch names, safe in the script. */
export type BootstrapStep =
  | { readonly kind: "put"; readonly description: string; readonly path: string; readonly bodyFile: string }
  | { readonly kind: "ensure-data-stream"; readonly name: string };

/** Environment the script reads. */
export const bootstrapEnv = {
  url: "ES_URL",
  caFile: "ES_CA_FILE",
  password: "ELASTIC_PASSWORD",
  bodiesDir: "BODIES_DIR",
  maxAttempts: maxAttemptsEnv,
  workDir: "WORK_DIR",
} as const;

const backoff = shellBackoff("  ", "$what: Elasticsearch unavailable (HTTP $status)");

const preamble = `#!/bin/sh
# Sets up the log store. Idempotent: every PUT replaces a resource with its desired state, and the
# data stream is created only when it does not exist yet.
set -eu
: "\${${bootstrapEnv.url}:?}" "\${${bootstrapEnv.caFile}:?}" "\${${bootstrapEnv.password}:?}"
: "\${${bootstrapEnv.bodiesDir}:?}" "\${${bootstrapEnv.maxAttempts}:?}" "\${${bootstrapEnv.workDir}:?}"
umask 077
work=$${bootstrapEnv.workDir}

# The password goes to curl through a config file, never on a command line other processes can read.
escaped=$(printf '%s' "$${bootstrapEnv.password}" | sed 's/[\\\\"]/\\\\&/g')
printf 'user = "elastic:%s"\\n' "$escaped" > "$work/curl.conf"
unset escaped

status=000
allow_missing=no

# call METHOD PATH [BODY_FILE]: one request; sets $status and leaves the body in $work/body.
call() {
  if [ -n "\${3:-}" ]; then
    set -- "$1" "$2" --header 'Content-Type: application/json' --data-binary "@$${bootstrapEnv.bodiesDir}/$3"
  fi
  method=$1
  path=$2
  shift 2
  status=$(curl --silent --show-error --config "$work/curl.conf" --cacert "$${bootstrapEnv.caFile}" \\
    --connect-timeout 10 --max-time 120 --output "$work/body" --write-out '%{http_code}' \\
    --request "$method" "$@" "$${bootstrapEnv.url}$path") || status=000
}

fail() {
  echo "FAILED: $1 (HTTP $status)" >&2
  if [ -s "$work/body" ]; then cat "$work/body" >&2; echo >&2; fi
  exit 1
}

# request DESCRIPTION METHOD PATH [BODY_FILE]: call, retrying while Elasticsearch is unavailable.
request() {
  what=$1
  shift
${backoff.start}
  : > "$work/body"
  while :; do
    call "$@"
    case $status in
      2??) return 0 ;;
      404) if [ "$allow_missing" = yes ]; then return 0; fi; fail "$what" ;;
      000|408|429|5??) ;;
      *) fail "$what" ;;
    esac
    if ${backoff.exhausted}; then fail "$what: gave up after $attempt attempts"; fi
${backoff.wait}
  done
}

put() {
  request "$1" PUT "$2" "$3"
  echo "applied: $1"
}

ensure_data_stream() {
  allow_missing=yes
  request "data stream $1" GET "/_data_stream/$1"
  allow_missing=no
  if [ "$status" = 404 ]; then
    request "data stream $1" PUT "/_data_stream/$1"
    echo "created: data stream $1"
  else
    echo "exists: data stream $1"
  fi
}

request "cluster health" GET "/_cluster/health?wait_for_status=yellow&timeout=30s"
echo "cluster is available"
`;

function quote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The script for the given steps. */
export function bootstrapScript(steps: readonly BootstrapStep[]): string {
  const lines = steps.map((step) =>
    step.kind === "put"
      ? `put ${quote(step.description)} ${quote(step.path)} ${quote(step.bodyFile)}`
      : `ensure_data_stream ${quote(step.name)}`,
  );
  return `${preamble}${lines.join("\n")}\necho "log store bootstrap complete"\n`;
}
