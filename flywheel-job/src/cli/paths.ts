import { accessSync, constants, mkdirSync, rmSync, statSync } from "node:fs";
import { UsageError } from "../errors";
import { describeFileError } from "../file-errors";

/** The size of the file a flag names; a UsageError naming the flag when it is missing or not a file. */
export function readableFileSize(flag: string, path: string): number {
  let stats;
  try {
    stats = statSync(path);
  } catch (error) {
    throw new UsageError(`${flag}: cannot read ${path}: ${describeFileError(error)}`);
  }
  if (!stats.isFile()) {
    throw new UsageError(`${flag}: ${path} is not a file`);
  }
  return stats.size;
}

/**
 * Checks, before any work, that the directory a flag names can be written: it is a directory we may
 * write to, or it can be created. A directory created to find out is removed again, so a command
 * that fails later leaves nothing behind.
 */
export function requireWritableDirectory(flag: string, path: string): void {
  let stats;
  try {
    stats = statSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
      throw new UsageError(`${flag}: cannot use ${path}: ${describeFileError(error)}`);
    }
    let created;
    try {
      created = mkdirSync(path, { recursive: true });
    } catch (mkdirError) {
      throw new UsageError(`${flag}: cannot create ${path}: ${describeFileError(mkdirError)}`);
    }
    if (created !== undefined) {
      rmSync(created, { recursive: true });
    }
    return;
  }
  if (!stats.isDirectory()) {
    throw new UsageError(`${flag}: ${path} is a file, not a directory`);
  }
  try {
    accessSync(path, constants.W_OK);
  } catch (error) {
    throw new UsageError(`${flag}: cannot write to ${path}: ${describeFileError(error)}`);
  }
}
