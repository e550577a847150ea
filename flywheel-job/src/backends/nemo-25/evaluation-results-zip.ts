import type * as Fflate from "fflate";
import type { WorkloadType } from "../../curation/records";
import { LowestScoring, type SampleBounds, type SampledResults, SamplesUnavailable } from "../../evaluation/evaluation-samples";
import { parseWithNonFinite } from "../../http/service-client";
import { isRecord } from "../../json-fields";
import { printableLine } from "../../text/printable";
import { evaluatedRowOf } from "./evaluation-result-rows";

/**
 * The per-sample results of a 25.x evaluation, from the ZIP `GET /v1/evaluation/jobs/{id}/download-results`
 * serves (Evaluator 25.06 has no other way to them).
 *
 * Layout relied on: NVIDIA documents the ZIP as a directory of the job's configuration files, logs
 * and results, the results in a `results/` folder under a folder per evaluation kind (its example:
 * `automatic/lm_eval_harness/results/…`)
 * (https://docs.nvidia.com/nemo/microservices/25.6.0/evaluate/evaluation-jobs/download-results.html),
 * and a custom evaluation's output dataset as a file named `results.json`
 * (https://docs.nvidia.com/nemo/microservices/latest/evaluate/evaluation-custom/output.html). The
 * docs do not give the folder of a custom task nor whether the rows are JSON Lines, so any entry is
 * a candidate whose name ends in `.jsonl` (one row per line) or `.json` (an array of rows, or an
 * object with one under `rows`, `samples`, `outputs`, `predictions` or `data`), wherever it sits;
 * `outputs.jsonl`, `predictions.jsonl`, `samples.jsonl`, `row_scores.jsonl` and `results.jsonl`
 * are preferred in that order, then other JSONL, then JSON. The first candidate with readable rows
 * is used (the aggregate `results.json` of `/results` has none). The rows: `evaluation-result-rows.ts`.
 */

/** Bounds on what the ZIP may make the job hold or do, checked before anything parses it. */
export const resultsZipLimits = {
  /** Bytes of the download. */
  downloadBytes: 64 * 1024 * 1024,
  /** Entries of the archive (files and folders). */
  entries: 1000,
  /** Uncompressed bytes of one entry read, declared or actual. */
  entryBytes: 64 * 1024 * 1024,
  /** Uncompressed bytes of every entry read together. */
  inflatedBytes: 128 * 1024 * 1024,
  /** Bytes of one JSON line; a longer one is skipped unread. */
  lineBytes: 1024 * 1024,
  /** Nesting of one row. */
  depth: 64,
} as const;

/**
 * Compressed bytes handed to the inflater at a time. Deflate expands at most about 1032:1, so one
 * push inflates to at most ~1 MiB before the size check sees it: a zip bomb is stopped at the bound,
 * not after it filled memory.
 */
const pushBytes = 1024;

// fflate is loaded when results are first read, not when this module is imported: `flywheel serve` never reads them.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
const loadFflate = (): typeof Fflate => require("fflate") as typeof Fflate;

const preferredNames = ["outputs.jsonl", "predictions.jsonl", "samples.jsonl", "row_scores.jsonl", "results.jsonl"];

/** Lower is preferred; undefined: not a per-sample candidate. */
function candidatePriority(name: string): number | undefined {
  const base = name.slice(name.lastIndexOf("/") + 1).toLowerCase();
  const preferred = preferredNames.indexOf(base);
  return preferred >= 0 ? preferred : base.endsWith(".jsonl") ? preferredNames.length : base.endsWith(".json") ? preferredNames.length + 1 : undefined;
}

/** One candidate file as it is read: its rows go to its own sampler. */
interface Candidate {
  readonly name: string;
  readonly priority: number;
  readonly sampler: LowestScoring;
  skipped: number;
  finished: boolean;
}

/**
 * Reads the ZIP and keeps the lowest-scoring rows of its per-sample file. Throws SamplesUnavailable
 * naming what was wrong: not a ZIP, corrupt, too many entries, an entry too large (declared or
 * inflated), no per-sample file, or one without a readable row.
 */
export function sampleResultsZip(zip: Uint8Array, workloadType: WorkloadType, bounds: SampleBounds): SampledResults {
  if (zip.length < 4 || zip[0] !== 0x50 || zip[1] !== 0x4b) {
    throw new SamplesUnavailable(`the download is not a ZIP archive (${zip.length} bytes, not starting with "PK")`);
  }
  const { Unzip, UnzipInflate } = loadFflate();
  const candidates: Candidate[] = [];
  let entries = 0;
  let inflatedTotal = 0;
  let failure: string | undefined;
  const unzip = new Unzip((file) => {
    entries += 1;
    if (entries > resultsZipLimits.entries) {
      failure ??= `the results ZIP has more than ${resultsZipLimits.entries} entries`;
      return;
    }
    const priority = candidatePriority(file.name);
    // Anything else is skipped without being inflated.
    if (priority === undefined || failure !== undefined) {
      return;
    }
    const name = printable(file.name);
    if (file.originalSize !== undefined && file.originalSize > resultsZipLimits.entryBytes) {
      failure = `the results ZIP's entry ${name} declares ${file.originalSize} bytes, more than the ${resultsZipLimits.entryBytes} read`;
      return;
    }
    const candidate: Candidate = { name, priority, sampler: new LowestScoring(workloadType, bounds), skipped: 0, finished: false };
    candidates.push(candidate);
    const reader = file.name.toLowerCase().endsWith(".jsonl") ? jsonLinesReader(candidate, workloadType) : jsonDocumentReader(candidate, workloadType);
    let inflated = 0;
    file.ondata = (error, chunk, final) => {
      if (failure !== undefined) {
        return;
      }
      if (error) {
        failure = `the results ZIP's entry ${name} cannot be inflated: ${error.message}`;
        return;
      }
      inflated += chunk.length;
      inflatedTotal += chunk.length;
      if (inflated > resultsZipLimits.entryBytes || inflatedTotal > resultsZipLimits.inflatedBytes) {
        failure = `the results ZIP's entry ${name} inflates to more than ${inflated > resultsZipLimits.entryBytes ? `the ${resultsZipLimits.entryBytes} bytes read of one entry` : `the ${resultsZipLimits.inflatedBytes} bytes read of all entries`}`;
        file.terminate();
        return;
      }
      reader(chunk, final);
      candidate.finished = final;
    };
    try {
      file.start();
    } catch (error) {
      failure = `the results ZIP's entry ${name} cannot be read: ${error instanceof Error ? error.message : String(error)}`;
    }
  });
  unzip.register(UnzipInflate);
  try {
    for (let offset = 0; offset < zip.length && failure === undefined; offset += pushBytes) {
      unzip.push(zip.subarray(offset, offset + pushBytes), offset + pushBytes >= zip.length);
    }
  } catch (error) {
    failure ??= `the results ZIP is corrupt: ${error instanceof Error ? error.message : String(error)}`;
  }
  if (failure !== undefined) {
    throw new SamplesUnavailable(failure);
  }
  const listed = directoryEntries(zip);
  // The entries are read front to back; garbled data between them is passed over unseen, so the directory at the end is the check.
  if (listed === undefined) {
    throw new SamplesUnavailable("the results ZIP is corrupt: it has no central directory (cut short?)");
  }
  if (listed !== "zip64" && listed !== entries) {
    throw new SamplesUnavailable(`the results ZIP is corrupt: its directory lists ${listed} entries, ${entries} could be read`);
  }
  return chosen(candidates, entries);
}

/** Entries the end-of-central-directory record counts; "zip64" when it defers to a ZIP64 record; undefined when there is none. */
function directoryEntries(zip: Uint8Array): number | "zip64" | undefined {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  // The record is 22 bytes plus a comment of up to 65535.
  for (let offset = zip.length - 22; offset >= Math.max(0, zip.length - 22 - 0xffff); offset -= 1) {
    if (view.getUint32(offset, true) === 0x06054b50) {
      const total = view.getUint16(offset + 10, true);
      return total === 0xffff ? "zip64" : total;
    }
  }
  return undefined;
}

/** The preferred candidate with rows, or why there is none. */
function chosen(candidates: readonly Candidate[], entries: number): SampledResults {
  const cut = candidates.find((candidate) => !candidate.finished);
  if (cut !== undefined) {
    throw new SamplesUnavailable(`the results ZIP is corrupt: its entry ${cut.name} is cut short`);
  }
  const readable = candidates.filter((candidate) => candidate.sampler.total > 0).sort((a, b) => a.priority - b.priority);
  if (readable.length === 0) {
    if (candidates.length === 0) {
      throw new SamplesUnavailable(`the results ZIP has no per-sample file: none of its ${entries} entries is a .jsonl or .json file`);
    }
    const skipped = candidates.reduce((sum, candidate) => sum + candidate.skipped, 0);
    throw new SamplesUnavailable(
      `the results ZIP has no per-sample rows: ${candidates.map((candidate) => candidate.name).join(", ")} held no record with a conversation, a response or a score${skipped > 0 ? ` (${skipped} unreadable rows skipped)` : ""}`,
    );
  }
  const [best] = readable;
  return best.sampler.results(best.skipped > 0 ? `${best.skipped} rows of ${best.name} could not be read and were skipped` : null);
}

/** Offers one parsed row to the candidate's sampler, or counts it skipped. */
function offerRow(candidate: Candidate, value: unknown, workloadType: WorkloadType): void {
  const row = isRecord(value) && withinDepth(value, resultsZipLimits.depth) ? evaluatedRowOf(value, workloadType) : undefined;
  if (row === undefined) {
    candidate.skipped += 1;
  } else {
    candidate.sampler.offer(row);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // Python writes NaN bare; undefined when it is not JSON at all.
    return parseWithNonFinite(text);
  }
}

/** JSON Lines: each line parsed once it is complete; a line past the bound is skipped without being held. */
function jsonLinesReader(candidate: Candidate, workloadType: WorkloadType): (chunk: Uint8Array, final: boolean) => void {
  const decoder = new TextDecoder();
  let parts: Uint8Array[] = [];
  let size = 0;
  let oversized = false;
  const endLine = () => {
    if (oversized) {
      candidate.skipped += 1;
    } else {
      const text = decoder.decode(Buffer.concat(parts)).trim();
      if (text !== "") {
        offerRow(candidate, parseJson(text), workloadType);
      }
    }
    parts = [];
    size = 0;
    oversized = false;
  };
  return (chunk, final) => {
    let start = 0;
    for (let newline = chunk.indexOf(0x0a); newline >= 0; newline = chunk.indexOf(0x0a, start)) {
      append(chunk.subarray(start, newline));
      endLine();
      start = newline + 1;
    }
    append(chunk.subarray(start));
    if (final && (size > 0 || oversized)) {
      endLine();
    }
  };
  function append(piece: Uint8Array): void {
    if (oversized || piece.length === 0) {
      return;
    }
    size += piece.length;
    if (size > resultsZipLimits.lineBytes) {
      oversized = true;
      parts = [];
    } else {
      parts.push(piece.slice());
    }
  }
}

/** One JSON document (already within the entry bound): an array of rows, or an object holding one. */
function jsonDocumentReader(candidate: Candidate, workloadType: WorkloadType): (chunk: Uint8Array, final: boolean) => void {
  const parts: Uint8Array[] = [];
  return (chunk, final) => {
    parts.push(chunk.slice());
    if (!final) {
      return;
    }
    const document = parseJson(new TextDecoder().decode(Buffer.concat(parts)));
    const rows = Array.isArray(document) ? document : isRecord(document) ? ["rows", "samples", "outputs", "predictions", "data"].map((key) => document[key]).find(Array.isArray) : undefined;
    for (const row of rows ?? []) {
      offerRow(candidate, row, workloadType);
    }
  };
}

/** Whether no object or list in `value` nests deeper than `max`; iterative, so a deep value cannot overflow the stack. */
function withinDepth(value: unknown, max: number): boolean {
  const stack: { readonly value: unknown; readonly depth: number }[] = [{ value, depth: 1 }];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    if (typeof next.value !== "object" || next.value === null) {
      continue;
    }
    if (next.depth > max) {
      return false;
    }
    for (const child of Object.values(next.value)) {
      stack.push({ value: child, depth: next.depth + 1 });
    }
  }
  return true;
}

/** An entry name as messages show it: quoted, control and bidi characters escaped, cut to 200 characters. */
function printable(name: string): string {
  const escaped = printableLine(name);
  return `"${escaped.length > 200 ? `${escaped.slice(0, 200)}…` : escaped}"`;
}
