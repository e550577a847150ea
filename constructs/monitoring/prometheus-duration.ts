/**
 * Prometheus durations: a number and unit per part, largest first (`30s`, `1m30s`, `15d`). The
 * pattern of prometheus-operator v0.93.1's `Duration` fields (`spec.retention`, an endpoint's
 * `interval`), less the `0` and the empty string it also admits: where this project sets a
 * duration, zero is never meant.
 */
export const prometheusDuration = /^(\d+y)?(\d+w)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?(\d+ms)?$/;

/** Milliseconds per unit; Prometheus counts a year as 365 days. */
const unitMilliseconds: Readonly<Record<string, number>> = {
  y: 365 * 86_400_000,
  w: 7 * 86_400_000,
  d: 86_400_000,
  h: 3_600_000,
  m: 60_000,
  s: 1_000,
  ms: 1,
};

/** A duration's length in milliseconds; undefined when it is no Prometheus duration or is zero. */
export function durationMilliseconds(duration: string): number | undefined {
  if (!prometheusDuration.test(duration)) {
    return undefined;
  }
  let total = 0;
  for (const [, amount, unit] of duration.matchAll(/(\d+)(ms|[ywdhms])/g)) {
    total += Number(amount) * unitMilliseconds[unit];
  }
  return total > 0 ? total : undefined;
}
