import { closeSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { UsageError } from "../errors";
import { describeFileError } from "../file-errors";

const flushAt = 1 << 20;

/**
 * Writes one JSON value per line. The file appears complete or not at all: it is written under a
 * temporary name and renamed, so an interrupted run never leaves a half-written dataset behind.
 * Key order is the objects' insertion order, so the same records give the same bytes.
 */
export function writeJsonl(path: string, lines: Iterable<unknown>): number {
  const temporary = `${path}.partial`;
  let count = 0;
  let fd: number | undefined;
  try {
    mkdirSync(dirname(path), { recursive: true });
    fd = openSync(temporary, "w");
    let buffer = "";
    for (const line of lines) {
      buffer += `${JSON.stringify(line)}\n`;
      count += 1;
      if (buffer.length >= flushAt) {
        writeSync(fd, buffer);
        buffer = "";
      }
    }
    writeSync(fd, buffer);
    closeSync(fd);
    fd = undefined;
    renameSync(temporary, path);
    return count;
  } catch (error) {
    if (fd !== undefined) {
      closeSync(fd);
    }
    rmSync(temporary, { force: true });
    throw asFileError(path, error);
  }
}

/** Writes a JSON document with two-space indentation and a final newline, atomically like `writeJsonl`. */
export function writeJson(path: string, value: unknown): void {
  const temporary = `${path}.partial`;
  try {
    mkdirSync(dirname(path), { recursive: true });
    const fd = openSync(temporary, "w");
    try {
      writeSync(fd, `${JSON.stringify(value, null, 2)}\n`);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw asFileError(path, error);
  }
}

/** A failed file operation is the user's to fix (a bad --out, a full disk); anything else is a bug. */
function asFileError(path: string, error: unknown): unknown {
  return (error as NodeJS.ErrnoException).code === undefined ? error : new UsageError(`cannot write ${path}: ${describeFileError(error)}`);
}
