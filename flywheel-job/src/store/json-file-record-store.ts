import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, type Stats, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { UsageError } from "../errors";
import { describeFileError } from "../file-errors";
import { promised } from "../promised";
import { withFileLock } from "./file-lock";
import { FileRecordIndex, type IndexedRecord } from "./file-record-index";
import type { FindOptions, RecordStore, Where } from "./record-store";
import { type CollectionName, type Collections, collectionNames, dateFields, type Patch, type RunRecord } from "./records";
import { recordIdPattern } from "./ids";
import { RecordFileCache } from "./record-file-cache";
import { isAfterCursor } from "./run-page";

export interface JsonFileRecordStoreOptions {
  /** Told the path of every file the store reads, records and indexes alike: tests count them. A record served from the cache is not read. */
  readonly onFileRead?: (path: string) => void;
  /**
   * How long a record file, or the directory of a collection, must have been unchanged before the
   * cache trusts what it read of it (below that, a change within the file system's timestamp
   * granularity could go unseen). @default 2000
   */
  readonly cacheSettledMs?: number;
}

/**
 * Parsed records a reader keeps (RecordFileCache): more than the largest page of runs (the API's hard
 * cap of 1000, plus one) and a few runs' details, so a repeated list parses nothing it parsed before.
 */
const cachedRecords = 2048;
/** About 8 KiB per run file with its report, so a full list page fits with room for details. */
const cachedFileBytes = 24 * 1024 * 1024;

const recordFileName = /^[0-9a-f]{24}\.json$/;

/**
 * Run records as JSON files, `<directory>/<collection>/<id>.json`: the store of an offline run
 * (`--state-dir`). Files are replaced atomically (write, then rename), and an update reads, merges
 * and writes under a per-record lock (a directory, which `mkdir` creates atomically), so
 * `flywheel runs cancel` in another process never loses a write or has its own lost.
 *
 * Each collection has an index, `<directory>/indexes/<collection>.jsonl` (FileRecordIndex), of the
 * fields `find` filters and sorts by, so a page of runs or a run's parts are found without reading
 * every file. Several processes share it (`flywheel run` writing, `runs cancel`, `flywheel serve`
 * reading): an insert, a delete or an update that changes an indexed field takes the index's lock
 * (after the record's) and marks the record unsure in the index while its file changes; readers
 * take no lock and read every record they return from its file, checking the filter again. An
 * index that is absent (a state directory written before indexes existed) or unreadable is rebuilt
 * from the record files; a writer that died half-way leaves a mark the next writer settles.
 *
 * `get` and `find` keep the records they parse in a bounded cache checked against each file's `stat`
 * (RecordFileCache), so a page of runs served again costs a `stat` per run, not a read and a parse;
 * a file changed since is read again. Files are written as compact JSON; pretty-printed files
 * written by earlier versions read the same.
 */
export class JsonFileRecordStore implements RecordStore {
  readonly description: string;
  private readonly indexes = new Map<CollectionName, FileRecordIndex>();
  private readonly cache: RecordFileCache;

  constructor(
    private readonly directory: string,
    private readonly options: JsonFileRecordStoreOptions = {},
  ) {
    this.description = `state directory ${directory}`;
    this.cache = new RecordFileCache({ maxRecords: cachedRecords, maxFileBytes: cachedFileBytes, settledMs: options.cacheSettledMs });
    try {
      for (const collection of collectionNames) {
        mkdirSync(join(directory, collection), { recursive: true });
      }
      mkdirSync(join(directory, "indexes"), { recursive: true });
    } catch (error) {
      throw new UsageError(`--state-dir: cannot use ${directory}: ${describeFileError(error)}`);
    }
  }

  async insert<C extends CollectionName>(collection: C, record: Collections[C]): Promise<void> {
    const path = this.path(collection, record.id);
    await withFileLock(path, async () => {
      if (this.read(path) !== undefined) {
        throw new Error(`${collection} ${record.id} already exists in ${this.description}`);
      }
      await this.index(collection).change(record.id, () => {
        this.write(path, record);
        return record;
      });
    });
  }

  async update<C extends CollectionName>(collection: C, id: string, patch: Patch<Collections[C]>, onlyIfStatusIn?: readonly string[]): Promise<boolean> {
    const path = this.path(collection, id);
    return withFileLock(path, async () => {
      const current = this.read<Collections[C]>(path);
      if (current === undefined) {
        return false;
      }
      if (onlyIfStatusIn && !onlyIfStatusIn.includes(String((current as { status?: unknown }).status))) {
        return false;
      }
      const updated = { ...current, ...patch };
      const index = this.index(collection);
      if (index.differs(current, updated)) {
        await index.change(id, () => {
          this.write(path, updated);
          return updated;
        });
      } else {
        this.write(path, updated);
      }
      return true;
    });
  }

  get<C extends CollectionName>(collection: C, id: string): Promise<Collections[C] | undefined> {
    return promised(() => (recordIdPattern.test(id) ? this.readCached<Collections[C]>(this.path(collection, id)) : undefined));
  }

  async find<C extends CollectionName>(collection: C, where: Where<Collections[C]>, options: FindOptions = {}): Promise<Collections[C][]> {
    const wanted = new Map<string, readonly string[]>();
    for (const [field, value] of Object.entries(where) as [string, string | readonly string[] | undefined][]) {
      if (value !== undefined) {
        wanted.set(field, typeof value === "string" ? [value] : value);
      }
    }
    const index = this.index(collection);
    const fits = (record: Collections[C]): boolean => matches(record, where) && (options.after === undefined || isAfterCursor(record as unknown as RunRecord, options.after));
    let records: Collections[C][];
    if (index.covers([...wanted.keys()])) {
      // Before anything else of the collection is looked at: a file replaced from here on changes it.
      const token = this.cache.directoryToken(join(this.directory, collection));
      await index.refresh();
      const { ordered, unsure } = index.select(wanted, options.newestFirst === true, options.after);
      const readAll = (ids: readonly string[], limit = Infinity): Collections[C][] => {
        const found: Collections[C][] = [];
        for (const id of ids) {
          if (found.length >= limit) {
            break;
          }
          const record = this.readCached<Collections[C]>(this.path(collection, id), token);
          if (record !== undefined && fits(record)) {
            found.push(record);
          }
        }
        return found;
      };
      // In index order the first `limit` matches are enough: only the unsure ones can come between them.
      const inOrder = options.newestFirst === true && index.sortsByStartedAt;
      records = [...readAll(ordered, inOrder ? (options.limit ?? Infinity) : Infinity), ...readAll(unsure)];
    } else {
      records = [...this.scan<Collections[C]>(collection)].filter(fits);
    }
    if (options.newestFirst) {
      records.sort((a, b) => startedAt(b) - startedAt(a) || compareIds(b, a));
    }
    return options.limit === undefined ? records : records.slice(0, options.limit);
  }

  async delete<C extends CollectionName>(collection: C, ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      const path = this.path(collection, id);
      await withFileLock(path, () =>
        this.index(collection).change(id, () => {
          rmSync(path, { force: true });
          return undefined;
        }),
      );
    }
  }

  /**
   * Writes records straight to their files, taking no lock and writing no index entry, then removes
   * the collection's index: the next `find`, in any process, rebuilds it from the files, as it does
   * for a state directory written before indexes existed. Only for filling a directory no other
   * process uses (`npm run bench:api` seeds with it); a record already there is replaced.
   */
  seedWithoutIndex<C extends CollectionName>(collection: C, records: Iterable<Collections[C]>): void {
    for (const record of records) {
      this.write(this.path(collection, record.id), record);
    }
    rmSync(join(this.directory, "indexes", `${collection}.jsonl`), { force: true });
    this.indexes.delete(collection);
  }

  async close(): Promise<void> {}

  private index(collection: CollectionName): FileRecordIndex {
    let index = this.indexes.get(collection);
    if (index === undefined) {
      index = new FileRecordIndex(join(this.directory, "indexes", `${collection}.jsonl`), collection, {
        all: () => this.scan<IndexedRecord>(collection),
        one: (id) => this.read<IndexedRecord>(this.path(collection, id)),
        onRead: (path) => this.options.onFileRead?.(path),
      });
      this.indexes.set(collection, index);
    }
    return index;
  }

  /** Every record of the collection, read from its file one after another. */
  private *scan<R>(collection: CollectionName): Generator<R> {
    const dir = join(this.directory, collection);
    for (const name of readdirSync(dir)) {
      const record = recordFileName.test(name) ? this.read<R>(join(dir, name)) : undefined;
      if (record !== undefined) {
        yield record;
      }
    }
  }

  private path(collection: CollectionName, id: string): string {
    if (!recordIdPattern.test(id)) {
      throw new UsageError(`"${id}" is not a run record id (24 hexadecimal digits)`);
    }
    return join(this.directory, collection, `${id}.json`);
  }

  /**
   * The record in `path`, from the cache while its file is unchanged: without a `stat` while its
   * directory's `token` (taken before this read) is the one it was last seen under.
   */
  private readCached<R>(path: string, token?: string): R | undefined {
    const unchanged = this.cache.getUnchanged(path, token);
    if (unchanged !== undefined) {
      return unchanged as R;
    }
    let stats: Stats | undefined;
    try {
      stats = statSync(path, { throwIfNoEntry: false });
    } catch (error) {
      throw new UsageError(`cannot read ${path}: ${describeFileError(error)}`);
    }
    if (stats === undefined) {
      this.cache.forget(path);
      return undefined;
    }
    const cached = this.cache.get(path, stats, token);
    if (cached !== undefined) {
      return cached as R;
    }
    const record = this.read<Record<string, unknown>>(path);
    if (record !== undefined) {
      this.cache.set(path, stats, record, token);
    }
    return record as R | undefined;
  }

  private read<R>(path: string): R | undefined {
    let text: string;
    try {
      this.options.onFileRead?.(path);
      text = readFileSync(path, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") {
        return undefined;
      }
      throw new UsageError(`cannot read ${path}: ${describeFileError(error)}`);
    }
    const record = JSON.parse(text) as Record<string, unknown>;
    for (const field of dateFields) {
      if (typeof record[field] === "string") {
        record[field] = new Date(record[field]);
      }
    }
    return record as R;
  }

  private write(path: string, record: unknown): void {
    this.cache.forget(path);
    const temporary = `${path}.${process.pid}.partial`;
    try {
      writeFileSync(temporary, `${JSON.stringify(record)}\n`);
      renameSync(temporary, path);
    } catch (error) {
      rmSync(temporary, { force: true });
      throw new UsageError(`cannot write ${path}: ${describeFileError(error)}`);
    }
  }
}

function matches(record: object, where: object): boolean {
  return Object.entries(where).every(([field, wanted]) => {
    if (wanted === undefined) {
      return true;
    }
    const value = String((record as Record<string, unknown>)[field]);
    return Array.isArray(wanted) ? wanted.includes(value) : value === wanted;
  });
}

function startedAt(record: object): number {
  const value = (record as { started_at?: unknown }).started_at;
  return value instanceof Date ? value.getTime() : 0;
}

function compareIds(a: { readonly id: string }, b: { readonly id: string }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
