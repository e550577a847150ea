import { basename } from "node:path";
import { UsageError } from "../errors";
import { describeFileError } from "../file-errors";
import { forEachLine } from "./line-reader";
import { type LogQuery, type LogSource, type PulledRecord, normaliseTimestamp } from "./log-source";
import { NewestFirstBuffer } from "./newest-first-buffer";

/** What reading a JSONL export found, for the plan and its summary. */
export interface JsonlReadStats {
  readonly bytes: number;
  readonly lines: number;
  readonly blankLines: number;
  /** Lines that are not a JSON object. */
  readonly malformedLines: number;
  /** Line numbers of the first few malformed lines, to find them in the file. */
  readonly firstMalformedLines: readonly number[];
  /** Records of the queried (workload, client). */
  readonly matchingRecords: number;
  /** Records of other workloads or clients. */
  readonly otherRecords: number;
}

const malformedLinesToRemember = 5;

/**
 * Reads logs from a JSONL export, one document per line. The export need not be sorted: the reader
 * streams the whole file and keeps only the `maxRecords` newest records of the queried pair, so
 * memory stays bounded by the query whatever the file's size. It keeps each as its line's UTF-8
 * bytes outside the JavaScript heap and parses it again when it yields it: a parsed record is
 * hundreds of small objects and a string is copied by every young-generation garbage collection it
 * survives, which made garbage collection the largest cost of reading an export. Lines that are not
 * JSON objects are counted and skipped, never fatal.
 */
export class JsonlLogSource implements LogSource {
  readonly description: string;
  private lastStats: JsonlReadStats | undefined;

  constructor(
    private readonly path: string,
    private readonly onProgress?: (bytesRead: number) => void,
  ) {
    this.description = basename(path);
  }

  /** Counts from the last completed `pull`. */
  get stats(): JsonlReadStats | undefined {
    return this.lastStats;
  }

  async *pull(query: LogQuery): AsyncIterable<PulledRecord> {
    const newest = new NewestFirstBuffer<{ readonly timestamp: number | undefined; readonly bytes: Buffer }>(query.maxRecords);
    let blankLines = 0;
    let malformedLines = 0;
    let matchingRecords = 0;
    let otherRecords = 0;
    const firstMalformedLines: number[] = [];

    const { lines, bytes } = await readLines(
      this.path,
      (line, lineNumber) => {
        const document = parseObject(line);
        if (document === "blank") {
          blankLines += 1;
        } else if (document === undefined) {
          malformedLines += 1;
          if (firstMalformedLines.length < malformedLinesToRemember) {
            firstMalformedLines.push(lineNumber);
          }
        } else if (document.workload_id === query.workloadId && document.client_id === query.clientId) {
          matchingRecords += 1;
          const timestamp = normaliseTimestamp(document.timestamp);
          newest.offer(timestamp, () => ({ timestamp, bytes: offHeapCopy(line) }));
        } else {
          otherRecords += 1;
        }
      },
      this.onProgress,
    );
    this.lastStats = { bytes, lines, blankLines, malformedLines, firstMalformedLines, matchingRecords, otherRecords };
    for (const { timestamp, bytes } of newest.drain()) {
      yield { timestamp, document: JSON.parse(bytes.toString("utf8")) as Record<string, unknown> };
    }
  }
}

/** A (workload, client) pair found in an export and how many records it has. */
export interface LogPair {
  readonly workloadId: string;
  readonly clientId: string;
  readonly records: number;
}

/**
 * The (workload, client) pairs of an export, most records first, optionally only those matching the
 * given ids. Used to pick the pair when a command was not told one.
 */
export async function findLogPairs(
  path: string,
  filter: { readonly workloadId?: string; readonly clientId?: string },
  onProgress?: (bytesRead: number) => void,
): Promise<LogPair[]> {
  const counts = new Map<string, number>();
  await readLines(
    path,
    (line) => {
      const document = parseObject(line);
      if (document === "blank" || document === undefined) {
        return;
      }
      const { workload_id: workloadId, client_id: clientId } = document;
      if (typeof workloadId !== "string" || typeof clientId !== "string") {
        return;
      }
      if ((filter.workloadId === undefined || filter.workloadId === workloadId) && (filter.clientId === undefined || filter.clientId === clientId)) {
        const key = JSON.stringify([workloadId, clientId]);
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    },
    onProgress,
  );
  return [...counts]
    .map(([key, records]) => {
      const [workloadId, clientId] = JSON.parse(key) as [string, string];
      return { workloadId, clientId, records };
    })
    .sort((a, b) => b.records - a.records || a.workloadId.localeCompare(b.workloadId) || a.clientId.localeCompare(b.clientId));
}

async function readLines(path: string, onLine: (line: string, lineNumber: number) => void, onProgress?: (bytesRead: number) => void) {
  try {
    return await forEachLine(path, onLine, onProgress);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== undefined) {
      throw new UsageError(`cannot read the log file ${path}: ${describeFileError(error)}`);
    }
    throw error;
  }
}

/** The line's UTF-8 bytes in a buffer of its own (small `Buffer.from` results share an 8 KiB pool, which one survivor keeps alive). */
function offHeapCopy(line: string): Buffer {
  const bytes = Buffer.allocUnsafeSlow(Buffer.byteLength(line, "utf8"));
  bytes.write(line, "utf8");
  return bytes;
}

function parseObject(line: string): Record<string, unknown> | "blank" | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return line.trim() === "" ? "blank" : undefined;
  }
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
