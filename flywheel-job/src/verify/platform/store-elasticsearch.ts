import { Client, errors } from "@elastic/elasticsearch";
import type { PlatformCheck, PlatformCheckContext } from "./platform-check";
import type { PlatformCheckResult, PlatformVerifyConfig, TroubleshootingId } from "./platform-verify-contract";
import { callSignal, describeFailure } from "./store-call";

type ElasticsearchConfig = NonNullable<PlatformVerifyConfig["elasticsearch"]>;

/** How the check reaches Elasticsearch: one client per credential, over TLS verified against `ca` when given. */
export type ElasticsearchConnector = (settings: { url: string; username: string; password: string; ca?: string; timeoutMs: number }) => Client;

/** The client the job uses, without retries: one call is one attempt, bounded by `timeoutMs`. */
export const elasticsearchClient: ElasticsearchConnector = ({ url, username, password, ca, timeoutMs }) =>
  new Client({ node: url, auth: { username, password }, requestTimeout: timeoutMs, maxRetries: 0, ...(ca === undefined ? {} : { tls: { ca, rejectUnauthorized: true } }) });

/** A failed call's troubleshooting entry: refused credentials, no answer, or (anything else) the fallback. */
function failureOf(error: unknown, fallback: TroubleshootingId): TroubleshootingId {
  if (error instanceof errors.ResponseError && error.statusCode === 401) return "elasticsearch-credentials-refused";
  if (error instanceof errors.ConnectionError || error instanceof errors.TimeoutError || error instanceof errors.RequestAbortedError) return "elasticsearch-unreachable";
  return fallback;
}

function fail(check: string, target: string, error: unknown, fallback: TroubleshootingId): PlatformCheckResult {
  const status = error instanceof errors.ResponseError ? `HTTP ${error.statusCode}: ` : "";
  return { check, target, outcome: "fail", detail: `${status}${describeFailure(error)}`, troubleshooting: failureOf(error, fallback) };
}

/** The privileges each credential must have on the data stream, and must not. */
const expectedPrivileges = {
  reader: { granted: ["read"], refused: ["create_doc", "write"] },
  writer: { granted: ["create_doc"], refused: ["read"] },
} as const;

async function checkCredential(context: PlatformCheckContext, es: ElasticsearchConfig, role: "reader" | "writer", connector: ElasticsearchConnector, seenRoles: Set<string>): Promise<PlatformCheckResult[]> {
  const credential = es[role];
  if (credential === undefined) {
    return [];
  }
  const client = connector({ url: es.url, username: credential.username, password: context.readCredential(credential.passwordFile).trim(), ...(es.caFile === undefined ? {} : { ca: context.readCredential(es.caFile) }), timeoutMs: context.callTimeoutMs });
  const options = () => ({ signal: callSignal(context) });
  const results: PlatformCheckResult[] = [];
  try {
    const authenticated = `elasticsearch ${role} login`;
    try {
      const who = await client.security.authenticate(undefined, options());
      who.roles.forEach((name) => seenRoles.add(name));
      if (who.username !== credential.username) {
        return [{ check: authenticated, target: credential.username, outcome: "fail", detail: `authenticated as ${describeFailure(who.username)}`, troubleshooting: "elasticsearch-credentials-refused" }];
      }
      results.push({ check: authenticated, target: credential.username, outcome: "pass", detail: `roles: ${describeFailure(who.roles.join(", ") || "(none)")}` });
    } catch (error) {
      // Without a login nothing else of this credential can be checked.
      return [fail(authenticated, credential.username, error, "elasticsearch-unreachable")];
    }

    const privileges = `elasticsearch ${role} privileges`;
    const expected = expectedPrivileges[role];
    try {
      const answer = await client.security.hasPrivileges({ index: [{ names: [es.dataStream], privileges: [...expected.granted, ...expected.refused] }] }, options());
      const held = answer.index[es.dataStream] ?? {};
      const missing = expected.granted.filter((privilege) => held[privilege] !== true);
      const extra = expected.refused.filter((privilege) => held[privilege] === true);
      results.push(
        missing.length === 0 && extra.length === 0
          ? { check: privileges, target: es.dataStream, outcome: "pass", detail: `has ${expected.granted.join(", ")}; lacks ${expected.refused.join(", ")}` }
          : { check: privileges, target: es.dataStream, outcome: "fail", detail: [missing.length > 0 ? `lacks ${missing.join(", ")}` : "", extra.length > 0 ? `has ${extra.join(", ")}, which it must not` : ""].filter((part) => part !== "").join("; "), troubleshooting: "elasticsearch-privileges-wrong" },
      );
    } catch (error) {
      results.push(fail(privileges, es.dataStream, error, "elasticsearch-privileges-wrong"));
    }

    if (role === "reader") {
      results.push(...(await checkAsReader(client, es, options)));
    }
    return results;
  } finally {
    await client.close();
  }
}

/** What only the reader may see: the data stream, its pipeline setting, and one real search. */
async function checkAsReader(client: Client, es: ElasticsearchConfig, options: () => { signal: AbortSignal }): Promise<PlatformCheckResult[]> {
  const results: PlatformCheckResult[] = [];
  const stream = "elasticsearch data stream";
  try {
    const answer = await client.indices.getDataStream({ name: es.dataStream }, options());
    const found = answer.data_streams.find((candidate) => candidate.name === es.dataStream);
    if (found === undefined) {
      return [{ check: stream, target: es.dataStream, outcome: "fail", detail: "no such data stream", troubleshooting: "elasticsearch-bootstrap-incomplete" }];
    }
    results.push({ check: stream, target: es.dataStream, outcome: "pass", detail: `${found.indices.length} backing indices, status ${describeFailure(found.status)}` });
  } catch (error) {
    const missing = error instanceof errors.ResponseError && error.statusCode === 404;
    return [missing ? { check: stream, target: es.dataStream, outcome: "fail", detail: "no such data stream", troubleshooting: "elasticsearch-bootstrap-incomplete" } : fail(stream, es.dataStream, error, "elasticsearch-bootstrap-incomplete")];
  }

  // The reader may not read pipelines (a cluster privilege); it may read the stream's settings, which name them.
  const pipeline = "elasticsearch ingest pipeline";
  try {
    const settings = await client.indices.getSettings({ index: es.dataStream, flat_settings: true }, options());
    const named = new Set(Object.values(settings).flatMap((index) => [index.settings?.["index.default_pipeline"], index.settings?.["index.final_pipeline"]].filter((value): value is string => typeof value === "string")));
    results.push(
      named.has(es.ingestPipeline)
        ? { check: pipeline, target: es.ingestPipeline, outcome: "pass", detail: `the data stream's indices name it` }
        : { check: pipeline, target: es.ingestPipeline, outcome: "fail", detail: `the data stream's indices name ${describeFailure([...named].join(", ") || "no pipeline")}`, troubleshooting: "elasticsearch-bootstrap-incomplete" },
    );
  } catch (error) {
    results.push(fail(pipeline, es.ingestPipeline, error, "elasticsearch-bootstrap-incomplete"));
  }

  const search = "elasticsearch reader search";
  try {
    const answer = await client.search({ index: es.dataStream, size: 0, track_total_hits: true }, options());
    const total = typeof answer.hits.total === "number" ? answer.hits.total : (answer.hits.total?.value ?? 0);
    results.push({ check: search, target: es.dataStream, outcome: "pass", detail: `${total} documents` });
  } catch (error) {
    results.push(fail(search, es.dataStream, error, "elasticsearch-privileges-wrong"));
  }
  return results;
}

/**
 * `elasticsearch`: the reader and the writer each log in (`_security/_authenticate`) and hold
 * exactly their privileges on the data stream (`_security/user/_has_privileges`: the reader reads
 * and may not write, the writer creates documents and may not read). The reader then finds the data
 * stream, the ingest pipeline named in its settings, and searches it. Neither credential may read
 * roles or users: a user is shown to exist by its login, a role by being assigned to one of them;
 * roles and users neither logs in with or holds are skipped, saying so. Nothing is written.
 */
export function elasticsearchCheck(connector: ElasticsearchConnector = elasticsearchClient): PlatformCheck {
  return {
    name: "elasticsearch",
    async run(context): Promise<PlatformCheckResult[]> {
      const es = context.config.elasticsearch;
      if (es === undefined) {
        return [{ check: "elasticsearch", target: "(none)", outcome: "skip", detail: "the stack declares no Elasticsearch" }];
      }
      const seenRoles = new Set<string>();
      const reader = await checkCredential(context, es, "reader", connector, seenRoles);
      // No writer lines when the stack declares no log writer namespace: checkCredential returns none.
      const writer = await checkCredential(context, es, "writer", connector, seenRoles);
      const loggedIn = new Map([
        [es.reader.username, reader[0]?.outcome === "pass"],
        ...(es.writer === undefined ? [] : [[es.writer.username, writer[0]?.outcome === "pass"] as const]),
      ]);
      const users = es.users.map((user): PlatformCheckResult => {
        const check = "elasticsearch user";
        const login = loggedIn.get(user);
        if (login === undefined) return { check, target: user, outcome: "skip", detail: "neither the reader nor the writer may read users" };
        return login ? { check, target: user, outcome: "pass", detail: "logged in" } : { check, target: user, outcome: "skip", detail: "its login failed (above)" };
      });
      const anyLogin = [...loggedIn.values()].some(Boolean);
      const roles = es.roles.map((role): PlatformCheckResult => {
        const check = "elasticsearch role";
        if (seenRoles.has(role)) return { check, target: role, outcome: "pass", detail: "assigned to the reader or the writer" };
        return { check, target: role, outcome: "skip", detail: anyLogin ? "not assigned to the reader or the writer, which may not read roles" : "no login succeeded" };
      });
      return [...reader, ...writer, ...users, ...roles];
    },
  };
}
