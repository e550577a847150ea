import { apportion } from "./apportion";
import { compare, stratify } from "./labels";
import { SeededRandom } from "./random";
import type { SampledRecord } from "./records";

export interface SplitSettings {
  readonly evalSize: number;
  readonly valRatio: number;
  readonly seed: number;
}

export interface SplitResult {
  /** Each split newest first. */
  readonly eval: readonly SampledRecord[];
  readonly train: readonly SampledRecord[];
  readonly validation: readonly SampledRecord[];
  /** The stratum label of every record. */
  readonly labelOf: ReadonlyMap<SampledRecord, string>;
  /** Single-record tool labels merged into `others`. */
  readonly merged: readonly string[];
}

/**
 * Stage 7 (flywheel-job/README.md, "What the data stages do", step 7): `evalSize` evaluation records
 * stratified by label, then the rest into training and validation by `valRatio`, stratified the same
 * way. Records are put in a canonical order (by deduplication key) before the seeded shuffles, so
 * the split depends only on the seed and the set of records, not on the order they were read in.
 * Deduplication made keys unique, so no key can appear in two splits.
 */
export function splitRecords(records: readonly SampledRecord[], settings: SplitSettings): SplitResult {
  const random = new SeededRandom(settings.seed, "split");
  const strata = stratify(records);
  const labelOf = new Map<SampledRecord, string>();
  const pools = new Map<string, SampledRecord[]>();
  for (const [label, group] of strata.byLabel) {
    group.forEach((record) => labelOf.set(record, label));
    pools.set(label, random.shuffle([...group].sort((a, b) => compare(a.dedupKey, b.dedupKey))));
  }

  const evalSet = takeStratified(pools, settings.evalSize, random);
  const remaining = [...pools.values()].reduce((sum, pool) => sum + pool.length, 0);
  const validation = takeStratified(pools, validationSize(remaining, settings.valRatio), random);
  const train = [...pools.values()].flat();
  return { eval: newestFirst(evalSet), train: newestFirst(train), validation: newestFirst(validation), labelOf, merged: strata.merged };
}

/**
 * How many of the non-evaluation records become validation: `valRatio` of them rounded, at least one
 * when the ratio is positive and there are two records, and never all of them (training needs data).
 */
export function validationSize(records: number, valRatio: number): number {
  if (records < 2 || valRatio === 0) {
    return 0;
  }
  return Math.min(records - 1, Math.max(1, Math.round(records * valRatio)));
}

/**
 * Removes `size` records from the shuffled pools and returns them. Proportional to the pools' sizes
 * when `size` is at least the number of pools with two or more records: each of those gives at least
 * one, and keeps at least one while that is possible. With fewer slots than such pools, a plain
 * random choice over all records.
 */
function takeStratified(pools: Map<string, SampledRecord[]>, size: number, random: SeededRandom): SampledRecord[] {
  const pooled = [...pools.values()];
  const sizes = pooled.map((records) => records.length);
  const splittable = sizes.filter((n) => n >= 2).length;
  let shares: number[];
  if (size >= splittable && splittable > 0) {
    const keepOne = sizes.reduce((sum, n) => sum + Math.max(0, n - 1), 0) >= size;
    shares = apportion(
      size,
      sizes.map((n) => ({ size: n, min: n >= 2 ? 1 : 0, max: keepOne ? Math.max(0, n - 1) : n })),
    );
  } else {
    const chosen = new Set(random.shuffle(pooled.flat()).slice(0, size));
    shares = pooled.map((records) => records.filter((record) => chosen.has(record)).length);
    for (const [label, records] of [...pools]) {
      pools.set(label, [...records.filter((record) => chosen.has(record)), ...records.filter((record) => !chosen.has(record))]);
    }
  }
  // Setting a key that exists keeps its place: the pools are still in the order of `shares`.
  return [...pools.values()].flatMap((records, i) => records.splice(0, shares[i]));
}

function newestFirst(records: readonly SampledRecord[]): SampledRecord[] {
  return [...records].sort((a, b) => b.timestamp - a.timestamp || compare(a.dedupKey, b.dedupKey));
}
