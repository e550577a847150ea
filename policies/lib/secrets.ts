import { walk } from "./values";

/**
 * Heuristics that find secret material where only configuration belongs. Two independent signals:
 * a value that has the shape of a known credential (an NGC key, an AWS access key, a private key…),
 * whatever it is called; and a key whose name says it holds a secret (`password`, `NGC_API_KEY`,
 * `hfToken`…) set to a literal rather than a reference. Names that only point at a secret
 * (`PASSWORD_FILE`, `TOKEN_URL`, `secretName`, `passwordKey`) and values that cannot be a secret
 * (empty, `$(VAR)`, a path, a URL without credentials, a Kubernetes object name) are not reported.
 */

/** What a finding is, in words a reviewer understands. */
export interface SecretFinding {
  /** The key or flag that holds the value, when there is one. */
  readonly key?: string;
  /** 1-based line of a multi-line value. */
  readonly line?: number;
  /** e.g. "an NGC API key (nvapi-…)" or "a literal value for a secret-looking name". */
  readonly what: string;
}

const credentialPatterns: readonly { readonly pattern: RegExp; readonly what: string }[] = [
  { pattern: /\bnvapi-[A-Za-z0-9_-]{20,}/, what: "an NGC API key (nvapi-…)" },
  { pattern: /\b(AKIA|ASIA)[0-9A-Z]{16}\b/, what: "an AWS access key id" },
  { pattern: /\b(gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})/, what: "a GitHub token" },
  { pattern: /\bhf_[A-Za-z0-9]{30,}/, what: "a Hugging Face token (hf_…)" },
  { pattern: /\bxox[abprs]-[A-Za-z0-9-]{10,}/, what: "a Slack token" },
  { pattern: /\bsk-(proj-)?[A-Za-z0-9_-]{32,}/, what: "an OpenAI-style API key (sk-…)" },
  { pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----/, what: "a PEM private key" },
];

/** `scheme://user:password@host`, where the password is not a variable reference. */
const credentialsInUrl = /\b[a-z][a-z0-9+.-]*:\/\/[^\s:@/]*:([^\s@/]+)@/i;

/** Single words that name a secret. Not plurals: here `tokens` are what an LLM reads and writes. */
const secretWords = new Set(["password", "passwd", "passphrase", "secret", "token", "apikey", "credential", "credentials", "requirepass", "masterauth", "privatekey", "accesskey"]);

/** Words that name a secret when followed by "key": API key, access key, private key… */
const keyQualifiers = new Set(["api", "access", "private", "auth", "ngc", "signing", "encryption", "secret"]);

/** A name ending in one of these only points at (or configures) a secret. */
const referenceSuffixes = new Set([
  "file", "path", "dir", "directory", "name", "names", "ref", "reference", "url", "uri", "endpoint", "host", "hostname", "port",
  "enabled", "enable", "disabled", "required", "length", "size", "ttl", "timeout", "expiry", "expires", "expiration", "type",
  "mode", "header", "id", "version", "field", "env", "var", "count", "rotation", "interval", "prefix", "format", "source",
  "store", "provider", "location", "mount", "namespace", "selector",
]);

/** Words after which "key" is the name of a key in a Secret (`passwordKey`), not a key itself. */
const keyNameOwners = new Set(["password", "passwd", "token", "apikey", "credentials", "credential"]);

/** Lower-case words of a name: `NGC_API_KEY`, `ngcApiKey` and `ngc-api-key` are all [ngc, api, key]. */
export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

/** True when a key, variable or flag name says it holds a secret. */
export function isSecretName(name: string, allowedNames: readonly string[] = []): boolean {
  if (allowedNames.includes(name)) {
    return false;
  }
  const words = nameWords(name);
  for (let i = 0; i < words.length; i++) {
    const word = words[i];
    const pair = words[i + 1] === "key" && keyQualifiers.has(word);
    if (!secretWords.has(word) && !pair) {
      continue;
    }
    const rest = words.slice(i + (pair ? 2 : 1));
    const last = rest[rest.length - 1];
    if (last !== undefined && referenceSuffixes.has(last)) {
      return false;
    }
    const owner = pair ? `${word}key` : word;
    if (rest.length === 1 && last === "key" && keyNameOwners.has(owner)) {
      return false;
    }
    return true;
  }
  return false;
}

/** A Kubernetes object name (`ngc-api-key`, `tls.crt`): what a reference to a Secret looks like. */
const objectName = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** `$(VAR)`, `${VAR}` or `$VAR`: a value filled in from elsewhere. */
export const variableReference = /^\$(\(\w+\)|\{\w+\}|\w+)$/;

/** True when a value set for a secret-looking name is a literal secret rather than a reference or a setting. */
export function isLiteralSecret(value: string): boolean {
  const v = value.trim().replace(/^["']|["']$/g, "");
  if (v === "" || variableReference.test(v)) {
    return false;
  }
  if (/^(true|false|yes|no|on|off|null|none|~)$/i.test(v) || /^-?\d+(\.\d+)?$/.test(v)) {
    return false;
  }
  if (/^(\/|\.\/|~\/)/.test(v)) {
    return false;
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(v) && !credentialsInUrl.test(v)) {
    return false;
  }
  return !(objectName.test(v) && /[-.]/.test(v));
}

/** The kind of credential a value contains, if it contains one. */
export function credentialIn(value: string): string | undefined {
  const known = credentialPatterns.find(({ pattern }) => pattern.test(value));
  if (known) {
    return known.what;
  }
  const url = credentialsInUrl.exec(value);
  return url && !/^\$/.test(url[1]) ? "a password inside a URL" : undefined;
}

/** Findings for one named value: its shape first, then its name. */
export function secretsInValue(key: string, value: string, allowedNames: readonly string[]): SecretFinding[] {
  const credential = credentialIn(value);
  if (credential) {
    return [{ key, what: credential }];
  }
  return isSecretName(key, allowedNames) && isLiteralSecret(value) ? [{ key, what: "a literal value under a secret-looking name" }] : [];
}

/** `key: value`, `key = value` or `"key": "value"` on one line of a config file. */
const assignment = /^\s*-?\s*["']?([A-Za-z_][A-Za-z0-9_.-]*)["']?\s*[:=]\s*(.*?)\s*,?\s*$/;

/** redis.conf directives that take a password: `requirepass <password>`. */
const passwordDirective = /^\s*(requirepass|masterauth)\s+(\S+)/;

function unquote(value: string): string {
  const quoted = /^(["'])(.*)\1$/.exec(value);
  return quoted ? quoted[2] : value.replace(/\s+#.*$/, "");
}

/**
 * Findings in a ConfigMap value: the value as a whole, or the keys of a config file it holds (JSON
 * is walked; YAML, properties, .env and redis.conf are read line by line).
 */
export function secretsInDocument(key: string, text: string, allowedNames: readonly string[]): SecretFinding[] {
  const trimmed = text.trim();
  if (/^[[{]/.test(trimmed)) {
    try {
      return jsonFindings(key, JSON.parse(trimmed), allowedNames);
    } catch {
      // Not JSON after all: read it as text.
    }
  }
  if (!text.includes("\n")) {
    const whole = secretsInValue(key, text, allowedNames);
    if (whole.length > 0) {
      return whole;
    }
  }
  const findings: SecretFinding[] = [];
  text.split("\n").forEach((line, i) => {
    if (/^\s*(#|\/\/|;)/.test(line)) {
      return;
    }
    const credential = credentialIn(line);
    if (credential) {
      findings.push({ key, line: i + 1, what: credential });
      return;
    }
    const match = passwordDirective.exec(line) ?? assignment.exec(line);
    if (match && isSecretName(match[1], allowedNames) && isLiteralSecret(unquote(match[2]))) {
      findings.push({ key: `${key}: ${match[1]}`, line: i + 1, what: "a literal value under a secret-looking name" });
    }
  });
  return findings;
}

function jsonFindings(key: string, document: unknown, allowedNames: readonly string[]): SecretFinding[] {
  const findings: SecretFinding[] = [];
  for (const [path, value] of walk(document)) {
    if (typeof value !== "string") {
      continue;
    }
    const name = path.replace(/\[\d+\]$/, "").split(".").pop() ?? "";
    findings.push(...secretsInValue(name, value, allowedNames).map((f) => ({ ...f, key: `${key}: ${path}` })));
  }
  return findings;
}

/** Findings in a command line: credentials anywhere, and `--password x` / `--token=x` flags with literals. */
export function secretsInArgs(args: readonly string[], allowedNames: readonly string[]): SecretFinding[] {
  const findings: SecretFinding[] = [];
  const tokens = args.flatMap((arg) => arg.split(/\s+/)).map((t) => t.replace(/^["'\\]+|["'\\;]+$/g, "")).filter(Boolean);
  tokens.forEach((token, i) => {
    const credential = credentialIn(token);
    if (credential) {
      findings.push({ what: credential });
      return;
    }
    const flag = /^--?([A-Za-z][\w-]*)(=(.*))?$/.exec(token);
    if (!flag || !isSecretName(flag[1], allowedNames)) {
      return;
    }
    const value = flag[3] ?? tokens[i + 1];
    if (value !== undefined && !value.startsWith("-") && isLiteralSecret(value)) {
      findings.push({ key: `--${flag[1]}`, what: "a literal value for a secret-looking flag" });
    }
  });
  return findings;
}
