import { type Client, errors } from "@elastic/elasticsearch";
import { ExitCode, FlywheelError, messageOf, TransientError, UsageError } from "../errors";

/** Restored indices are named this prefix plus the snapshot's name for them: a role can be scoped to it, and cleanup never touches a live index. */
export const restoreCheckPrefix = "restore-check-";

/** What `restore-check` restores and from where. */
export interface RestoreCheckTarget {
  /** The snapshot repository (the bootstrap Job registers `s3-snapshots`). */
  readonly repository: string;
  /** The data stream whose backing indices are restored (the log store's is `flywheel`). */
  readonly dataStream: string;
}

/** One restored backing index and its counts. */
export interface IndexCount {
  /** The backing index as the snapshot names it, e.g. `.ds-flywheel-2026.12.01-000001`. */
  readonly index: string;
  readonly restored: number;
  /** Documents in the live index of the same name; undefined when retention deleted it since the snapshot. */
  readonly live: number | undefined;
  /** Why this index fails the check, when it does. */
  readonly problem?: string;
}

export interface RestoreCheckResult {
  readonly snapshot: string;
  /** When the snapshot ended (ISO 8601). */
  readonly endTime: string;
  readonly indices: readonly IndexCount[];
  /** Why the check failed as a whole (no documents restored at all, or an index's problem). */
  readonly failures: readonly string[];
}

/** The repository has no successful snapshot, or the newest holds nothing of the data stream: nothing can be restored. */
export class NothingToRestoreError extends FlywheelError {
  readonly exitCode = ExitCode.verificationFailed;
}

interface SnapshotSummary {
  readonly name: string;
  readonly endMillis: number;
  readonly indices: readonly string[];
}

/**
 * Restores the backing indices of `target.dataStream` from the repository's newest successful
 * snapshot into `restore-check-<index>` indices, compares their document counts with the live
 * indices, and deletes the restored indices afterwards, whatever happened. Backing indices are
 * restored one by one rather than the data stream itself: a renamed data stream would need an index
 * template of its own, and individually restored backing indices join no data stream.
 *
 * A restored index passes when it holds no more documents than the live index of the same name
 * (logs keep arriving after the snapshot; rolled-over indices are read-only, so they match exactly);
 * the check as a whole fails when nothing at all was restored.
 */
export async function restoreCheck(client: Client, target: RestoreCheckTarget): Promise<RestoreCheckResult> {
  const snapshot = await newestSnapshot(client, target);
  const restoredName = (index: string): string => `${restoreCheckPrefix}${index}`;
  const restoredNames = snapshot.indices.map(restoredName);
  // A check stopped half-way leaves its indices; a restore into an existing open index fails.
  await call("delete leftover restore-check indices", () => client.indices.delete({ index: restoredNames, ignore_unavailable: true, allow_no_indices: true }));
  try {
    await call(`restore snapshot ${snapshot.name}`, () =>
      client.snapshot.restore({
        repository: target.repository,
        snapshot: snapshot.name,
        wait_for_completion: true,
        indices: snapshot.indices.join(","),
        include_global_state: false,
        include_aliases: false,
        rename_pattern: "(.+)",
        rename_replacement: `${restoreCheckPrefix}$1`,
        // The check needs the documents, not copies: no replicas to allocate.
        index_settings: { "index.number_of_replicas": 0 },
      }),
    );
    const indices: IndexCount[] = [];
    for (const index of snapshot.indices) {
      const restored = await call(`count the documents of ${restoredName(index)}`, () => client.count({ index: restoredName(index) }));
      const live = await liveCount(client, index);
      const problem = live !== undefined && restored.count > live ? `restored ${restored.count} documents, more than the live index's ${live}` : undefined;
      indices.push({ index, restored: restored.count, live, ...(problem ? { problem } : {}) });
    }
    const failures = indices.flatMap((entry) => (entry.problem ? [`${entry.index}: ${entry.problem}`] : []));
    if (indices.every((entry) => entry.restored === 0)) {
      failures.push(`snapshot ${snapshot.name} restored no documents`);
    }
    return { snapshot: snapshot.name, endTime: new Date(snapshot.endMillis).toISOString(), indices, failures };
  } finally {
    await call("delete the restored indices", () => client.indices.delete({ index: restoredNames, ignore_unavailable: true, allow_no_indices: true }));
  }
}

async function newestSnapshot(client: Client, target: RestoreCheckTarget): Promise<SnapshotSummary> {
  const response = await call(`list the snapshots of repository ${target.repository}`, () => client.snapshot.get({ repository: target.repository, snapshot: "_all" }));
  const backingPrefix = `.ds-${target.dataStream}-`;
  const all = response.snapshots ?? [];
  const successful = all
    .filter((snapshot) => snapshot.state === "SUCCESS" && snapshot.end_time_in_millis !== undefined)
    .map((snapshot) => ({ name: snapshot.snapshot, endMillis: Number(snapshot.end_time_in_millis), indices: (snapshot.indices ?? []).filter((index) => index.startsWith(backingPrefix)) }))
    .sort((a, b) => b.endMillis - a.endMillis);
  const newest = successful[0];
  if (newest === undefined) {
    throw new NothingToRestoreError(`repository ${target.repository} has no successful snapshot (${all.length} in all): is the SLM policy running? (GET _slm/policy)`);
  }
  if (newest.indices.length === 0) {
    throw new NothingToRestoreError(`the newest snapshot, ${newest.name}, holds no backing index of data stream ${target.dataStream}`);
  }
  return newest;
}

/** The live index's count, or undefined when it no longer exists (retention deleted it after the snapshot). */
async function liveCount(client: Client, index: string): Promise<number | undefined> {
  try {
    return (await client.count({ index })).count;
  } catch (error) {
    if (error instanceof errors.ResponseError && error.statusCode === 404) {
      return undefined;
    }
    return refused(`count the documents of ${index}`, error);
  }
}

/** Runs a request; a refusal for lack of privileges names what the user needs (see the README's restore-check section). */
async function call<T>(what: string, request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (error) {
    return refused(what, error);
  }
}

/** A failed request's error as the CLI reports it: a usage error, a transient one, or the error itself (a bug). */
function refused(what: string, error: unknown): never {
  if (error instanceof errors.ResponseError) {
    const reason = (error.body as { error?: { type?: string; reason?: string } } | undefined)?.error;
    const detail = reason?.reason ?? reason?.type ?? error.message;
    if (error.statusCode === 401 || error.statusCode === 403) {
      throw new UsageError(`Elasticsearch refused to ${what} (HTTP ${error.statusCode}): ${detail}`, [
        "restoring needs the cluster privilege manage (or cluster:admin/snapshot/*) and the index privileges manage and read on restore-check-* and read on the data stream's backing indices: run it as the elastic user",
      ]);
    }
    if (error.statusCode === 429 || (error.statusCode ?? 0) >= 500) {
      throw new TransientError(`Elasticsearch could not ${what}: HTTP ${error.statusCode ?? "?"} ${detail}`);
    }
    throw new UsageError(`Elasticsearch could not ${what}: HTTP ${error.statusCode ?? "?"} ${detail}`);
  }
  if (error instanceof errors.ConnectionError || error instanceof errors.TimeoutError || error instanceof errors.NoLivingConnectionsError) {
    throw new TransientError(`Elasticsearch could not ${what}: ${messageOf(error)}`);
  }
  throw error;
}
