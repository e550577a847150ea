import { randomBytes } from "node:crypto";
import { appendFileSync, closeSync, fstatSync, openSync, readSync, renameSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { UsageError } from "../errors";
import { describeFileError } from "../file-errors";
import { withFileLock } from "./file-lock";
import { recordIdPattern } from "./ids";
import type { CollectionName } from "./records";
import type { RunCursor } from "./run-page";

/** The fields a collection's index keeps: those `find` filters by, and whether it keeps `started_at` to sort by. */
export interface IndexedFields {
  readonly match: readonly string[];
  readonly startedAt: boolean;
  /**
   * Whether the one field matched is a reference to the record's owner, set at insert and never
   * changed (a part's run or candidate): the index then keeps only ids by reference (ReferenceEntries).
   */
  readonly fixedReference: boolean;
}

/** Per collection, what `RunStore` filters and sorts by. */
export const indexedFields: { readonly [C in CollectionName]: IndexedFields } = {
  flywheel_runs: { match: ["workload_id", "client_id", "status"], startedAt: true, fixedReference: false },
  nims: { match: ["flywheel_run_id"], startedAt: false, fixedReference: true },
  llm_judge_runs: { match: ["flywheel_run_id"], startedAt: false, fixedReference: true },
  evaluations: { match: ["nim_id"], startedAt: false, fixedReference: true },
  customizations: { match: ["nim_id"], startedAt: false, fixedReference: true },
  evaluation_samples: { match: ["flywheel_run_id"], startedAt: false, fixedReference: true },
  icl_example_pools: { match: ["flywheel_run_id"], startedAt: false, fixedReference: true },
};

/** A record as the index sees it: an id, and the fields `indexedFields` names. */
export interface IndexedRecord {
  readonly id: string;
}

/** Where the index finds the records it is built from. */
export interface IndexSource {
  /** Every record of the collection as its file holds it now. */
  all(): Iterable<IndexedRecord>;
  /** The record as its file holds it now; undefined when there is none. */
  one(id: string): IndexedRecord | undefined;
  /** Told of every read of the index file (tests count them). */
  onRead(path: string): void;
}

/** What a query must read: entries that match in the index's order, and ids whose entry cannot be trusted. */
export interface IndexSelection {
  /** Ids of entries that match, newest first when the index keeps `started_at` and that order was asked for. */
  readonly ordered: readonly string[];
  /** Ids being changed, or left half-changed by a writer that died: the caller reads and checks each. */
  readonly unsure: readonly string[];
}

const format = "flywheel-record-index";
const version = 1;
/** Compacted when it holds more lines than this many per live entry (plus a margin). */
const linesPerEntry = 2;
const compactMargin = 1000;
/** Journal lines parsed at a time. */
const parseSlice = 4096;
/**
 * The buffer journals are read into, a slice at a time: one for every index, since reading is
 * synchronous. A find catches its index up first, most often with nothing to read: a buffer per read
 * would be a quarter mebibyte of garbage per query.
 */
const journalBuffer = Buffer.allocUnsafe(256 * 1024);

/** `[match values…, started_at ms?]` of one record. */
type Values = readonly (string | number)[];

class CorruptIndex extends Error {}

/**
 * One collection's index in a JSON-file state directory: a journal, `<path>` (JSON lines), that
 * every index-aware writer appends to and any process reads incrementally.
 *
 * - The first line is a header naming the format, the collection, the fields and a random
 *   generation. Then `["+", id, values…]` (the record's indexed values), `["-", id]` (gone), and
 *   `["?", id]` (being changed: until a later line about it, its entry is not trusted).
 * - A writer changing an indexed value, inserting or deleting holds the journal's lock (a store-wide
 *   lock per collection, taken while it already holds the record's own lock, never the other way
 *   round), appends `?`, writes or removes the record file, then appends its new state. A reader
 *   (no lock) treats a `?` id as unsure and reads its file; so a concurrent reader never misses a
 *   record and never trusts a stale value, and a writer that dies half-way leaves a `?` that stays
 *   correct until the next writer, which settles every `?` it finds under the lock (no other writer
 *   can be in flight then) and cuts off a torn last line.
 * - Updates that change no indexed field neither lock nor append: the index is not affected.
 * - Readers keep the parsed journal and re-read only what was appended since (same generation,
 *   larger size). A compaction, or the rebuild of an absent or unreadable journal, writes a new file
 *   with a new generation and renames it into place; readers notice the generation and re-read it.
 * - Results are only ever candidates: the store reads each record's file and checks it again, so a
 *   record is served as its file holds it, never as the index last saw it.
 */
export class FileRecordIndex {
  private entries: Entries;
  private dirty = new Set<string>();
  private header = "";
  private offset = 0;
  /** The journal's size when last read: bytes past `offset` are a line not (or never to be) finished. */
  private size = 0;
  private lines = 0;

  constructor(
    private readonly path: string,
    private readonly collection: CollectionName,
    private readonly source: IndexSource,
  ) {
    this.entries = this.emptyEntries();
  }

  private get fields(): IndexedFields {
    return indexedFields[this.collection];
  }

  /** Whether `find` by these fields can use the index. */
  covers(fields: readonly string[]): boolean {
    return fields.every((field) => this.fields.match.includes(field));
  }

  get sortsByStartedAt(): boolean {
    return this.fields.startedAt;
  }

  /** Catches up with the journal, rebuilding it first when it is absent or unreadable. */
  async refresh(): Promise<void> {
    if (this.tryRefresh()) {
      return;
    }
    await withFileLock(this.path, () => this.refreshLocked());
  }

  /**
   * The entries matching `where` (values per field) and, with `newestFirst`, after `after`, plus the
   * unsure ids. Call `refresh` first.
   */
  select(where: ReadonlyMap<string, readonly string[]>, newestFirst: boolean, after: RunCursor | undefined): IndexSelection {
    const ordered: string[] = [];
    for (const id of this.entries.select(where, newestFirst, after)) {
      if (!this.dirty.has(id)) {
        ordered.push(id);
      }
    }
    return { ordered, unsure: [...this.dirty] };
  }

  /**
   * Changes record `id` with the index kept right: `change` writes or removes its file and returns
   * the record as written (undefined when removed). Call it holding the record's lock.
   */
  async change(id: string, change: () => IndexedRecord | undefined): Promise<void> {
    await withFileLock(this.path, () => {
      this.refreshLocked();
      this.settleUnsure();
      this.append(["?", id]);
      let written: IndexedRecord | undefined;
      try {
        written = change();
      } catch (error) {
        try {
          this.settle(id, this.source.one(id));
        } catch {
          // The id stays unsure: readers check its file, and the next writer settles it.
        }
        throw error;
      }
      this.settle(id, written);
      if (this.lines > linesPerEntry * this.entries.size + compactMargin) {
        this.writeJournal();
      }
    });
  }

  /** Whether `record`'s indexed values differ from `before`'s. */
  differs(before: IndexedRecord, after: IndexedRecord): boolean {
    const a = this.valuesOf(before);
    const b = this.valuesOf(after);
    return a.some((value, position) => value !== b[position]);
  }

  private emptyEntries(): Entries {
    return this.fields.fixedReference ? new ReferenceEntries() : new FieldEntries(this.fields);
  }

  private valuesOf(indexed: IndexedRecord): Values {
    const record = indexed as unknown as Readonly<Record<string, unknown>>;
    const values: (string | number)[] = this.fields.match.map((field) => String(record[field]));
    if (this.fields.startedAt) {
      const startedAt = record.started_at;
      values.push(startedAt instanceof Date ? startedAt.getTime() : 0);
    }
    return values;
  }

  /** Under the lock: catches up, or rebuilds an absent or unreadable journal. */
  private refreshLocked(): void {
    if (this.tryRefresh()) {
      if (this.size > this.offset) {
        truncateSync(this.path, this.offset);
      }
    } else {
      this.reset();
      for (const record of this.source.all()) {
        this.entries.put(record.id, this.valuesOf(record));
      }
      this.writeJournal();
    }
  }

  /** Writes the entries as a new journal (new generation) and renames it into place. */
  private writeJournal(): void {
    const header = JSON.stringify({ format, version, collection: this.collection, fields: this.fieldNames(), generation: randomBytes(8).toString("hex") });
    const lines = [header, ...[...this.entries.journal()].map(([id, values]) => JSON.stringify(["+", id, ...values]))];
    const temporary = `${this.path}.${process.pid}.partial`;
    try {
      writeFileSync(temporary, `${lines.join("\n")}\n`);
      renameSync(temporary, this.path);
    } catch (error) {
      rmSync(temporary, { force: true });
      throw new UsageError(`cannot write the index ${this.path}: ${describeFileError(error)}`);
    }
    this.reset();
    if (!this.tryRefresh()) {
      throw new UsageError(`the index ${this.path} just written cannot be read back`);
    }
  }

  private fieldNames(): string[] {
    return [...this.fields.match, ...(this.fields.startedAt ? ["started_at"] : [])];
  }

  /** Under the lock no other writer is in flight: a `?` left now is a dead writer's, settled from the file. */
  private settleUnsure(): void {
    for (const id of [...this.dirty]) {
      this.settle(id, this.source.one(id));
    }
  }

  private settle(id: string, record: IndexedRecord | undefined): void {
    this.append(record === undefined ? ["-", id] : ["+", id, ...this.valuesOf(record)]);
  }

  private append(line: readonly unknown[]): void {
    try {
      appendFileSync(this.path, `${JSON.stringify(line)}\n`);
    } catch (error) {
      throw new UsageError(`cannot write the index ${this.path}: ${describeFileError(error)}`);
    }
    if (!this.tryRefresh()) {
      throw new UsageError(`the index ${this.path} cannot be read back after a write`);
    }
  }

  private reset(): void {
    this.entries = this.emptyEntries();
    this.dirty = new Set();
    this.header = "";
    this.offset = 0;
    this.size = 0;
    this.lines = 0;
  }

  /**
   * Reads what was appended since the last call (all of it for a new generation). False when the
   * journal is absent or unreadable. Under the lock, also cuts off a torn last line.
   */
  private tryRefresh(): boolean {
    let descriptor: number;
    try {
      descriptor = openSync(this.path, "r");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") {
        return false;
      }
      throw new UsageError(`cannot read the index ${this.path}: ${describeFileError(error)}`);
    }
    try {
      this.source.onRead(this.path);
      const size = fstatSync(descriptor).size;
      if (this.header !== "" && (size < this.offset || readAt(descriptor, 0, this.header.length + 1) !== `${this.header}\n`)) {
        this.reset();
      }
      this.size = size;
      this.readLines(descriptor, size);
      return this.header !== "";
    } catch (error) {
      if (error instanceof CorruptIndex) {
        this.reset();
        return false;
      }
      throw error;
    } finally {
      closeSync(descriptor);
    }
  }

  /**
   * Applies the whole lines between `offset` and `size`, read a slice at a time into one buffer (a
   * line cut by a slice's end moves to its start, and the buffer grows only for a line longer than
   * it), so a long journal is never held whole nor makes a new buffer per slice. Split at a newline
   * byte, which no multi-byte character contains.
   */
  private readLines(descriptor: number, size: number): void {
    let buffer = journalBuffer;
    let kept = 0;
    let position = this.offset;
    while (position < size) {
      if (kept === buffer.length) {
        const grown = Buffer.allocUnsafe(buffer.length * 2);
        buffer.copy(grown, 0, 0, kept);
        buffer = grown;
      }
      const count = readSync(descriptor, buffer, kept, Math.min(buffer.length - kept, size - position), position);
      if (count === 0) {
        break;
      }
      position += count;
      const length = kept + count;
      const end = buffer.lastIndexOf(0x0a, length - 1);
      if (end < 0) {
        kept = length;
        continue;
      }
      this.apply(buffer, end);
      this.offset += end + 1;
      buffer.copy(buffer, 0, end + 1, length);
      kept = length - end - 1;
    }
  }

  /**
   * Applies the lines of `bytes` before `end` (a newline). A part's `+` line in its one fixed form is
   * applied from the bytes (ReferenceEntries.putLine): a journal of 100,000 parts then makes no string
   * or array per line, which is what loading one cost in time and in garbage the heap grew to hold.
   * Every other line is parsed as JSON, in order with them.
   */
  private apply(bytes: Buffer, end: number): void {
    let start = 0;
    if (this.header === "") {
      const headerEnd = bytes.indexOf(0x0a);
      this.checkHeader(bytes.toString("utf8", 0, headerEnd));
      this.header = bytes.toString("utf8", 0, headerEnd);
      start = headerEnd + 1;
    }
    const parsed: string[] = [];
    const flush = (): void => {
      // In slices, so a long journal is never parsed into one large array at once.
      for (let first = 0; first < parsed.length; first += parseSlice) {
        this.applyLines(parsed.slice(first, first + parseSlice));
      }
      parsed.length = 0;
    };
    while (start <= end) {
      const found = bytes.indexOf(0x0a, start);
      const lineEnd = found < 0 || found > end ? end : found;
      if (lineEnd === start) {
        throw new CorruptIndex();
      }
      if (this.entries instanceof ReferenceEntries && this.entries.canPutLine(bytes, start, lineEnd)) {
        flush();
        if (this.dirty.size > 0) {
          this.dirty.delete(ReferenceEntries.idOfLine(bytes, start));
        }
        this.entries.putLine(bytes, start);
      } else {
        parsed.push(bytes.toString("utf8", start, lineEnd));
      }
      this.lines += 1;
      start = lineEnd + 1;
    }
    flush();
  }

  private applyLines(lines: readonly string[]): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(`[${lines.join(",")}]`);
    } catch {
      throw new CorruptIndex();
    }
    const width = this.fieldNames().length;
    for (const line of parsed as unknown[]) {
      if (!Array.isArray(line) || typeof line[1] !== "string" || !recordIdPattern.test(line[1])) {
        throw new CorruptIndex();
      }
      const [operation, id, ...values] = line as [unknown, string, ...unknown[]];
      if (operation === "+" && values.length === width && values.every((value, position) => typeof value === (position < this.fields.match.length ? "string" : "number"))) {
        this.entries.put(id, values as Values);
        this.dirty.delete(id);
      } else if (operation === "-") {
        this.entries.remove(id);
        this.dirty.delete(id);
      } else if (operation === "?") {
        this.dirty.add(id);
      } else {
        throw new CorruptIndex();
      }
    }
  }

  private checkHeader(line: string): void {
    let header: unknown;
    try {
      header = JSON.parse(line);
    } catch {
      throw new CorruptIndex();
    }
    const fields = (header as { fields?: unknown }).fields;
    const { format: f, version: v, collection: c } = (header ?? {}) as Record<string, unknown>;
    if (f !== format || v !== version || c !== this.collection || JSON.stringify(fields) !== JSON.stringify(this.fieldNames())) {
      throw new CorruptIndex();
    }
  }
}

/** An index's entries in memory: candidates for `select`, and what a compaction writes. */
interface Entries {
  /** Live entries, about (for when to compact). */
  readonly size: number;
  put(id: string, values: Values): void;
  remove(id: string): void;
  /** Ids that may match `where` (values per field), in the order `select` promises. */
  select(where: ReadonlyMap<string, readonly string[]>, newestFirst: boolean, after: RunCursor | undefined): Iterable<string>;
  /** Every live entry, as a compacted journal holds it. */
  journal(): Iterable<readonly [string, Values]>;
}

/** Every record's values, and ids by the first field's value: for records filtered and sorted by fields that change (runs). */
class FieldEntries implements Entries {
  private readonly values = new Map<string, Values>();
  /** Ids by the value of the first field kept (a run's workload). */
  private readonly byFirstField = new Map<string, Set<string>>();
  private newestFirst: string[] | undefined;

  constructor(private readonly fields: IndexedFields) {}

  get size(): number {
    return this.values.size;
  }

  put(id: string, values: Values): void {
    this.remove(id);
    this.values.set(id, values);
    const key = values[0] as string;
    const ids = this.byFirstField.get(key);
    if (ids === undefined) {
      this.byFirstField.set(key, new Set([id]));
    } else {
      ids.add(id);
    }
  }

  remove(id: string): void {
    this.newestFirst = undefined;
    const values = this.values.get(id);
    if (values !== undefined) {
      this.values.delete(id);
      const ids = this.byFirstField.get(values[0] as string);
      ids?.delete(id);
      if (ids?.size === 0) {
        this.byFirstField.delete(values[0] as string);
      }
    }
  }

  *select(where: ReadonlyMap<string, readonly string[]>, newestFirst: boolean, after: RunCursor | undefined): Iterable<string> {
    const positions = [...where].map(([field, wanted]) => [this.fields.match.indexOf(field), wanted] as const);
    const timeAt = this.fields.match.length;
    const cursorTime = after?.startedAt.getTime();
    const first = where.get(this.fields.match[0]);
    const ids =
      newestFirst && this.fields.startedAt
        ? this.sortedNewestFirst()
        : first !== undefined
          ? new Set(first.flatMap((value) => [...(this.byFirstField.get(value) ?? [])]))
          : this.values.keys();
    for (const id of ids) {
      const values = this.values.get(id) as Values;
      if (!positions.every(([position, wanted]) => wanted.includes(values[position] as string))) {
        continue;
      }
      if (cursorTime !== undefined && this.fields.startedAt) {
        const time = values[timeAt] as number;
        if (time > cursorTime || (time === cursorTime && id >= (after as RunCursor).id)) {
          continue;
        }
      }
      yield id;
    }
  }

  journal(): Iterable<readonly [string, Values]> {
    return this.values;
  }

  private sortedNewestFirst(): string[] {
    if (this.newestFirst === undefined) {
      const timeAt = this.fields.match.length;
      const time = (id: string): number => (this.values.get(id) as Values)[timeAt] as number;
      this.newestFirst = [...this.values.keys()].sort((a, b) => time(b) - time(a) || (a < b ? 1 : a > b ? -1 : 0));
    }
    return this.newestFirst;
  }
}

/** Bytes of a record id (24 hexadecimal digits) packed. */
const idBytes = 12;
/** A slot of ReferenceEntries: the id, then the reference. */
const slotBytes = 2 * idBytes;
/** Hexadecimal digits, from the random end of a reference, that name its chain (a small integer). */
const chainDigits = 7;

/**
 * Ids by reference only, for parts (`fixedReference`), packed: each entry is a slot of `slots` (the
 * id and the reference as 12 bytes each) with no object of its own, and the entries of references
 * ending in the same digits are chained through `next`, newest first, from `newest`. A part's
 * reference never changes, so an entry never moves; a removed id is kept in `removed` (there is no
 * map from id to slot) and skipped until a compaction drops it. An id or a reference that is not a
 * record id (only a damaged file has one) is kept in `others` instead. Should an id still be listed
 * under a reference its file no longer holds, it is only a candidate: the store reads each returned
 * id's file and checks the filter again.
 */
class ReferenceEntries implements Entries {
  private slots = Buffer.alloc(1024 * slotBytes);
  private next = new Int32Array(1024);
  private used = 0;
  private readonly newest = new Map<number, number>();
  private readonly others = new Map<string, Set<string>>();
  private readonly removed = new Set<string>();
  /** One slot's bytes, to compare with. */
  private readonly wanted = Buffer.alloc(slotBytes);

  get size(): number {
    let others = 0;
    for (const ids of this.others.values()) {
      others += ids.size;
    }
    return Math.max(0, this.used + others - this.removed.size);
  }

  put(id: string, values: Values): void {
    const reference = values[0] as string;
    this.removed.delete(id);
    if (!recordIdPattern.test(id) || !recordIdPattern.test(reference)) {
      const ids = this.others.get(reference) ?? new Set<string>();
      this.others.set(reference, ids.add(id));
      return;
    }
    this.wanted.write(id, 0, "hex");
    this.wanted.write(reference, idBytes, "hex");
    this.putWanted();
  }

  /** Whether the line from `start` to `end` is `["+","<id>","<reference>"]` with both in lowercase hex, the form `putLine` reads. */
  canPutLine(bytes: Buffer, start: number, end: number): boolean {
    if (end - start !== packedLine.length || bytes.compare(packedLine.prefix, 0, packedLine.prefix.length, start, start + packedLine.prefix.length) !== 0) {
      return false;
    }
    const between = start + packedLine.prefix.length + 2 * idBytes;
    if (bytes.compare(packedLine.between, 0, packedLine.between.length, between, between + packedLine.between.length) !== 0) {
      return false;
    }
    const suffix = end - packedLine.suffix.length;
    if (bytes.compare(packedLine.suffix, 0, packedLine.suffix.length, suffix, end) !== 0) {
      return false;
    }
    for (const digits of [start + packedLine.prefix.length, between + packedLine.between.length]) {
      for (let at = digits; at < digits + 2 * idBytes; at++) {
        if (hexValue(bytes[at]) < 0) {
          return false;
        }
      }
    }
    return true;
  }

  /** The id of a line `canPutLine` accepted. */
  static idOfLine(bytes: Buffer, start: number): string {
    const from = start + packedLine.prefix.length;
    return bytes.toString("latin1", from, from + 2 * idBytes);
  }

  /** Puts the entry of a line `canPutLine` accepted, decoding its hex straight into a slot. */
  putLine(bytes: Buffer, start: number): void {
    const id = start + packedLine.prefix.length;
    const reference = id + 2 * idBytes + packedLine.between.length;
    for (let byte = 0; byte < idBytes; byte++) {
      this.wanted[byte] = (hexValue(bytes[id + 2 * byte]) << 4) | hexValue(bytes[id + 2 * byte + 1]);
      this.wanted[idBytes + byte] = (hexValue(bytes[reference + 2 * byte]) << 4) | hexValue(bytes[reference + 2 * byte + 1]);
    }
    if (this.removed.size > 0) {
      this.removed.delete(ReferenceEntries.idOfLine(bytes, start));
    }
    this.putWanted();
  }

  /** Adds the entry in `wanted` unless its chain holds it already. */
  private putWanted(): void {
    const chain = this.wantedChain();
    for (let slot = this.newest.get(chain) ?? -1; slot >= 0; slot = this.next[slot]) {
      if (this.wanted.compare(this.slots, slot * slotBytes, (slot + 1) * slotBytes) === 0) {
        return;
      }
    }
    if (this.used === this.next.length) {
      this.grow();
    }
    const slot = this.used++;
    this.wanted.copy(this.slots, slot * slotBytes);
    this.next[slot] = this.newest.get(chain) ?? -1;
    this.newest.set(chain, slot);
  }

  remove(id: string): void {
    this.removed.add(id);
  }

  *select(where: ReadonlyMap<string, readonly string[]>): Iterable<string> {
    const [references] = [...where.values()];
    const seen = new Set<string>();
    const fresh = (id: string): boolean => {
      if (this.removed.has(id) || seen.has(id)) {
        return false;
      }
      seen.add(id);
      return true;
    };
    if (references === undefined) {
      for (const [id] of this.journal()) {
        if (fresh(id)) {
          yield id;
        }
      }
      return;
    }
    for (const reference of references) {
      for (const id of this.idsOf(reference)) {
        if (fresh(id)) {
          yield id;
        }
      }
    }
  }

  *journal(): Iterable<readonly [string, Values]> {
    for (let slot = 0; slot < this.used; slot++) {
      const id = this.slots.toString("hex", slot * slotBytes, slot * slotBytes + idBytes);
      if (!this.removed.has(id)) {
        yield [id, [this.slots.toString("hex", slot * slotBytes + idBytes, (slot + 1) * slotBytes)]];
      }
    }
    for (const [reference, ids] of this.others) {
      for (const id of ids) {
        if (!this.removed.has(id)) {
          yield [id, [reference]];
        }
      }
    }
  }

  /** The ids listed under `reference`, oldest first. */
  private idsOf(reference: string): string[] {
    const ids: string[] = [];
    if (recordIdPattern.test(reference)) {
      this.wanted.write(reference, idBytes, "hex");
      for (let slot = this.newest.get(this.wantedChain()) ?? -1; slot >= 0; slot = this.next[slot]) {
        if (this.wanted.compare(this.slots, slot * slotBytes + idBytes, (slot + 1) * slotBytes, idBytes, slotBytes) === 0) {
          ids.push(this.slots.toString("hex", slot * slotBytes, slot * slotBytes + idBytes));
        }
      }
      ids.reverse();
    }
    return [...ids, ...(this.others.get(reference) ?? [])];
  }

  /** The chain of the reference in `wanted`: its last `chainDigits` hex digits' value. */
  private wantedChain(): number {
    let chain = 0;
    for (let nibble = 2 * slotBytes - chainDigits; nibble < 2 * slotBytes; nibble++) {
      const byte = this.wanted[nibble >> 1];
      chain = chain * 16 + ((nibble & 1) === 0 ? byte >> 4 : byte & 0x0f);
    }
    return chain;
  }

  private grow(): void {
    const slots = Buffer.alloc(this.slots.length * 2);
    this.slots.copy(slots);
    this.slots = slots;
    const next = new Int32Array(this.next.length * 2);
    next.set(this.next);
    this.next = next;
  }
}

/** The one form of a part's `+` line, `["+","<id>","<reference>"]`, around its two ids' hex digits. */
const packedLine = {
  prefix: Buffer.from('["+","'),
  between: Buffer.from('","'),
  suffix: Buffer.from('"]'),
  length: 6 + 2 * idBytes + 3 + 2 * idBytes + 2,
};

/** The value of a lowercase hex digit's byte; -1 for any other byte (a record id is lowercase). */
function hexValue(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) {
    return byte - 0x30;
  }
  return byte >= 0x61 && byte <= 0x66 ? byte - 0x57 : -1;
}

function readAt(descriptor: number, position: number, length: number): string {
  return readBytesAt(descriptor, position, length).toString("utf8");
}

/** Up to `length` bytes from `position`: fewer only at the end of the file. */
function readBytesAt(descriptor: number, position: number, length: number): Buffer {
  const buffer = Buffer.alloc(length);
  let read = 0;
  while (read < length) {
    const count = readSync(descriptor, buffer, read, length - read, position + read);
    if (count === 0) {
      break;
    }
    read += count;
  }
  return buffer.subarray(0, read);
}
