import type { SampledRecord } from "./records";

/** The stratum all single-record labels are merged into. */
export const othersLabel = "others";

export interface Strata {
  /** Records by stratum label, labels in alphabetical order. */
  readonly byLabel: ReadonlyMap<string, readonly SampledRecord[]>;
  /** Tool labels that had one record and were merged into `others` (or into the largest label). */
  readonly merged: readonly string[];
}

/**
 * Stratum labels (flywheel-job/README.md, "What the data stages do", step 7): a record's first tool
 * name or `no_tool`. Labels with a single record merge into `others`, because a class of one cannot
 * be split (the blueprint crashed on it); if `others` then holds a single record, that record joins
 * the largest label (ties: the alphabetically first). A tool that is itself named "others" simply
 * shares the stratum.
 */
export function stratify(records: readonly SampledRecord[]): Strata {
  const groups = new Map<string, SampledRecord[]>();
  for (const record of records) {
    const label = record.toolLabel;
    const group = groups.get(label);
    if (group) {
      group.push(record);
    } else {
      groups.set(label, [record]);
    }
  }
  const merged = [...groups].filter(([label, group]) => group.length === 1 && label !== othersLabel);
  if (merged.length > 0) {
    const others = groups.get(othersLabel) ?? [];
    for (const [label, group] of merged) {
      others.push(...group);
      groups.delete(label);
    }
    groups.set(othersLabel, others);
  }
  const others = groups.get(othersLabel);
  if (others?.length === 1 && groups.size > 1) {
    groups.delete(othersLabel);
    const [largest] = [...groups].sort(([a, ga], [b, gb]) => gb.length - ga.length || compare(a, b));
    largest[1].push(others[0]);
  }
  const byLabel = new Map([...groups].sort(([a], [b]) => compare(a, b)));
  return { byLabel, merged: merged.map(([label]) => label).sort(compare) };
}

/** Code-point order: the same on every machine and locale. */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
