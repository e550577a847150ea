import { mkdirSync, rmdirSync, rmSync, statSync } from "node:fs";
import { setTimeout as delay } from "node:timers/promises";
import { TransientError, UsageError } from "../errors";
import { describeFileError } from "../file-errors";

const lockWaitMs = 10_000;
const staleLockMs = 30_000;

/**
 * Runs `action` holding the lock of `path`: the directory `<path>.lock`, which `mkdir` creates
 * atomically, so processes sharing a state directory exclude one another. A lock left by a process
 * that died is taken over after a while.
 */
export async function withFileLock<T>(path: string, action: () => T | Promise<T>): Promise<T> {
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
        await delay(2);
      }
    }
  }
  try {
    return await action();
  } finally {
    rmdirSync(lock);
  }
}

function lockAge(lock: string): number {
  try {
    return statSync(lock).mtimeMs;
  } catch {
    return Date.now();
  }
}
