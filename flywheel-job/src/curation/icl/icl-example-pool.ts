import { evalLine } from "../../datasets/layouts";
import { exceedsJsonBytes } from "../../logs/json-size";
import { newRecordId } from "../../store/ids";
import type { IclExampleEntry, IclExamplePoolRecord } from "../../store/records";
import type { SampledRecord } from "../records";
import type { IclRecord, IclStats } from "./build-icl-records";
import { examplesInstruction } from "./example-text";

/**
 * Bounds of the examples a run keeps for the Flywheel API: at most `maxExamples` (twice the largest
 * `icl.maxExamples`, so a uniform run keeps all it showed and a semantic run its most used), each at
 * most `maxExampleBytes` of compact JSON. A pool is then at most 4 MiB, an answer the API can send
 * and a document MongoDB can hold.
 */
export const iclExamplePoolBounds = { maxExamples: 64, maxExampleBytes: 64 * 1024 } as const;

/**
 * The pool of a run's in-context examples: each distinct example its ICL records showed, most used
 * first (ties in the order first shown), as `{request, response}` the way the ICL dataset sends a
 * request. An example larger than the byte bound is left out and counted, and so is every one
 * beyond the count bound; those beyond it are never read again, so a semantic run with thousands of
 * distinct examples costs no more than the bound.
 */
export function iclExamplePool(
  runId: string,
  icl: { readonly records: readonly IclRecord[]; readonly stats: IclStats },
  maxExamplesPerRecord: number,
  bounds: { readonly maxExamples: number; readonly maxExampleBytes: number } = iclExamplePoolBounds,
): IclExamplePoolRecord {
  const uses = new Map<SampledRecord, number>();
  for (const record of icl.records) {
    for (const example of record.examples) {
      uses.set(example, (uses.get(example) ?? 0) + 1);
    }
  }
  // A stable sort: examples used equally often stay in the order they were first shown.
  const ranked = [...uses].sort(([, a], [, b]) => b - a);
  const examples: IclExampleEntry[] = [];
  let overBytes = 0;
  for (const [example, count] of ranked) {
    if (examples.length === bounds.maxExamples) {
      break;
    }
    const line = evalLine(example.load());
    const pair = { request: line.request, response: line.response };
    if (exceedsJsonBytes(pair, bounds.maxExampleBytes)) {
      overBytes += 1;
    } else {
      examples.push({ uses: count, example_json: JSON.stringify(pair) });
    }
  }
  return {
    id: newRecordId(),
    flywheel_run_id: runId,
    selection: icl.stats.selection,
    max_examples_per_record: maxExamplesPerRecord,
    examples_per_record: [...icl.stats.examplesPerRecord],
    instruction: examplesInstruction,
    distinct_examples: uses.size,
    examples,
    omitted: { over_count: uses.size - examples.length - overBytes, over_bytes: overBytes },
    bounds: { max_examples: bounds.maxExamples, max_example_bytes: bounds.maxExampleBytes },
  };
}
