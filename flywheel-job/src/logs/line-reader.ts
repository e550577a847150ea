import { createReadStream } from "node:fs";
import { TopLevelFieldScanner } from "./top-level-fields";

const newline = 0x0a;
const carriageReturn = 0x0d;
/** The UTF-8 byte-order mark, EF BB BF. */
const byteOrderMarkBytes = 3;
/** A line may carry a byte-order mark and a CR beyond its bound before it is known to be too long. */
const lineEndSlack = byteOrderMarkBytes + 1;

/** What a line reader tells its caller, line by line. */
export interface LineVisitor {
  /**
   * A line of at most `maxLineBytes` bytes, without its byte-order mark and line end:
   * `bytes[start, end)`, which starts `offset` bytes into the file. The buffer is valid only during the call.
   */
  line(bytes: Buffer, start: number, end: number, offset: number, lineNumber: number): void;
  /** A longer line, skipped without being assembled or decoded; `fields` are the wanted top-level fields found in it. */
  oversized(fields: ReadonlyMap<string, unknown>, lineNumber: number): void;
}

export interface LineReaderOptions {
  readonly maxLineBytes: number;
  /** Top-level fields to look for in an oversized line (see TopLevelFieldScanner). */
  readonly oversizedFields: ReadonlySet<string>;
  readonly onProgress?: (bytesRead: number) => void;
}

/**
 * Reads a UTF-8 file line by line, streaming it in large chunks (faster than `readline` for big
 * exports). Strips a trailing CR, and a byte-order mark at the start of any line (exports are
 * concatenated). A line split across chunks is assembled once, so a long line costs no more than its
 * size; a line longer than `maxLineBytes` is never assembled at all: once it is known to be too
 * long, its bytes go through a field scanner chunk by chunk up to the next newline, so memory stays
 * within a chunk and the bound whatever the line's length.
 */
export async function forEachLine(path: string, options: LineReaderOptions, visitor: LineVisitor): Promise<{ readonly lines: number; readonly bytes: number }> {
  const { maxLineBytes } = options;
  let lineNumber = 0;
  let bytesRead = 0;
  /** Pieces of the current line from earlier chunks, while it is within the bound. */
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let pendingOffset = 0;
  /** Set while skipping the rest of an oversized line. */
  let skipping: TopLevelFieldScanner | undefined;

  const startSkipping = (): TopLevelFieldScanner => {
    const scanner = new TopLevelFieldScanner(options.oversizedFields);
    for (const piece of pending) {
      scanner.feed(piece, 0, piece.length);
    }
    pending = [];
    pendingBytes = 0;
    return scanner;
  };
  const endOversized = (scanner: TopLevelFieldScanner): void => {
    lineNumber += 1;
    visitor.oversized(scanner.fields(), lineNumber);
  };
  const emit = (buffer: Buffer, start: number, end: number, offset: number): void => {
    if (end - start >= byteOrderMarkBytes && buffer[start] === 0xef && buffer[start + 1] === 0xbb && buffer[start + 2] === 0xbf) {
      start += byteOrderMarkBytes;
      offset += byteOrderMarkBytes;
    }
    if (end > start && buffer[end - 1] === carriageReturn) {
      end -= 1;
    }
    if (end - start > maxLineBytes) {
      const scanner = new TopLevelFieldScanner(options.oversizedFields);
      scanner.feed(buffer, start, end);
      endOversized(scanner);
      return;
    }
    lineNumber += 1;
    visitor.line(buffer, start, end, offset, lineNumber);
  };

  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    const chunkOffset = bytesRead;
    bytesRead += chunk.length;
    let start = 0;
    let end = chunk.indexOf(newline, start);
    if (skipping !== undefined || pending.length > 0) {
      // The first newline of this chunk ends a line begun in an earlier one.
      const stop = end === -1 ? chunk.length : end;
      if (skipping === undefined && pendingBytes + stop > maxLineBytes + lineEndSlack) {
        skipping = startSkipping();
      }
      if (skipping !== undefined) {
        skipping.feed(chunk, 0, stop);
        if (end !== -1) {
          endOversized(skipping);
          skipping = undefined;
        }
      } else if (end === -1) {
        pending.push(chunk);
        pendingBytes += chunk.length;
      } else {
        const joined = Buffer.concat([...pending, chunk.subarray(0, end)]);
        pending = [];
        pendingBytes = 0;
        emit(joined, 0, joined.length, pendingOffset);
      }
      if (end === -1) {
        options.onProgress?.(bytesRead);
        continue;
      }
      start = end + 1;
      end = chunk.indexOf(newline, start);
    }
    while (end !== -1) {
      emit(chunk, start, end, chunkOffset + start);
      start = end + 1;
      end = chunk.indexOf(newline, start);
    }
    if (start < chunk.length) {
      pendingOffset = chunkOffset + start;
      if (chunk.length - start > maxLineBytes + lineEndSlack) {
        skipping = new TopLevelFieldScanner(options.oversizedFields);
        skipping.feed(chunk, start, chunk.length);
      } else {
        pending.push(chunk.subarray(start));
        pendingBytes = chunk.length - start;
      }
    }
    options.onProgress?.(bytesRead);
  }
  if (skipping !== undefined) {
    endOversized(skipping);
  } else if (pending.length > 0) {
    const rest = Buffer.concat(pending);
    emit(rest, 0, rest.length, pendingOffset);
  }
  return { lines: lineNumber, bytes: bytesRead };
}
