import { mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { TransientError, UsageError } from "../errors";
import { describeFileError } from "../file-errors";
import { promised } from "../promised";
import { sleep } from "../waits/sleep";
import type { FindOptions, RecordStore, Where } from "./record-store";
import { type CollectionName, type Collections, collectionNames, dateFields, type Patch } from "./records";
import { recordIdPattern } from "./ids";

const lockWaitMs = 10_000;
const staleLockMs = 30_000;
const never = new AbortController().signal;

/**
 * Run records as JSON files, `<directory>/<collection>/<id>.json`: the store of an offline run
 * (`--state-dir`). Files are replaced atomically (write, then rename), and an update reads, merges
 * and writes under a per-record lock (a directory, which `mkdir` creates atomically), so
 * `flywheel runs cancel` in another process never loses a write or has its own lost.
 */
export class JsonFileRecordStore implements RecordStore {
  readonly description: string;

  constructor(private readonly directory: string) {
    this.description = `state directory ${directory}`;
    try {
      for (const collection of collectionNames) {
        mkdirSync(join(directory, collection), { recursive: true });
      }
    } catch (error) {
      throw new UsageError(`--state-dir: cannot use ${directory}: ${describeFileError(error)}`);
    }
  }

  async insert<C extends CollectionName>(collection: C, record: Collections[C]): Promise<void> {
    const path = this.path(collection, record.id);
    await this.locked(path, () => {
      if (this.read(path) !== undefined) {
        throw new Error(`${collection} ${record.id} already exists in ${this.description}`);
      }
      this.write(path, record);
    });
  }

  async update<C extends CollectionName>(collection: C, id: string, patch: Patch<Collections[C]>, onlyIfStatusIn?: readonly string[]): Promise<boolean> {
    const path = this.path(collection, id);
    return this.locked(path, () => {
      const current = this.read<Collections[C]>(path);
      if (current === undefined) {
        return false;
      }
      if (onlyIfStatusIn && !onlyIfStatusIn.includes(String((current as { status?: unknown }).status))) {
        return false;
      }
      this.write(path, { ...current, ...patch });
      return true;
    });
  }

  get<C extends CollectionName>(collection: C, id: string): Promise<Collections[C] | undefined> {
    return promised(() => (recordIdPattern.test(id) ? this.read<Collections[C]>(this.path(collection, id)) : undefined));
  }

  find<C extends CollectionName>(collection: C, where: Where<Collections[C]>, options: FindOptions = {}): Promise<Collections[C][]> {
    return promised(() => {
      const dir = join(this.directory, collection);
      const records = readdirSync(dir)
        .filter((name) => /^[0-9a-f]{24}\.json$/.test(name))
        .flatMap((name) => this.read<Collections[C]>(join(dir, name)) ?? [])
        .filter((record) => matches(record, where));
      if (options.newestFirst) {
        records.sort((a, b) => startedAt(b) - startedAt(a) || compareIds(b, a));
      }
      return options.limit === undefined ? records : records.slice(0, options.limit);
    });
  }

  delete<C extends CollectionName>(collection: C, ids: readonly string[]): Promise<void> {
    return promised(() => {
      for (const id of ids) {
        rmSync(this.path(collection, id), { force: true });
      }
    });
  }

  async close(): Promise<void> {}

  private path(collection: CollectionName, id: string): string {
    if (!recordIdPattern.test(id)) {
      throw new UsageError(`"${id}" is not a run record id (24 hexadecimal digits)`);
    }
    return join(this.directory, collection, `${id}.json`);
  }

  private read<R>(path: string): R | undefined {
    let text: string;
    try {
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
    const temporary = `${path}.${process.pid}.partial`;
    try {
      writeFileSync(temporary, `${JSON.stringify(record, null, 2)}\n`);
      renameSync(temporary, path);
    } catch (error) {
      rmSync(temporary, { force: true });
      throw new UsageError(`cannot write ${path}: ${describeFileError(error)}`);
    }
  }

  /** Runs `action` holding the record's lock; a lock left by a process that died is taken over after a while. */
  private async locked<T>(path: string, action: () => T): Promise<T> {
    const lock = `${path}.lock`;
    const deadline = Date.now() + lockWaitMs;
    for (;;) {
      try {
        mkdirSync(lock);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") {
          throw new UsageError(`cannot lock ${path}: ${describeFileError(error)}`);
        }
        if (Date.now() - lockAge(lock) > staleLockMs) {
          rmSync(lock, { recursive: true, force: true });
        } else if (Date.now() > deadline) {
          throw new TransientError(`${path} stayed locked for ${lockWaitMs / 1000} s (remove ${lock} if no flywheel process is running)`);
        } else {
          await sleep(2, never);
        }
      }
    }
    try {
      return action();
    } finally {
      rmdirSync(lock);
    }
  }
}

function lockAge(lock: string): number {
  try {
    return statSync(lock).mtimeMs;
  } catch {
    return Date.now();
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
