import type { DataLimits } from "../config/job-config";
import { UsageError } from "../errors";
import type { PulledRecord, StoredDocument } from "../logs/log-source";
import { type DropCounts, emptyDropCounts } from "./drop-reasons";
import { PrioritySample } from "./priority-sample";
import { type CuratedRecord, type SampledRecord, toolLabel, type WorkloadType } from "./records";
import { validateRecord, type ValidationOptions } from "./validate";

export interface CurationSettings {
  /** Records to sample. */
  readonly limit: number;
  readonly seed: number;
  readonly limits: DataLimits;
  readonly maxToolProperties?: number;
}

/** How many records were left after each stage. */
export interface StageCounts {
  /** Records the source returned (at most `limit × 2`). */
  readonly pulled: number;
  /** Records that passed validation. */
  readonly valid: number;
  /** Valid records of the workload's type (all of them for a generic workload). */
  readonly ofWorkloadType: number;
  /** Records left after deduplication. */
  readonly unique: number;
  /** Records in the sample (at most `limit`). */
  readonly sampled: number;
}

export interface CurationResult {
  readonly workloadType: WorkloadType;
  readonly counts: StageCounts;
  readonly dropCounts: DropCounts;
  /** The sample, in the seed's random order. */
  readonly sample: readonly SampledRecord[];
}

/**
 * Stages 3–6 of a run over a stream of pulled records (newest first): validate, detect the workload
 * type, deduplicate keeping the newest record of each key, and sample `limit` records uniformly.
 *
 * Memory holds the sample (`limit` SampledRecords: keys, labels and where each record is, not the
 * records) and the deduplication keys seen (128-bit digests), never the whole pull:
 * - Deduplication: the stream is newest first, so the first record of a key is its newest; later ones
 *   are dropped. A key stays in the seen set even when its record leaves the sample, so an older
 *   duplicate can never take its place.
 * - Sampling: a priority sample (see PrioritySample) over the deduplicated stream is a uniform sample
 *   of the deduplicated records, the same set that sampling after a complete deduplication would see.
 * - Workload type: the workload is tool-calling as soon as one valid record calls a tool, and then
 *   records without tool calls are dropped. Until the first tool call, every valid record is a
 *   candidate of a generic workload; at the first tool call that population is discarded (none of its
 *   records has a tool call) and a tool-calling population starts, with its own seen set, so a key
 *   whose newest record had no tool call is represented by its newest record that has one — exactly
 *   what filtering first and deduplicating second gives.
 */
export async function curate(records: AsyncIterable<PulledRecord>, settings: CurationSettings): Promise<CurationResult> {
  const dropCounts = emptyDropCounts();
  let pulled = 0;
  let valid = 0;
  let withoutToolCalls = 0;
  let population = new DeduplicatedSample(settings.limit, settings.seed);
  let workloadType: WorkloadType = "generic";
  const validation: ValidationOptions = { limits: settings.limits, maxToolProperties: settings.maxToolProperties };

  for await (const pulledRecord of records) {
    pulled += 1;
    if (pulledRecord.kind === "too_large") {
      dropCounts.too_large += 1;
      continue;
    }
    const result = validateRecord(pulledRecord, validation);
    if (!result.ok) {
      dropCounts[result.reason] += 1;
      continue;
    }
    valid += 1;
    const hasToolCalls = result.record.toolCalls.length > 0;
    if (!hasToolCalls) {
      withoutToolCalls += 1;
    }
    if (hasToolCalls && workloadType === "generic") {
      workloadType = "tool_calling";
      population = new DeduplicatedSample(settings.limit, settings.seed);
    }
    if (workloadType === "generic" || hasToolCalls) {
      const { record } = result;
      population.offer(record.dedupKey, () => sampledRecord(record, pulledRecord.keep(), validation));
    }
  }

  if (workloadType === "tool_calling") {
    dropCounts.no_tool_calls = withoutToolCalls;
  }
  dropCounts.duplicate = population.duplicates;
  const sample = population.items();
  return {
    workloadType,
    counts: {
      pulled,
      valid,
      ofWorkloadType: workloadType === "tool_calling" ? valid - withoutToolCalls : valid,
      unique: population.unique,
      sampled: sample.length,
    },
    dropCounts,
    sample,
  };
}

/**
 * A record as the sample keeps it. Loading it validates it again with the same options, which gives
 * the same record unless the logs changed under the job; the key check catches that.
 */
function sampledRecord(record: CuratedRecord, stored: StoredDocument, validation: ValidationOptions): SampledRecord {
  const { dedupKey, timestamp } = record;
  return {
    dedupKey,
    timestamp,
    toolLabel: toolLabel(record),
    load: () => {
      const again = validateRecord({ timestamp, document: stored.read() }, validation);
      if (!again.ok || again.record.dedupKey !== dedupKey) {
        throw new UsageError("a log record read again is not the one that was sampled: the logs changed while the job read them; run again");
      }
      return again.record;
    },
  };
}

/** Deduplicates a newest-first stream (first record of a key wins) into a priority sample. */
class DeduplicatedSample {
  private readonly seen = new Set<string>();
  private readonly sample: PrioritySample<SampledRecord>;
  duplicates = 0;

  constructor(limit: number, seed: number) {
    this.sample = new PrioritySample(limit, seed);
  }

  /** Offers the record of `key`; `make` builds what the sample keeps, only when it is kept. */
  offer(key: string, make: () => SampledRecord): void {
    if (this.seen.has(key)) {
      this.duplicates += 1;
      return;
    }
    this.seen.add(key);
    this.sample.offer(key, make);
  }

  get unique(): number {
    return this.seen.size;
  }

  items(): SampledRecord[] {
    return this.sample.items();
  }
}
