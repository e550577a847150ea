import { InsufficientDataError } from "../errors";
import type { CurationResult } from "./curate";
import { dropReasons } from "./drop-reasons";

export interface MinimumSettings {
  readonly minTotalRecords: number;
  readonly evalSize: number;
}

/** What the data was pulled for, to name it in messages. */
export interface DataContext {
  readonly source: string;
  readonly workloadId: string;
  readonly clientId: string;
}

/**
 * Stage 5: fails the run with a clear message when the logs cannot make the datasets: no records at
 * all, fewer than `minTotalRecords` after deduplication, or not enough for `evalSize` evaluation
 * records plus at least one to train on.
 */
export function checkMinimums(result: CurationResult, settings: MinimumSettings, context: DataContext): void {
  const pair = `workload "${context.workloadId}", client "${context.clientId}"`;
  if (result.counts.pulled === 0) {
    throw new InsufficientDataError(`no log records for ${pair} in ${context.source}`);
  }
  const drops = dropReasons
    .filter((reason) => result.dropCounts[reason] > 0)
    .map((reason) => `${reason} ${result.dropCounts[reason]}`)
    .join(", ");
  const breakdown = `pulled ${result.counts.pulled}${drops ? `, dropped: ${drops}` : ""}`;
  if (result.counts.unique < settings.minTotalRecords) {
    throw new InsufficientDataError(
      `only ${result.counts.unique} usable records for ${pair} (minTotalRecords is ${settings.minTotalRecords}; ${breakdown})`,
    );
  }
  if (settings.evalSize >= result.counts.sampled) {
    throw new InsufficientDataError(
      `evalSize ${settings.evalSize} needs at least ${settings.evalSize + 1} records (the evaluation set plus one to train on), but only ${result.counts.sampled} are usable for ${pair} (${breakdown})`,
    );
  }
}
