/**
 * How the review UI writes values of records that may be half-written: every helper accepts what a
 * record may hold instead of its declared type (a missing field, null, a string where a date was
 * meant) and answers "—" for what it cannot show.
 */

export const absent = "—";

/** A time as `2025-05-01 08:00:00 UTC`. */
export function formatTime(value: unknown): string {
  const date = value instanceof Date ? value : typeof value === "string" ? new Date(value) : undefined;
  if (date === undefined || Number.isNaN(date.getTime())) {
    return absent;
  }
  return `${date.toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

/** Milliseconds of a time a record may hold, or undefined. */
export function timeOf(value: unknown): number | undefined {
  const time = value instanceof Date ? value.getTime() : typeof value === "string" ? Date.parse(value) : Number.NaN;
  return Number.isNaN(time) ? undefined : time;
}

/** Seconds as `1 h 02 min`, `3 min 05 s` or `42 s`. */
export function formatSeconds(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0) {
    return absent;
  }
  const whole = Math.round(seconds);
  const hours = Math.floor(whole / 3600);
  const minutes = Math.floor((whole % 3600) / 60);
  const rest = whole % 60;
  if (hours > 0) {
    return `${hours} h ${String(minutes).padStart(2, "0")} min`;
  }
  return minutes > 0 ? `${minutes} min ${String(rest).padStart(2, "0")} s` : `${rest} s`;
}

/** From `start` to `end`, or to `now` while it has not ended. */
export function formatDuration(start: unknown, end: unknown, now: Date): string {
  const from = timeOf(start);
  if (from === undefined) {
    return absent;
  }
  const to = end === null || end === undefined ? now.getTime() : timeOf(end);
  return to === undefined ? absent : formatSeconds((to - from) / 1000);
}

/** A finite number, or undefined. */
export function numberOf(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** A string, or undefined. */
export function textOf(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** An array, or empty. */
export function listOf(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

/** A plain object's own entries, or none. */
export function entriesOf(value: unknown): readonly (readonly [string, unknown])[] {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? Object.entries(value) : [];
}

/** A 0–1 score as `0.873`. */
export function formatScore(value: unknown): string {
  const score = numberOf(value);
  return score === undefined ? absent : score.toFixed(3);
}

/** A count or amount, without trailing noise. */
export function formatNumber(value: unknown): string {
  const number = numberOf(value);
  return number === undefined ? absent : String(Number(number.toFixed(2)));
}
