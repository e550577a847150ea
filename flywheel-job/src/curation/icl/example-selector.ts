import { promised } from "../../promised";
import { compare } from "../labels";
import type { SampledRecord } from "../records";
import { renderExample } from "./example-text";

/**
 * Chooses in-context examples. For each evaluation record it returns candidate training records,
 * best first; the token budget then decides how many of them are used (see `buildIclRecords`), so a
 * selector never needs to know about tokens.
 *
 * `uniform` is here; `semantic` (nearest neighbours by embedding) implements the same interface with
 * an embedding client.
 */
export interface ExampleSelector {
  readonly mode: "uniform" | "semantic";
  candidates(evalRecords: readonly SampledRecord[], train: readonly SampledRecord[]): Promise<ReadonlyArray<readonly SampledRecord[]>>;
}

/**
 * The same examples for every record, spread over tool labels: labels in order of frequency, each
 * label's examples shortest first, taken round-robin so every tool is shown once before any is shown
 * twice. Only the `maxExamples` shortest per label can ever be used, so only those are kept. Measuring
 * an example reads its record again; one at a time, so memory holds one record however large the set.
 */
export class UniformExampleSelector implements ExampleSelector {
  readonly mode = "uniform" as const;

  constructor(private readonly maxExamples: number) {}

  candidates(evalRecords: readonly SampledRecord[], train: readonly SampledRecord[]): Promise<ReadonlyArray<readonly SampledRecord[]>> {
    return promised(() => {
      const ordered = this.roundRobin(train);
      return evalRecords.map(() => ordered);
    });
  }

  private roundRobin(train: readonly SampledRecord[]): SampledRecord[] {
    const byLabel = new Map<string, SampledRecord[]>();
    for (const record of train) {
      const label = record.toolLabel;
      const records = byLabel.get(label);
      if (records) {
        records.push(record);
      } else {
        byLabel.set(label, [record]);
      }
    }
    const queues = [...byLabel]
      .sort(([a, ra], [b, rb]) => rb.length - ra.length || compare(a, b))
      .map(([, records]) =>
        records
          .map((record) => ({ record, length: renderExample(record.load(), 1).length }))
          .sort((a, b) => a.length - b.length || compare(a.record.dedupKey, b.record.dedupKey))
          .slice(0, this.maxExamples)
          .map((entry) => entry.record),
      );
    const ordered: SampledRecord[] = [];
    for (let round = 0; round < this.maxExamples; round++) {
      for (const queue of queues) {
        if (round < queue.length) {
          ordered.push(queue[round]);
        }
      }
    }
    return ordered;
  }
}
