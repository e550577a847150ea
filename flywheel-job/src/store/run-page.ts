import type { RunRecord } from "./records";
import { recordIdPattern } from "./ids";

/**
 * Where a page of runs ends, in the list's order (newest `started_at` first, then the larger id): the
 * next page holds the runs strictly after it. Clients see it only as an opaque string.
 */
export interface RunCursor {
  readonly startedAt: Date;
  readonly id: string;
}

/** One page of runs and, when more follow, the cursor of the next. */
export interface RunPage {
  readonly runs: readonly RunRecord[];
  readonly next?: RunCursor;
}

/** A run's position in the list. */
export function cursorOf(run: Pick<RunRecord, "started_at" | "id">): RunCursor {
  return { startedAt: run.started_at, id: run.id };
}

/** Whether `run` comes after `cursor` in the list's order. */
export function isAfterCursor(run: Pick<RunRecord, "started_at" | "id">, cursor: RunCursor): boolean {
  const time = run.started_at.getTime();
  const at = cursor.startedAt.getTime();
  return time < at || (time === at && run.id < cursor.id);
}

/** `<milliseconds>.<id>` in base64url: opaque, URL-safe, and short. */
export function encodeRunCursor(cursor: RunCursor): string {
  return Buffer.from(`${cursor.startedAt.getTime()}.${cursor.id}`, "utf8").toString("base64url");
}

const cursorText = /^(\d{1,15})\.([0-9a-f]{24})$/;

/** The cursor a string encodes, or undefined when it is not one this service issued. */
export function decodeRunCursor(text: string): RunCursor | undefined {
  if (text.length > 64 || !/^[A-Za-z0-9_-]+$/.test(text)) {
    return undefined;
  }
  const match = cursorText.exec(Buffer.from(text, "base64url").toString("utf8"));
  if (match === null || !recordIdPattern.test(match[2])) {
    return undefined;
  }
  const startedAt = new Date(Number(match[1]));
  return Number.isNaN(startedAt.getTime()) ? undefined : { startedAt, id: match[2] };
}
