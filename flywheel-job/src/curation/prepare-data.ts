import type { FlywheelJobConfig } from "../config/job-config";
import { iclContextLength } from "../config/job-config";
import type { LogSource } from "../logs/log-source";
import { curate, type CurationResult } from "./curate";
import { buildIclRecords, type IclRecord, type IclStats } from "./icl/build-icl-records";
import type { ExampleSelector } from "./icl/example-selector";
import { checkMinimums } from "./minimums";
import { splitRecords, type SplitResult } from "./split";

export interface PreparedData extends CurationResult {
  readonly split: SplitResult;
  readonly icl: { readonly records: readonly IclRecord[]; readonly stats: IclStats };
}

/**
 * The data stages of a run, in the order of flywheel-job/README.md, "What the data stages do": pull
 * `limit × 2` records, validate, deduplicate, check the minimums, sample, split, and choose
 * in-context examples. Throws InsufficientDataError when the logs cannot make the datasets.
 */
export async function prepareData(
  source: LogSource,
  pair: { readonly workloadId: string; readonly clientId: string },
  config: FlywheelJobConfig,
  selector: ExampleSelector,
): Promise<PreparedData> {
  const { data, icl } = config;
  const records = source.pull({ ...pair, maxRecords: data.limit * 2, maxRecordBytes: data.limits.maxRecordBytes });
  const curated = await curate(records, { limit: data.limit, seed: data.seed, limits: data.limits, maxToolProperties: data.maxToolProperties });
  checkMinimums(curated, data, { source: source.description, ...pair });
  const split = splitRecords(curated.sample, data);
  const iclRecords = await buildIclRecords(split.eval, split.train, selector, {
    maxExamples: icl.maxExamples,
    maxContextLength: iclContextLength(config),
    reservedTokens: icl.reservedTokens,
    tokenSafetyMargin: icl.tokenSafetyMargin,
  });
  return { ...curated, split, icl: iclRecords };
}
