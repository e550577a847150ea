import { closeSync, openSync, readSync } from "node:fs";
import { basename } from "node:path";
import { UsageError } from "../errors";
import { describeFileError } from "../file-errors";
import { forEachLine, type LineVisitor } from "./line-reader";
import { type LogQuery, type LogSource, normaliseTimestamp, type PulledRecord, type StoredDocument } from "./log-source";
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
  /** Lines longer than `maxRecordBytes`, of any pair, skipped unread (the queried pair's are dropped as `too_large`). */
  readonly oversizedLines: number;
  /** Records of the queried (workload, client). */
  readonly matchingRecords: number;
  /** Records of other workloads or clients. */
  readonly otherRecords: number;
}

const malformedLinesToRemember = 5;

/** The fields a reader needs of a line it cannot parse: whose it is and when it was written. */
const identifyingFields: ReadonlySet<string> = new Set(["workload_id", "client_id", "timestamp"]);

/** A line of the queried pair kept among the newest: where it is, never its bytes. */
type KeptLine =
  | { readonly timestamp: number | undefined; readonly offset: number; readonly length: number }
  | { readonly timestamp: number | undefined; readonly oversized: true };

/**
 * Reads logs from a JSONL export, one document per line. The export need not be sorted: the reader
 * streams the whole file and keeps only the `maxRecords` newest records of the queried pair, so
 * memory stays bounded by the query whatever the file's size. It keeps each as the offset and length
 * of its line, reads and parses the line again when it yields it, and hands out the same location
 * for later stages to read it once more (see `StoredDocument`): a parsed record is hundreds of small
 * objects, and even the bytes of the 40,000 newest lines of a 1M-record export are 88 MB. Lines that are not
 * JSON objects are counted and skipped, never fatal; a line longer than `maxRecordBytes` is skipped
 * without being assembled and, when it is the pair's, yielded as an OversizedRecord.
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
    const newest = new NewestFirstBuffer<KeptLine>(query.maxRecords);
    let blankLines = 0;
    let malformedLines = 0;
    let oversizedLines = 0;
    let matchingRecords = 0;
    let otherRecords = 0;
    const firstMalformedLines: number[] = [];
    const isQueried = (workloadId: unknown, clientId: unknown): boolean => workloadId === query.workloadId && clientId === query.clientId;

    const { lines, bytes } = await readLines(this.path, query.maxRecordBytes, this.onProgress, {
      line: (buffer, start, end, offset, lineNumber) => {
        const document = parseObject(buffer.toString("utf8", start, end));
        if (document === "blank") {
          blankLines += 1;
        } else if (document === undefined) {
          malformedLines += 1;
          if (firstMalformedLines.length < malformedLinesToRemember) {
            firstMalformedLines.push(lineNumber);
          }
        } else if (isQueried(document.workload_id, document.client_id)) {
          matchingRecords += 1;
          const timestamp = normaliseTimestamp(document.timestamp);
          newest.offer(timestamp, () => ({ timestamp, offset, length: end - start }));
        } else {
          otherRecords += 1;
        }
      },
      oversized: (fields) => {
        oversizedLines += 1;
        if (isQueried(fields.get("workload_id"), fields.get("client_id"))) {
          matchingRecords += 1;
          const timestamp = normaliseTimestamp(fields.get("timestamp"));
          newest.offer(timestamp, () => ({ timestamp, oversized: true }));
        } else {
          otherRecords += 1;
        }
      },
    });
    this.lastStats = { bytes, lines, blankLines, malformedLines, firstMalformedLines, oversizedLines, matchingRecords, otherRecords };

    const kept = newest.drain();
    const fd = openLogFile(this.path);
    try {
      for (const line of kept) {
        if ("oversized" in line) {
          yield { kind: "too_large", timestamp: line.timestamp };
          continue;
        }
        const document = readLine(this.path, fd, line.offset, line.length);
        if (!isQueried(document.workload_id, document.client_id)) {
          throw changedWhileRead(this.path, line.offset);
        }
        const { offset, length } = line;
        yield { kind: "document", timestamp: line.timestamp, document, keep: () => new LineInFile(this.path, offset, length) };
      }
    } finally {
      closeSync(fd);
    }
  }
}

/** A line of an export, read again from the file whenever it is needed. */
class LineInFile implements StoredDocument {
  constructor(
    private readonly path: string,
    private readonly offset: number,
    private readonly length: number,
  ) {}

  read(): Record<string, unknown> {
    const fd = openLogFile(this.path);
    try {
      return readLine(this.path, fd, this.offset, this.length);
    } finally {
      closeSync(fd);
    }
  }
}

/** A (workload, client) pair found in an export and how many records it has. */
export interface LogPair {
  readonly workloadId: string;
  readonly clientId: string;
  readonly records: number;
}

/** What a scan of an export for its (workload, client) pairs found. */
export interface LogPairScan {
  /** Every pair, most records first. */
  readonly pairs: readonly LogPair[];
  /** Lines that are not blank. */
  readonly lines: number;
  /** Of those, the lines that are a JSON object (or too long to be read: their ids are scanned). */
  readonly objectLines: number;
  /** Whether the first line that is not blank opens a JSON array, as a JSON (not JSONL) export does. */
  readonly opensArray: boolean;
}

/**
 * The (workload, client) pairs of an export, most records first, with how many of its lines are
 * JSON objects at all. Used to pick the pair when a command was not told one, and to say what a file
 * does hold when the pair asked for has no records. Lines longer than `maxRecordBytes` count for the
 * pair their top-level ids name, as they do when the pair is pulled.
 */
export async function findLogPairs(path: string, query: { readonly maxRecordBytes: number }, onProgress?: (bytesRead: number) => void): Promise<LogPairScan> {
  const counts = new Map<string, number>();
  let lines = 0;
  let objectLines = 0;
  let opensArray = false;
  const count = (workloadId: unknown, clientId: unknown): void => {
    objectLines += 1;
    if (typeof workloadId === "string" && typeof clientId === "string") {
      const key = JSON.stringify([workloadId, clientId]);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  };
  await readLines(path, query.maxRecordBytes, onProgress, {
    line: (buffer, start, end) => {
      const text = buffer.toString("utf8", start, end);
      const document = parseObject(text);
      if (document !== "blank") {
        opensArray ||= lines === 0 && text.trimStart().startsWith("[");
        lines += 1;
      }
      if (document !== "blank" && document !== undefined) {
        count(document.workload_id, document.client_id);
      }
    },
    oversized: (fields) => {
      lines += 1;
      count(fields.get("workload_id"), fields.get("client_id"));
    },
  });
  const pairs = [...counts]
    .map(([key, records]) => {
      const [workloadId, clientId] = JSON.parse(key) as [string, string];
      return { workloadId, clientId, records };
    })
    .sort((a, b) => b.records - a.records || a.workloadId.localeCompare(b.workloadId) || a.clientId.localeCompare(b.clientId));
  return { pairs, lines, objectLines, opensArray };
}

async function readLines(path: string, maxLineBytes: number, onProgress: ((bytesRead: number) => void) | undefined, visitor: LineVisitor) {
  try {
    return await forEachLine(path, { maxLineBytes, oversizedFields: identifyingFields, onProgress }, visitor);
  } catch (error) {
    throw asReadError(path, error);
  }
}

function openLogFile(path: string): number {
  try {
    return openSync(path, "r");
  } catch (error) {
    throw asReadError(path, error);
  }
}

/** Reads and parses the line at `offset`, which held a JSON object when the file was first read. */
function readLine(path: string, fd: number, offset: number, length: number): Record<string, unknown> {
  const bytes = Buffer.allocUnsafe(length);
  let filled = 0;
  while (filled < length) {
    let read: number;
    try {
      read = readSync(fd, bytes, filled, length - filled, offset + filled);
    } catch (error) {
      throw asReadError(path, error);
    }
    if (read === 0) {
      throw changedWhileRead(path, offset);
    }
    filled += read;
  }
  const document = parseObject(bytes.toString("utf8"));
  if (document === "blank" || document === undefined) {
    throw changedWhileRead(path, offset);
  }
  return document;
}

function changedWhileRead(path: string, offset: number): UsageError {
  return new UsageError(`the log file ${path} changed while it was read: the record at byte ${offset} is no longer there; run again on a file that is not being rewritten`);
}

function asReadError(path: string, error: unknown): unknown {
  return (error as NodeJS.ErrnoException).code !== undefined ? new UsageError(`cannot read the log file ${path}: ${describeFileError(error)}`) : error;
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
