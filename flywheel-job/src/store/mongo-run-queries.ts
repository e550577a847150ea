import { type Document, type Filter, ObjectId, type Sort } from "mongodb";
import type { FindOptions, Where } from "./record-store";
import type { RunRecord } from "./records";

/** An index of `flywheel_runs`, by the name queries hint it by. */
export interface RunIndex {
  readonly name: string;
  readonly key: Readonly<Record<string, 1 | -1>>;
}

/** A pair's runs, newest first: `runs list --workload --client`, the API's filters, a pair's active run. */
export const runsByPairNewest: RunIndex = { name: "runs_by_pair_newest", key: { workload_id: 1, client_id: 1, started_at: -1, _id: -1 } };
/** A workload's runs, newest first. */
export const runsByWorkloadNewest: RunIndex = { name: "runs_by_workload_newest", key: { workload_id: 1, started_at: -1, _id: -1 } };
/** Runs in given statuses, newest first (a merge of one range per status): pending runs to close, `--status`. */
export const runsByStatusNewest: RunIndex = { name: "runs_by_status_newest", key: { status: 1, started_at: -1, _id: -1 } };
/** All runs, newest first: the unfiltered list and its pages. */
export const runsNewest: RunIndex = { name: "runs_newest", key: { started_at: -1, _id: -1 } };

/** Created when the store opens. */
export const runIndexes: readonly RunIndex[] = [runsByPairNewest, runsByWorkloadNewest, runsByStatusNewest, runsNewest];

/** A find on `flywheel_runs`, as the driver takes it. */
export interface RunQuery {
  readonly filter: Filter<Document>;
  readonly sort?: Sort;
  readonly limit?: number;
  /** Name of the index the query walks (`hint`), so its plan does not depend on the planner's guess. */
  readonly hint: string;
}

/**
 * The query of a list or page of runs. Equality on the filtered fields (`$in` for a list of
 * statuses); with `newestFirst`, sorted by `started_at` then `_id`, both descending; a cursor
 * becomes `started_at ≤ its time` (a bound on the index) and, for runs of exactly that time, an
 * `_id` below its id. The index, by filter:
 *
 * - workload and client: `runs_by_pair_newest` {workload_id, client_id, started_at −1, _id −1}
 *   (a status filter is checked on the way; a pair has few runs in any status);
 * - workload only: `runs_by_workload_newest` {workload_id, started_at −1, _id −1};
 * - statuses without a workload: `runs_by_status_newest` {status, started_at −1, _id −1}, one
 *   range per status merged in sort order (a client filter is checked on the way);
 * - otherwise (no filter, or a client only): `runs_newest` {started_at −1, _id −1}.
 *
 * Each walks its index in the sort's order, so `limit` stops the walk and nothing is sorted in
 * memory.
 */
export function runQuery(where: Where<RunRecord>, options: FindOptions): RunQuery {
  const filter: Filter<Document> = {};
  for (const [field, wanted] of Object.entries(where) as [string, string | readonly string[] | undefined][]) {
    if (wanted !== undefined) {
      filter[field] = typeof wanted === "string" ? wanted : { $in: [...wanted] };
    }
  }
  if (options.after !== undefined) {
    const at = options.after.startedAt;
    filter.started_at = { $lte: at };
    filter.$or = [{ started_at: { $lt: at } }, { _id: { $lt: new ObjectId(options.after.id) } }];
  }
  const hint =
    filter.workload_id !== undefined && filter.client_id !== undefined
      ? runsByPairNewest
      : filter.workload_id !== undefined
        ? runsByWorkloadNewest
        : filter.status !== undefined
          ? runsByStatusNewest
          : runsNewest;
  return {
    filter,
    ...(options.newestFirst ? { sort: { started_at: -1, _id: -1 } } : {}),
    ...(options.limit !== undefined ? { limit: options.limit } : {}),
    hint: hint.name,
  };
}
