import { type Stats, statSync } from "node:fs";

/** The identity of a record file's content: a rewrite (a new file renamed into place) changes it. */
interface FileIdentity {
  readonly ino: number;
  readonly size: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
}

interface CachedRecord {
  readonly identity: FileIdentity;
  /** The `directoryToken` under which the file was last seen unchanged, if its directory had settled then. */
  validatedUnder: string | undefined;
  readonly record: Readonly<Record<string, unknown>>;
  /** The fields holding a Date, which every copy gets its own of. */
  readonly dateFields: readonly string[];
}

export interface RecordFileCacheOptions {
  /** Records kept at most; the least recently read go first. */
  readonly maxRecords: number;
  /** Bytes of record files kept at most (the parsed records take a small multiple of it). */
  readonly maxFileBytes: number;
  /** A file is cached only once it has not been modified for this long. @default 2000 */
  readonly settledMs?: number;
}

/**
 * Records parsed from their files, each kept with the identity of the file it was parsed from (inode,
 * size, modification and change times, as `stat` reported them before the read), so a reader that
 * `stat`s a file can reuse the parse while the file is unchanged instead of reading and parsing it
 * again. A record is served from the cache only when its file's identity is the same, so the cache
 * never serves a record its file no longer holds.
 *
 * Only files not modified for `settledMs` are cached: a file rewritten within the timestamp
 * granularity of one just read, with the same size, on a reused inode, could otherwise look unchanged.
 * The cache is bounded by records and by file bytes (least recently read first out), and holds each
 * record frozen below its top level; `get` hands out a shallow copy with its own Dates, so no caller
 * can change what another is served.
 *
 * A page of a thousand records would still `stat` a thousand files. The store replaces a record file
 * only by renaming a new one into its directory, which changes the directory's modification time; so
 * while a directory's identity (`directoryToken`) is the one under which a record was last seen
 * unchanged, and the directory has settled, no file in it has been replaced since and the record is
 * served without its `stat` (`getUnchanged`). A file edited in place by hand is not noticed until the
 * directory changes.
 */
export class RecordFileCache {
  private readonly entries = new Map<string, CachedRecord>();
  private bytes = 0;

  constructor(private readonly options: RecordFileCacheOptions) {}

  /**
   * The identity of a directory of record files, when it has not changed for `settledMs` (a change
   * later than that moves its modification time on); undefined when it changed more recently or
   * cannot be read. Taken before the directory's files are looked at.
   */
  directoryToken(directory: string, now: number = Date.now()): string | undefined {
    const stats = statSync(directory, { throwIfNoEntry: false });
    if (stats === undefined || now - Math.max(stats.mtimeMs, stats.ctimeMs) <= (this.options.settledMs ?? 2000)) {
      return undefined;
    }
    return `${stats.ino}:${stats.mtimeMs}:${stats.ctimeMs}`;
  }

  /** The record of `path`, without a `stat`, when it was last seen unchanged under `token` (see `directoryToken`). */
  getUnchanged(path: string, token: string | undefined): Record<string, unknown> | undefined {
    const cached = this.entries.get(path);
    return token !== undefined && cached?.validatedUnder === token ? this.touch(path, cached) : undefined;
  }

  /** The record parsed from `path` when `stats` shows its file unchanged since, else undefined; `token`: its directory's, taken before `stats`. */
  get(path: string, stats: Stats, token?: string): Record<string, unknown> | undefined {
    const cached = this.entries.get(path);
    if (cached === undefined) {
      return undefined;
    }
    if (!sameIdentity(cached.identity, stats)) {
      this.forget(path);
      return undefined;
    }
    cached.validatedUnder = token;
    return this.touch(path, cached);
  }

  /** Keeps `record`, parsed from `path` after `stats` was taken, when the file has settled; `token`: its directory's, taken before `stats`. */
  set(path: string, stats: Stats, record: Record<string, unknown>, token?: string, now: number = Date.now()): void {
    this.forget(path);
    if (now - stats.mtimeMs <= (this.options.settledMs ?? 2000) || stats.size > this.options.maxFileBytes) {
      return;
    }
    const dateFields = Object.keys(record).filter((field) => record[field] instanceof Date);
    const kept = copyOf(record, dateFields);
    for (const value of Object.values(kept)) {
      deepFreeze(value);
    }
    this.entries.set(path, { identity: { ino: stats.ino, size: stats.size, mtimeMs: stats.mtimeMs, ctimeMs: stats.ctimeMs }, validatedUnder: token, record: kept, dateFields });
    this.bytes += stats.size;
    for (const [oldest] of this.entries) {
      if (this.entries.size <= this.options.maxRecords && this.bytes <= this.options.maxFileBytes) {
        break;
      }
      this.forget(oldest);
    }
  }

  /** Marks the entry most recently read and hands out a copy of its record. */
  private touch(path: string, cached: CachedRecord): Record<string, unknown> {
    this.entries.delete(path);
    this.entries.set(path, cached);
    return copyOf(cached.record, cached.dateFields);
  }

  forget(path: string): void {
    const cached = this.entries.get(path);
    if (cached !== undefined) {
      this.entries.delete(path);
      this.bytes -= cached.identity.size;
    }
  }
}

function sameIdentity(identity: FileIdentity, stats: Stats): boolean {
  return identity.ino === stats.ino && identity.size === stats.size && identity.mtimeMs === stats.mtimeMs && identity.ctimeMs === stats.ctimeMs;
}

/** A shallow copy whose Dates (in `dateFields`) are new objects: a Date cannot be frozen. */
function copyOf(record: Readonly<Record<string, unknown>>, dateFields: readonly string[]): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...record };
  for (const field of dateFields) {
    copy[field] = new Date((record[field] as Date).getTime());
  }
  return copy;
}

function deepFreeze(value: unknown): void {
  if (typeof value === "object" && value !== null && !(value instanceof Date) && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) {
      deepFreeze(inner);
    }
  }
}
